/** Shared helpers of the runtime unit tests: a seeded PRNG, specs and float comparison. */
import assert from 'node:assert/strict';
import type { AggFn, AggregationSpec, Window } from '../../../runtime/contracts/aggregation.js';
import type { PalType, ScalarTypeName, Value } from '../../../runtime/contracts/types.js';

/** mulberry32: a small, fast, seeded PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

export function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

export function t(name: ScalarTypeName): PalType {
  return { kind: 'scalar', name, nullable: true };
}

export const SLIDING_1H: Window = { kind: 'sliding', sizeMs: 3_600_000, hopMs: 300_000 };

/** An aggregation spec over column x of type inputType (null: count()). */
export function aggSpec(
  fn: AggFn, inputType: ScalarTypeName | null, opts: { k?: number; window?: Window; index?: number } = {},
): AggregationSpec {
  return {
    index: opts.index ?? 0,
    fn,
    input: inputType === null ? null : { kind: 'column', name: 'x', type: t(inputType) },
    k: fn === 'last_k' ? (opts.k ?? 3) : null,
    window: opts.window ?? SLIDING_1H,
    resultType: t('double'),
    display: `${fn}(x)`,
  };
}

/** Numbers within 1e-9 relative (1e-9 absolute near 0); lists element-wise; else strictly equal. */
export function assertClose(actual: Value, expected: Value, message?: string): void {
  if (typeof actual === 'number' && typeof expected === 'number') {
    const tol = 1e-9 * Math.max(1, Math.abs(actual), Math.abs(expected));
    if (!(Math.abs(actual - expected) <= tol)) {
      assert.fail(`${message ?? ''} expected ${expected}, got ${actual}`);
    }
    return;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, message);
    for (let i = 0; i < actual.length; i++) assertClose(actual[i], expected[i], message);
    return;
  }
  assert.deepEqual(actual, expected, message);
}

/** A random value of a type, null 15% of the time, from a small domain (repeats are common). */
export function randomValue(rnd: () => number, type: ScalarTypeName | null): Value {
  if (rnd() < 0.15) return null;
  switch (type) {
    case null:
    case 'int': case 'long': return randInt(rnd, -20, 20);
    case 'double': case 'float': return rnd() < 0.2 ? randInt(rnd, -5, 5) : (rnd() - 0.3) * 1000;
    case 'timestamp': return randInt(rnd, -5, 5) * 86_400_000 + randInt(rnd, 0, 3);
    case 'string': return pick(rnd, ['a', 'b', 'B', 'é', '\uFFFF', '😀', '', 'abc', 'ab']);
    case 'boolean': return rnd() < 0.5;
    case 'date': return pick(rnd, ['1969-12-31', '1970-01-01', '2024-02-29', '2024-03-01']);
  }
}

