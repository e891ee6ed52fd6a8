/**
 * The natural order of values, shared by min/max, the first/last/last_k tie rule
 * (aggregation.ts) and the evaluator's comparisons (runtime/expr/README.md):
 * numbers (int, long, float, double, timestamp) numerically, strings and dates by Unicode
 * code point (= UTF-8 byte order, what Spark and DuckDB use), booleans false < true, lists
 * element by element then by length.
 */
import type { PalType, Value } from '../contracts/types.js';

/** Negative, zero or positive, like Array.prototype.sort's comparator. */
export type Comparator = (a: Value, b: Value) => number;

/**
 * Compare two strings by Unicode code point. JS `<` compares UTF-16 code units, which
 * orders U+E000..U+FFFF after supplementary characters (surrogate pairs); code point order
 * puts them before. At the first differing unit, if both are >= 0xD800 we move surrogates
 * above 0xE000..0xFFFF (the fix-up ICU uses), which yields code point order.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

export function compareNumbers(a: Value, b: Value): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

export function compareStrings(a: Value, b: Value): number {
  return compareCodePoints(a as string, b as string);
}

export function compareBooleans(a: Value, b: Value): number {
  return (a ? 1 : 0) - (b ? 1 : 0);
}

/**
 * Generic order for when the type is not known statically. Values of different JS types
 * (which a well-typed plan never compares) order as boolean < number < string < list.
 * Nulls are not ordered here: callers skip them first.
 */
export function compareValues(a: Value, b: Value): number {
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'number') return compareNumbers(a, b);
    if (ta === 'string') return compareCodePoints(a as string, b as string);
    if (ta === 'boolean') return compareBooleans(a, b);
  }
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}

function rank(v: Value): number {
  switch (typeof v) {
    case 'boolean': return 1;
    case 'number': return 2;
    case 'string': return 3;
    default: return v === null ? 0 : 4;
  }
}

/** The fastest comparator for values of a static type (null: unknown, generic order). */
export function comparatorFor(type: PalType | null): Comparator {
  if (type === null || type.kind !== 'scalar') return compareValues;
  switch (type.name) {
    case 'int': case 'long': case 'float': case 'double': case 'timestamp':
      return compareNumbers;
    case 'string': case 'date':
      return compareStrings;
    case 'boolean':
      return compareBooleans;
  }
}
