/** Commander argument parsers shared by the commands: a bad value is a UserError naming the option. */
import { UserError } from '../../runtime/errors.js';

/** A whole-number option in [min, max]; e.g. `.option('--port <port>', '...', wholeNumber('--port', 0, 65535))`. */
export function wholeNumber(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
      throw new UserError(`${name} must be a whole number ${range}, not \`${v}\``);
    }
    return n;
  };
}
