/**
 * Exit codes: 0 ok, 1 user error (clear message, no stack trace), 2 internal error (a bug
 * in Palette: the stack trace is printed, with a request to report it).
 */
import { UserError } from '../../runtime/errors.js';

export class ExitWithCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function handleFatal(err: unknown): number {
  if (err instanceof ExitWithCode) return err.code;
  if (err instanceof UserError) {
    process.stderr.write(`error: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`);
    return 1;
  }
  const e = err as Error;
  process.stderr.write(`internal error: ${e?.message ?? String(err)}\n` +
    'This is a bug in Palette, not in your definitions. Please report it with the output below.\n' +
    `${e?.stack ?? ''}\n`);
  return 2;
}
