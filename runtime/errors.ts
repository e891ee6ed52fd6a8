/**
 * A user error: bad input, a missing table, a broken configuration. The CLI prints its
 * message (no stack trace) and exits 1. Any other thrown error is a bug in Palette and
 * exits 2.
 */
export class UserError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UserError';
  }
}
