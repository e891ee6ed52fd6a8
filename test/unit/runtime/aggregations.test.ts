import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGG_FNS, stateFields, type AggFn } from '../../../runtime/contracts/aggregation.js';
import type { ScalarTypeName, Value } from '../../../runtime/contracts/types.js';
import {
  compareCodePoints, compareValues, makeAggregator, makeAggregatorFor, type AggState, type Aggregator,
} from '../../../runtime/aggregations/index.js';
import { aggSpec, assertClose, pick, prng, randInt, randomValue, t } from './helpers.js';

/** Runs inputs [value, ts] through a fresh state. */
function run(agg: Aggregator, inputs: readonly (readonly [Value, number])[]): AggState {
  const st = agg.create();
  for (const [v, ts] of inputs) agg.update(st, v, ts);
  return st;
}

function value(fn: AggFn, type: ScalarTypeName | null, inputs: readonly (readonly [Value, number])[], k?: number): Value {
  const agg = makeAggregator(aggSpec(fn, type, { k }));
  return agg.finalize(run(agg, inputs));
}

const at = (vs: readonly Value[]): [Value, number][] => vs.map((v, i) => [v, 1000 + i]);

describe('code point order', () => {
  it('orders BMP characters above U+D800 before supplementary characters', () => {
    // UTF-16 units say '😀' (D83D DE00) < '\uFFFF'; code points say U+FFFF < U+1F600.
    assert.ok('😀' < '\uFFFF');
    assert.ok(compareCodePoints('\uFFFF', '😀') < 0);
    assert.ok(compareCodePoints('😀', '\uFFFF') > 0);
    assert.ok(compareCodePoints('\uE000', '\u{10000}') < 0);
    assert.ok(compareCodePoints('a', 'b') < 0);
    assert.ok(compareCodePoints('ab', 'a') > 0);
    assert.equal(compareCodePoints('é', 'é'), 0);
    assert.ok(compareCodePoints('\u{1F600}', '\u{1F601}') < 0);
    assert.ok(compareCodePoints('Z', 'a') < 0);
  });

  it('agrees with UTF-8 byte order on random strings', () => {
    const rnd = prng(7);
    const alphabet = ['a', 'Z', 'é', '\uD7FF', '\uE000', '\uFFFF', '😀', '\u{10FFFF}', '中', ''];
    for (let i = 0; i < 2000; i++) {
      const a = Array.from({ length: randInt(rnd, 0, 4) }, () => pick(rnd, alphabet)).join('');
      const b = Array.from({ length: randInt(rnd, 0, 4) }, () => pick(rnd, alphabet)).join('');
      const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      assert.equal(Math.sign(compareCodePoints(a, b)), bytes, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  });

  it('compareValues orders booleans, numbers, lists', () => {
    assert.ok(compareValues(false, true) < 0);
    assert.ok(compareValues(-1, 2) < 0);
    assert.ok(compareValues([1, 2], [1, 3]) < 0);
    assert.ok(compareValues([1, 2], [1]) > 0);
  });
});

describe('count', () => {
  it('count() counts rows, nulls included', () => {
    assert.equal(value('count', null, at([1, null, 3, null])), 4);
    assert.equal(value('count', null, []), 0);
  });
  it('count(x) counts non-null values (NaN and undefined are null)', () => {
    assert.equal(value('count', 'double', at([1, null, 3, NaN, undefined as unknown as Value])), 2);
    assert.equal(value('count', 'double', at([null])), 0);
    assert.equal(value('count', 'double', []), 0);
  });
});

describe('sum and avg', () => {
  it('sum of ints stays integral; empty and all-null are null', () => {
    const v = value('sum', 'int', at([1, 2, null, 3]));
    assert.equal(v, 6);
    assert.ok(Number.isInteger(v));
    assert.equal(value('sum', 'int', []), null);
    assert.equal(value('sum', 'long', at([null, null])), null);
    assert.equal(value('sum', 'int', at([0])), 0);
    assert.equal(value('sum', 'long', at([-5, 5])), 0);
  });
  it('sum of doubles', () => {
    assertClose(value('sum', 'double', at([0.1, 0.2, null, 0.3])), 0.6);
    assert.equal(value('sum', 'double', at([1e308, 1e308])), null, 'overflow to infinity is null');
  });
  it('avg is a double, nulls skipped, empty null', () => {
    assert.equal(value('avg', 'int', at([1, 2])), 1.5);
    assert.equal(value('avg', 'double', at([null, 4, null, 6])), 5);
    assert.equal(value('avg', 'double', []), null);
    assert.equal(value('avg', 'double', at([null])), null);
  });
});

describe('variance and stddev', () => {
  it('sample variance and stddev', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    assertClose(value('variance', 'int', at(xs)), 32 / 7);
    assertClose(value('stddev', 'int', at(xs)), Math.sqrt(32 / 7));
    assertClose(value('variance', 'double', at([1, null, 2])), 0.5);
  });
  it('null for fewer than 2 values; 0 for equal values', () => {
    assert.equal(value('variance', 'double', []), null);
    assert.equal(value('variance', 'double', at([3, null])), null);
    assert.equal(value('stddev', 'double', at([3])), null);
    assert.equal(value('variance', 'double', at([3, 3, 3])), 0);
    assert.equal(value('stddev', 'double', at([1e9 + 0.1, 1e9 + 0.1])), 0);
  });
  it('is stable for large offsets (Welford)', () => {
    const xs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
    assertClose(value('variance', 'double', at(xs)), 30);
  });
});

describe('min and max', () => {
  it('numbers, nulls, empty', () => {
    assert.equal(value('min', 'double', at([3, null, -1, 2])), -1);
    assert.equal(value('max', 'double', at([3, null, -1, 2])), 3);
    assert.equal(value('min', 'int', []), null);
    assert.equal(value('max', 'int', at([null])), null);
    assert.equal(value('max', 'timestamp', at([-86400000, 5])), 5);
  });
  it('strings by code point, booleans false < true, dates', () => {
    assert.equal(value('max', 'string', at(['b', '\uFFFF', '😀', 'a'])), '😀');
    assert.equal(value('min', 'string', at(['b', '\uFFFF', '😀', 'a'])), 'a');
    assert.equal(value('min', 'boolean', at([true, false, null])), false);
    assert.equal(value('max', 'boolean', at([false, true])), true);
    assert.equal(value('max', 'date', at(['2024-01-31', '2024-02-01', '1969-12-31'])), '2024-02-01');
  });
});

describe('first and last', () => {
  it('by time', () => {
    const inputs: [Value, number][] = [[5, 30], [7, 10], [null, 5], [9, 20], [null, 40]];
    assert.equal(value('first', 'int', inputs), 7);
    assert.equal(value('last', 'int', inputs), 5);
    assert.equal(value('first', 'int', []), null);
    assert.equal(value('last', 'int', [[null, 1]]), null);
  });
  it('ties at equal ts: first takes the smallest value, last the largest, in any order', () => {
    const inputs: [Value, number][] = [[5, 10], [2, 10], [8, 10], [1, 11], [0, 10]];
    const rnd = prng(3);
    for (let i = 0; i < 20; i++) {
      const shuffled = inputs.slice().sort(() => rnd() - 0.5);
      assert.equal(value('first', 'int', shuffled), 0);
      assert.equal(value('last', 'int', shuffled), 1);
      assert.equal(value('last', 'int', shuffled.filter(([, ts]) => ts === 10)), 8);
    }
    assert.equal(value('last', 'string', [['😀', 1], ['\uFFFF', 1]]), '😀');
    assert.equal(value('first', 'string', [['😀', 1], ['\uFFFF', 1]]), '\uFFFF');
    assert.equal(value('last', 'boolean', [[true, 1], [false, 1]]), true);
  });
  it('negative timestamps', () => {
    const inputs: [Value, number][] = [['a', -5000], ['b', -10000], ['c', 0]];
    assert.equal(value('first', 'string', inputs), 'b');
    assert.equal(value('last', 'string', inputs), 'c');
  });
});

describe('last_k', () => {
  it('most recent first, bounded, nulls skipped', () => {
    const inputs: [Value, number][] = [[1, 10], [2, 20], [null, 25], [3, 30], [4, 5]];
    assert.deepEqual(value('last_k', 'int', inputs, 3), [3, 2, 1]);
    assert.deepEqual(value('last_k', 'int', inputs, 10), [3, 2, 1, 4]);
    assert.equal(value('last_k', 'int', [], 3), null);
    assert.equal(value('last_k', 'int', [[null, 1]], 3), null);
  });
  it('ties ordered by value; duplicates kept', () => {
    const inputs: [Value, number][] = [[5, 10], [2, 10], [8, 10], [2, 10], [1, 9]];
    assert.deepEqual(value('last_k', 'int', inputs, 3), [8, 5, 2]);
    assert.deepEqual(value('last_k', 'int', inputs, 4), [8, 5, 2, 2]);
    assert.deepEqual(value('last_k', 'int', inputs.slice().reverse(), 5), [8, 5, 2, 2, 1]);
    assert.deepEqual(value('last_k', 'string', [['😀', 1], ['\uFFFF', 1], ['a', 0]], 2), ['😀', '\uFFFF']);
  });
  it('rejects k < 1', () => {
    assert.throws(() => makeAggregatorFor('last_k', t('int'), 0));
    assert.throws(() => makeAggregatorFor('last_k', t('int'), null));
  });
});

describe('count_distinct', () => {
  it('counts distinct non-null values; 0 when empty', () => {
    assert.equal(value('count_distinct', 'string', at(['a', 'b', 'a', null, 'c'])), 3);
    assert.equal(value('count_distinct', 'double', at([1, 1.0, 2, -0, 0, NaN])), 3);
    assert.equal(value('count_distinct', 'boolean', at([true, false, true])), 2);
    assert.equal(value('count_distinct', 'int', []), 0);
    assert.equal(value('count_distinct', 'int', at([null])), 0);
  });
});

// ------------------------------------------------------------------ random properties

/** Every aggregation over the input types it applies to. */
const CASES: { fn: AggFn; type: ScalarTypeName | null }[] = [];
for (const fn of AGG_FNS) {
  const types: (ScalarTypeName | null)[] =
    fn === 'count' ? [null, 'double', 'string']
    : fn === 'sum' || fn === 'avg' || fn === 'variance' || fn === 'stddev' ? ['int', 'double']
    : ['int', 'double', 'string', 'boolean', 'timestamp', 'date'];
  for (const type of types) CASES.push({ fn, type });
}

function randomInputs(rnd: () => number, type: ScalarTypeName | null, n: number): [Value, number][] {
  return Array.from({ length: n }, () => [randomValue(rnd, type), randInt(rnd, -50, 50)] as [Value, number]);
}

const EXACT = new Set<AggFn>(['count', 'min', 'max', 'first', 'last', 'last_k', 'count_distinct']);

function exactFor(fn: AggFn, type: ScalarTypeName | null): boolean {
  return EXACT.has(fn) || (fn === 'sum' && type === 'int');
}

describe('merge properties (random, seeded)', () => {
  for (const { fn, type } of CASES) {
    it(`${fn}(${type ?? ''}): associative, commutative, equal to one pass`, () => {
      const rnd = prng(1234 + fn.length * 31 + (type?.length ?? 0));
      const agg = makeAggregator(aggSpec(fn, type, { k: 4 }));
      for (let trial = 0; trial < 60; trial++) {
        const A = randomInputs(rnd, type, randInt(rnd, 0, 12));
        const B = randomInputs(rnd, type, randInt(rnd, 0, 12));
        const C = randomInputs(rnd, type, randInt(rnd, 0, 12));
        const [a, b, c] = [run(agg, A), run(agg, B), run(agg, C)];
        const before = [agg.toFields(a), agg.toFields(b), agg.toFields(c)];
        const left = agg.merge(agg.merge(a, b), c);
        const right = agg.merge(a, agg.merge(b, c));
        const swapped = agg.merge(agg.merge(c, b), a);
        const whole = run(agg, [...A, ...B, ...C]);
        assert.deepEqual([agg.toFields(a), agg.toFields(b), agg.toFields(c)], before, 'merge must not modify inputs');
        const expected = agg.finalize(whole);
        assertClose(agg.finalize(left), expected);
        assertClose(agg.finalize(right), expected);
        assertClose(agg.finalize(swapped), expected);
        if (exactFor(fn, type)) {
          assert.deepEqual(agg.toFields(left), agg.toFields(whole));
          assert.deepEqual(agg.toFields(right), agg.toFields(whole));
          assert.deepEqual(agg.toFields(swapped), agg.toFields(whole));
        }
        // Merging an empty state is the identity.
        assert.deepEqual(agg.toFields(agg.merge(a, agg.create())), agg.toFields(a));
        assert.deepEqual(agg.toFields(agg.merge(agg.create(), a)), agg.toFields(a));
      }
    });
  }
});

describe('mergeFields (the online read path: a stored tile merged in place)', () => {
  for (const { fn, type } of CASES) {
    it(`${fn}(${type ?? ''}): the same state as mergeInto(fromFields(...)), arity checked`, () => {
      const rnd = prng(4321 + fn.length * 7 + (type?.length ?? 0));
      const agg = makeAggregator(aggSpec(fn, type, { k: 3 }));
      for (let trial = 0; trial < 60; trial++) {
        const target = run(agg, randomInputs(rnd, type, randInt(rnd, 0, 8)));
        const viaState = agg.clone(target);
        const tile = agg.toFields(run(agg, randomInputs(rnd, type, randInt(rnd, 0, 8))));
        // Through JSON too: the tile codec and SQLite hand back plain values.
        const stored = rnd() < 0.5 ? tile : JSON.parse(JSON.stringify(tile)) as unknown[];
        agg.mergeFields(target, stored);
        agg.mergeInto(viaState, agg.fromFields(stored));
        assert.deepEqual(agg.toFields(target), agg.toFields(viaState));
        assert.deepEqual(agg.finalize(target), agg.finalize(viaState));
      }
      assert.throws(() => agg.mergeFields(agg.create(), [...agg.toFields(agg.create()), null]), /fields, got/);
    });
  }
});

describe('storage form (toFields / fromFields)', () => {
  for (const { fn, type } of CASES) {
    it(`${fn}(${type ?? ''}): matches stateFields and round-trips, also through JSON`, () => {
      const rnd = prng(99 + fn.length + (type?.length ?? 0));
      const agg = makeAggregator(aggSpec(fn, type, { k: 3 }));
      assert.deepEqual(agg.fields, stateFields(fn, type === null ? null : t(type)));
      for (let trial = 0; trial < 40; trial++) {
        const st = run(agg, randomInputs(rnd, type, randInt(rnd, 0, 10)));
        const fields = agg.toFields(st);
        assert.equal(fields.length, agg.fields.length);
        const back = agg.fromFields(fields);
        assert.deepEqual(agg.toFields(back), fields);
        assert.deepEqual(agg.finalize(back), agg.finalize(st));
        const viaJson = agg.fromFields(JSON.parse(JSON.stringify(fields)));
        assert.deepEqual(agg.toFields(viaJson), fields);
        // A state read back keeps working.
        agg.update(back, randomValue(rnd, type), 7);
        agg.finalize(back);
      }
    });
  }

  it('empty states: count fields 0, the rest null', () => {
    const f = (fn: AggFn, type: ScalarTypeName | null) => {
      const agg = makeAggregator(aggSpec(fn, type));
      return agg.toFields(agg.create());
    };
    assert.deepEqual(f('count', null), [0]);
    assert.deepEqual(f('sum', 'int'), [null]);
    assert.deepEqual(f('avg', 'int'), [null, 0]);
    assert.deepEqual(f('variance', 'double'), [0, null, null]);
    assert.deepEqual(f('min', 'string'), [null]);
    assert.deepEqual(f('first', 'string'), [null, null]);
    assert.deepEqual(f('last_k', 'int'), [null, null]);
    assert.deepEqual(f('count_distinct', 'int'), [null]);
  });

  it('layouts: last_k most recent first, count_distinct sorted, timestamps as ms', () => {
    const lk = makeAggregator(aggSpec('last_k', 'string', { k: 2 }));
    assert.deepEqual(lk.toFields(run(lk, [['x', 1], ['y', 3], ['z', 2]])), [[3, 2], ['y', 'z']]);
    const cd = makeAggregator(aggSpec('count_distinct', 'string'));
    assert.deepEqual(cd.toFields(run(cd, [['b', 1], ['😀', 1], ['\uFFFF', 1], ['a', 2]])), [['a', 'b', '\uFFFF', '😀']]);
    const fl = makeAggregator(aggSpec('last', 'double'));
    assert.deepEqual(fl.toFields(run(fl, [[1.5, -3], [2.5, -7]])), [-3, 1.5]);
    const v = makeAggregator(aggSpec('variance', 'int'));
    assert.deepEqual(v.toFields(run(v, [[1, 0], [3, 0]])), [2, 2, 2]);
  });

  it('reads driver types: bigint, Date, Long-like, 0/1 booleans', () => {
    const c = makeAggregator(aggSpec('count', null));
    assert.equal(c.finalize(c.fromFields([12n])), 12);
    const s = makeAggregator(aggSpec('sum', 'long'));
    assert.equal(s.finalize(s.fromFields([{ toNumber: () => 42 }])), 42);
    const fl = makeAggregator(aggSpec('first', 'timestamp'));
    assert.deepEqual(fl.toFields(fl.fromFields([new Date(5), new Date(-9)])), [5, -9]);
    const mx = makeAggregator(aggSpec('max', 'boolean'));
    assert.equal(mx.finalize(mx.fromFields([1])), true);
    const d = makeAggregator(aggSpec('min', 'date'));
    assert.equal(d.finalize(d.fromFields([new Date(Date.UTC(2024, 1, 29))])), '2024-02-29');
    const avg = makeAggregator(aggSpec('avg', 'int'));
    assert.equal(avg.finalize(avg.fromFields([0, 0])), null);
    assert.equal(avg.finalize(avg.fromFields([3n, 2n])), 1.5);
  });

  it('rejects a wrong number of fields and mismatched last_k lists', () => {
    const a = makeAggregator(aggSpec('avg', 'double'));
    assert.throws(() => a.fromFields([1]), /2 fields/);
    const lk = makeAggregator(aggSpec('last_k', 'int'));
    assert.throws(() => lk.fromFields([[1, 2], [1]]));
    assert.throws(() => makeAggregator(aggSpec('sum', 'int')).fromFields(['abc']));
  });

  it('last_k fromFields trims to k and re-orders', () => {
    const lk = makeAggregator(aggSpec('last_k', 'int', { k: 2 }));
    assert.deepEqual(lk.finalize(lk.fromFields([[1, 3, 2], [10, 30, 20]])), [30, 20]);
  });
});
