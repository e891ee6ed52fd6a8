/** String and number helpers of the scalar functions (runtime/expr/README.md). */

/** Number of Unicode code points (a lone surrogate counts as one, as the string iterator does). */
export function codePointLength(s: string): number {
  const len = s.length;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function hasSurrogates(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * substr(s, start, len): code points, 1-based; start <= 0 counts as 1; len omitted (null
 * here) means to the end; len <= 0 gives ''. Non-integer start/len are truncated.
 */
export function substrCodePoints(s: string, start: number, len: number | null): string {
  const from = start < 1 ? 0 : Math.trunc(start) - 1;
  let count = Infinity;
  if (len !== null) {
    count = Math.trunc(len);
    if (!(count > 0)) return '';
  }
  if (!hasSurrogates(s)) return count === Infinity ? s.substring(from) : s.substring(from, from + count);
  const cps = Array.from(s);
  return cps.slice(from, count === Infinity ? undefined : from + count).join('');
}

/**
 * round(x, d): half away from zero at d decimal places (d < 0: tens, hundreds, ...), applied
 * to the shortest decimal form of x, so round(1.005, 2) = 1.01 and round(2.5) = 3. Null for a
 * non-finite x.
 */
export function roundHalfAway(x: number, d: number): number | null {
  if (x - x !== 0) return null;
  if (x === 0) return 0;
  const ax = x < 0 ? -x : x;
  if (d === 0) {
    const r = Math.round(ax);
    return x < 0 ? -r + 0 : r;
  }
  const s = `${ax}`;
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? 0 : Number(s.slice(e + 1));
  const shifted = Number(`${mantissa}e${exp + d}`);
  // Already a whole number at this precision (or beyond double precision): unchanged.
  if (shifted >= 4503599627370496) return x;
  const r = Number(`${Math.round(shifted)}e${-d}`);
  return x < 0 ? -r + 0 : r;
}
