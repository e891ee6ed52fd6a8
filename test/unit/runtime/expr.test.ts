import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinaryOp, Expr, FunctionName } from '../../../runtime/contracts/expr.js';
import type { PalType, ScalarTypeName, Value } from '../../../runtime/contracts/types.js';
import {
  civilFromDays, compileExpr, compileRowPipeline, daysFromCivil, formatTimestamp, parseTimestamp,
  type EvalContext, type Row,
} from '../../../runtime/expr/index.js';
import { prng, randInt } from './helpers.js';

// ------------------------------------------------------------------ IR builders

const T = (name: ScalarTypeName): PalType => ({ kind: 'scalar', name, nullable: true });
const lit = (value: string | number | boolean | null, type: ScalarTypeName): Expr => ({ kind: 'literal', value, type: T(type) });
const int = (v: number | null) => lit(v, 'int');
const dbl = (v: number | null) => lit(v, 'double');
const str = (v: string | null) => lit(v, 'string');
const bool = (v: boolean | null) => lit(v, 'boolean');
const ts = (v: number | null) => lit(v, 'timestamp');
const date = (v: string | null) => lit(v, 'date');
const col = (name: string, type: ScalarTypeName): Expr => ({ kind: 'column', name, type: T(type) });
const bin = (op: BinaryOp, left: Expr, right: Expr, type: ScalarTypeName): Expr => ({ kind: 'binary', op, left, right, type: T(type) });
const call = (fn: FunctionName, args: Expr[], type: ScalarTypeName): Expr => ({ kind: 'call', fn, args, type: T(type) });
const cast = (operand: Expr, type: ScalarTypeName): Expr => ({ kind: 'cast', operand, type: T(type) });
const numType = (l: Expr, r: Expr): ScalarTypeName =>
  [l, r].some((x) => x.type.kind === 'scalar' && (x.type.name === 'double' || x.type.name === 'float')) ? 'double' : 'long';

/** Evaluates an expression on a row and context. */
function ev(e: Expr, row: Row = {}, ctx?: EvalContext): Value {
  return compileExpr(e)(row, ctx);
}
const arith = (op: BinaryOp, l: Expr, r: Expr) => ev(bin(op, l, r, op === '/' ? 'double' : numType(l, r)));
const cmp = (op: BinaryOp, l: Expr, r: Expr) => ev(bin(op, l, r, 'boolean'));
const fn = (name: FunctionName, args: Expr[], type: ScalarTypeName = 'double') => ev(call(name, args, type));

const ms = (iso: string) => Date.parse(iso);

describe('references', () => {
  it('columns, aggregates, features; missing values are null', () => {
    assert.equal(ev(col('fare', 'double'), { fare: 12.5 }), 12.5);
    assert.equal(ev(col('fare', 'double'), {}), null);
    assert.equal(ev(col('fare', 'double'), { fare: NaN }), null);
    assert.equal(ev(col('s', 'string'), { s: null }), null);
    assert.equal(ev({ kind: 'aggregate', index: 1, type: T('long') }, {}, { aggregates: [5, 7] }), 7);
    assert.equal(ev({ kind: 'aggregate', index: 3, type: T('long') }, {}, { aggregates: [5] }), null);
    assert.equal(ev({ kind: 'aggregate', index: 0, type: T('long') }, {}), null);
    assert.equal(ev({ kind: 'feature', name: 'ns.g.f', type: T('long') }, {}, { features: { 'ns.g.f': 3 } }), 3);
    assert.equal(ev({ kind: 'feature', name: 'x', type: T('long') }, {}, { features: {} }), null);
  });
});

describe('arithmetic', () => {
  it('+ - * keep integers integral; null in, null out', () => {
    assert.equal(arith('+', int(2), int(3)), 5);
    assert.equal(arith('-', int(2), int(3)), -1);
    assert.equal(arith('*', int(-4), int(3)), -12);
    assert.equal(arith('+', int(1), dbl(0.5)), 1.5);
    assert.equal(arith('+', int(null), int(1)), null);
    assert.equal(arith('*', dbl(2), dbl(null)), null);
    assert.equal(arith('-', ts(1000), ts(400)), 600);
  });
  it('/ is always double; by zero is null', () => {
    assert.equal(arith('/', int(7), int(2)), 3.5);
    assert.equal(arith('/', int(-7), int(2)), -3.5);
    assert.equal(arith('/', int(6), int(3)), 2);
    assert.equal(arith('/', int(1), int(0)), null);
    assert.equal(arith('/', dbl(0), dbl(0)), null);
    assert.equal(arith('/', dbl(1.5), dbl(-0)), null);
    assert.equal(arith('/', int(null), int(0)), null);
  });
  it('% has the sign of the dividend; by zero is null', () => {
    assert.equal(arith('%', int(7), int(3)), 1);
    assert.equal(arith('%', int(-7), int(3)), -1);
    assert.equal(arith('%', int(7), int(-3)), 1);
    assert.equal(arith('%', dbl(5.5), int(2)), 1.5);
    assert.equal(arith('%', int(7), int(0)), null);
    assert.equal(arith('%', int(null), int(2)), null);
  });
  it('NaN and infinite results are null', () => {
    assert.equal(arith('*', dbl(1e308), dbl(10)), null);
    assert.equal(arith('-', dbl(-1e308), dbl(1e308)), null);
    assert.equal(arith('/', dbl(1e308), dbl(1e-308)), null);
  });
  it('unary minus and not', () => {
    const neg = (x: Expr) => ev({ kind: 'unary', op: '-', operand: x, type: x.type });
    assert.equal(neg(int(5)), -5);
    assert.ok(Object.is(neg(int(0)), 0));
    assert.equal(neg(dbl(null)), null);
    const not = (x: Expr) => ev({ kind: 'unary', op: 'not', operand: x, type: T('boolean') });
    assert.equal(not(bool(true)), false);
    assert.equal(not(bool(false)), true);
    assert.equal(not(bool(null)), null);
  });
});

describe('comparisons', () => {
  it('numbers numerically, across int and double', () => {
    assert.equal(cmp('<', int(2), dbl(2.5)), true);
    assert.equal(cmp('==', int(2), dbl(2)), true);
    assert.equal(cmp('!=', int(2), dbl(2)), false);
    assert.equal(cmp('>=', int(-1), int(-1)), true);
    assert.equal(cmp('>', ts(5), ts(4)), true);
    assert.equal(cmp('<=', int(3), int(2)), false);
  });
  it('strings by code point, not UTF-16 units', () => {
    assert.equal(cmp('<', str('\uFFFF'), str('😀')), true);
    assert.equal(cmp('>', str('😀'), str('\uFFFF')), true);
    assert.equal(cmp('<', str('B'), str('a')), true);
    assert.equal(cmp('<', str('ab'), str('abc')), true);
    assert.equal(cmp('==', str('é'), str('é')), true);
    assert.equal(cmp('!=', str('a'), str('A')), true);
  });
  it('booleans false < true; dates; dates against timestamps', () => {
    assert.equal(cmp('<', bool(false), bool(true)), true);
    assert.equal(cmp('>=', bool(false), bool(true)), false);
    assert.equal(cmp('==', bool(true), bool(true)), true);
    assert.equal(cmp('<', date('2023-12-31'), date('2024-01-01')), true);
    assert.equal(cmp('==', date('2024-01-01'), ts(ms('2024-01-01T00:00:00Z'))), true);
    assert.equal(cmp('<', ts(ms('2023-12-31T23:59:59Z')), date('2024-01-01')), true);
  });
  it('null on either side is null', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>='] as const) {
      assert.equal(cmp(op, int(null), int(1)), null);
      assert.equal(cmp(op, str('a'), str(null)), null);
      assert.equal(cmp(op, bool(null), bool(null)), null);
    }
  });
});

describe('logic', () => {
  const vals = [true, false, null] as const;
  it('and / or are three-valued', () => {
    const and = (a: boolean | null, b: boolean | null) => ev(bin('and', bool(a), bool(b), 'boolean'));
    const or = (a: boolean | null, b: boolean | null) => ev(bin('or', bool(a), bool(b), 'boolean'));
    for (const a of vals) {
      for (const b of vals) {
        const expAnd = a === false || b === false ? false : a === null || b === null ? null : true;
        const expOr = a === true || b === true ? true : a === null || b === null ? null : false;
        assert.equal(and(a, b), expAnd, `${a} and ${b}`);
        assert.equal(or(a, b), expOr, `${a} or ${b}`);
      }
    }
  });
  it('if, case, coalesce, nullif', () => {
    assert.equal(fn('if', [bool(true), int(1), int(2)], 'int'), 1);
    assert.equal(fn('if', [bool(false), int(1), int(2)], 'int'), 2);
    assert.equal(fn('if', [bool(null), int(1), int(2)], 'int'), 2);
    assert.equal(fn('if', [bool(true), int(null), int(2)], 'int'), null);
    const kase = (x: number | null): Value => ev({
      kind: 'case',
      branches: [
        { when: bin('<', int(x), int(0), 'boolean'), then: str('neg') },
        { when: bin('==', int(x), int(0), 'boolean'), then: str('zero') },
      ],
      else: x === 99 ? null : str('pos'),
      type: T('string'),
    });
    assert.equal(kase(-3), 'neg');
    assert.equal(kase(0), 'zero');
    assert.equal(kase(4), 'pos');
    assert.equal(kase(null), 'pos', 'null conditions fall through to else');
    assert.equal(kase(99), null, 'no else: null');
    assert.equal(fn('coalesce', [int(null), int(null), int(3), int(4)], 'int'), 3);
    assert.equal(fn('coalesce', [int(null), int(2)], 'int'), 2);
    assert.equal(fn('coalesce', [int(null)], 'int'), null);
    assert.equal(fn('nullif', [int(0), int(0)], 'int'), null);
    assert.equal(fn('nullif', [int(5), int(0)], 'int'), 5);
    assert.equal(fn('nullif', [dbl(0), int(0)]), null);
    assert.equal(fn('nullif', [str('a'), str('a')], 'string'), null);
    assert.equal(fn('nullif', [int(null), int(0)], 'int'), null);
    assert.equal(fn('nullif', [int(5), int(null)], 'int'), 5, 'SQL NULLIF: a null b keeps a');
  });
});

describe('string functions', () => {
  it('lower, upper, length in code points', () => {
    assert.equal(fn('lower', [str('ÀBC')], 'string'), 'àbc');
    assert.equal(fn('upper', [str('straße')], 'string'), 'STRASSE');
    assert.equal(fn('lower', [str(null)], 'string'), null);
    assert.equal(fn('length', [str('héllo')], 'int'), 5);
    assert.equal(fn('length', [str('a😀b')], 'int'), 3);
    assert.equal(fn('length', [str('')], 'int'), 0);
    assert.equal(fn('length', [str(null)], 'int'), null);
  });
  it('concat: null if any argument is null; other types as strings', () => {
    assert.equal(fn('concat', [str('a'), str('b')], 'string'), 'ab');
    assert.equal(fn('concat', [str('a'), str('b'), str('c')], 'string'), 'abc');
    assert.equal(fn('concat', [str('a'), str(null), str('c')], 'string'), null);
    assert.equal(fn('concat', [str(null), str('b')], 'string'), null);
    assert.equal(fn('concat', [str('n='), int(3), str(' x='), dbl(2), str(' '), bool(true)], 'string'), 'n=3 x=2.0 true');
    assert.equal(fn('concat', [str('d='), date('2024-01-02')], 'string'), 'd=2024-01-02');
  });
  it('substr: 1-based, code points, start <= 0 is 1, optional length', () => {
    const sub = (s: string | null, start: number | null, len?: number | null) =>
      fn('substr', len === undefined ? [str(s), int(start)] : [str(s), int(start), int(len)], 'string');
    assert.equal(sub('hello', 2), 'ello');
    assert.equal(sub('hello', 2, 3), 'ell');
    assert.equal(sub('hello', 1, 100), 'hello');
    assert.equal(sub('hello', 0, 2), 'he');
    assert.equal(sub('hello', -3, 2), 'he');
    assert.equal(sub('hello', 6), '');
    assert.equal(sub('hello', 2, 0), '');
    assert.equal(sub('hello', 2, -1), '');
    assert.equal(sub('a😀bc', 2, 2), '😀b');
    assert.equal(sub('😀😀x', 3), 'x');
    assert.equal(sub(null, 1), null);
    assert.equal(sub('abc', null), null);
    assert.equal(sub('abc', 1, null), null);
  });
});

describe('math functions', () => {
  it('abs', () => {
    assert.equal(fn('abs', [int(-3)], 'int'), 3);
    assert.equal(fn('abs', [dbl(-2.5)]), 2.5);
    assert.equal(fn('abs', [dbl(null)]), null);
  });
  it('round: half away from zero, on the shortest decimal form', () => {
    const round = (x: number | null, d?: number | null) => fn('round', d === undefined ? [dbl(x)] : [dbl(x), int(d)]);
    assert.equal(round(2.5), 3);
    assert.equal(round(-2.5), -3);
    assert.equal(round(2.4999999999999996), 2);
    assert.equal(round(0.5), 1);
    assert.ok(Object.is(round(-0.4), 0));
    assert.equal(round(1.005, 2), 1.01);
    assert.equal(round(-1.005, 2), -1.01);
    assert.equal(round(1.2345, 3), 1.235);
    assert.equal(round(0.125, 2), 0.13);
    assert.equal(round(1.5e-7, 7), 2e-7);
    assert.equal(round(1e21, 2), 1e21);
    assert.equal(round(1250, -2), 1300);
    assert.equal(round(-1249, -2), -1200);
    assert.equal(round(123.456, 0), 123);
    assert.equal(round(null), null);
    assert.equal(round(1.5, null), null);
    assert.equal(fn('round', [int(7)], 'int'), 7);
    assert.equal(fn('round', [int(1250), int(-2)], 'int'), 1300);
    assert.equal(fn('round', [int(-1250), int(-2)], 'int'), -1300);
    assert.equal(fn('round', [int(1249), int(-2)], 'int'), 1200);
  });
  it('floor and ceil', () => {
    assert.equal(fn('floor', [dbl(-1.5)]), -2);
    assert.equal(fn('ceil', [dbl(-1.5)]), -1);
    assert.ok(Object.is(fn('ceil', [dbl(-0.5)]), 0));
    assert.equal(fn('floor', [dbl(2)]), 2);
    assert.equal(fn('floor', [int(-7)], 'int'), -7);
    assert.equal(fn('ceil', [dbl(null)]), null);
  });
  it('log, exp, sqrt, pow: null outside their domain', () => {
    assert.equal(fn('log', [dbl(Math.E)]), 1);
    assert.equal(fn('log', [dbl(0)]), null);
    assert.equal(fn('log', [dbl(-1)]), null);
    assert.equal(fn('exp', [dbl(0)]), 1);
    assert.equal(fn('exp', [dbl(1000)]), null);
    assert.equal(fn('sqrt', [dbl(9)]), 3);
    assert.equal(fn('sqrt', [dbl(-1)]), null);
    assert.equal(fn('sqrt', [int(0)]), 0);
    assert.equal(fn('pow', [int(2), int(10)]), 1024);
    assert.equal(fn('pow', [dbl(2), dbl(-1)]), 0.5);
    assert.equal(fn('pow', [dbl(0), dbl(-1)]), null);
    assert.equal(fn('pow', [dbl(-8), dbl(1 / 3)]), null);
    assert.equal(fn('pow', [dbl(10), dbl(400)]), null);
    assert.equal(fn('pow', [dbl(null), dbl(1)]), null);
  });
});

describe('time functions', () => {
  it('hour_of_day in UTC, also before 1970', () => {
    assert.equal(fn('hour_of_day', [ts(ms('2024-03-10T13:59:59.999Z'))], 'int'), 13);
    assert.equal(fn('hour_of_day', [ts(-1)], 'int'), 23);
    assert.equal(fn('hour_of_day', [ts(ms('1969-07-20T20:17:40Z'))], 'int'), 20);
    assert.equal(fn('hour_of_day', [ts(null)], 'int'), null);
  });
  it('day_of_week: ISO, Monday = 1 ... Sunday = 7', () => {
    assert.equal(fn('day_of_week', [ts(0)], 'int'), 4); // Thursday
    assert.equal(fn('day_of_week', [date('2024-01-01')], 'int'), 1);
    assert.equal(fn('day_of_week', [date('2024-01-07')], 'int'), 7);
    assert.equal(fn('day_of_week', [ts(ms('2024-01-07T23:59:59Z'))], 'int'), 7);
    assert.equal(fn('day_of_week', [ts(-1)], 'int'), 3); // 1969-12-31, Wednesday
    assert.equal(fn('day_of_week', [date('1900-01-01')], 'int'), 1);
    assert.equal(fn('day_of_week', [date(null)], 'int'), null);
  });
  it('date_trunc to minute, hour, day, ISO week, month, year', () => {
    const t0 = ms('2024-02-29T13:45:30.123Z');
    const trunc = (unit: string, x: Expr) => fn('date_trunc', [str(unit), x], 'timestamp');
    assert.equal(trunc('minute', ts(t0)), ms('2024-02-29T13:45:00Z'));
    assert.equal(trunc('hour', ts(t0)), ms('2024-02-29T13:00:00Z'));
    assert.equal(trunc('day', ts(t0)), ms('2024-02-29T00:00:00Z'));
    assert.equal(trunc('week', ts(t0)), ms('2024-02-26T00:00:00Z'));
    assert.equal(trunc('month', ts(t0)), ms('2024-02-01T00:00:00Z'));
    assert.equal(trunc('year', ts(t0)), ms('2024-01-01T00:00:00Z'));
    assert.equal(trunc('week', ts(ms('2024-03-03T23:00:00Z'))), ms('2024-02-26T00:00:00Z'));
    assert.equal(trunc('week', ts(ms('2024-03-04T00:00:00Z'))), ms('2024-03-04T00:00:00Z'));
    assert.equal(trunc('hour', ts(-1)), -3_600_000);
    assert.equal(trunc('week', ts(0)), ms('1969-12-29T00:00:00Z'));
    assert.equal(trunc('month', ts(ms('1969-12-31T23:59:59.999Z'))), ms('1969-12-01T00:00:00Z'));
    assert.equal(trunc('year', date('1969-06-15')), ms('1969-01-01T00:00:00Z'));
    assert.equal(trunc('day', ts(null)), null);
    // A unit that is not a literal is read per row; an unknown one is null.
    const dyn = compileExpr(call('date_trunc', [col('u', 'string'), ts(t0)], 'timestamp'));
    assert.equal(dyn({ u: 'DAY' }), ms('2024-02-29T00:00:00Z'));
    assert.equal(dyn({ u: 'fortnight' }), null);
    assert.throws(() => compileExpr(call('date_trunc', [str('fortnight'), ts(t0)], 'timestamp')), /unit/);
  });
  it('days_between: whole UTC days from a to b', () => {
    const db = (a: Expr, b: Expr) => fn('days_between', [a, b], 'int');
    assert.equal(db(date('2024-01-01'), date('2024-03-01')), 60);
    assert.equal(db(date('2024-03-01'), date('2024-01-01')), -60);
    assert.equal(db(ts(ms('2024-01-01T23:59:00Z')), ts(ms('2024-01-02T00:01:00Z'))), 1);
    assert.equal(db(ts(ms('2024-01-02T00:01:00Z')), ts(ms('2024-01-02T23:59:00Z'))), 0);
    assert.equal(db(date('1969-12-31'), ts(0)), 1);
    assert.equal(db(ts(-1), date('1970-01-01')), 1);
    assert.equal(db(date('2000-02-28'), date('2000-03-01')), 2);
    assert.equal(db(date('1900-02-28'), date('1900-03-01')), 1);
    assert.equal(db(date(null), date('2024-01-01')), null);
  });
  it('snapshot_date reads the context', () => {
    assert.equal(ev(call('snapshot_date', [], 'date'), {}, { snapshotDate: '2024-05-01' }), '2024-05-01');
    assert.equal(ev(call('snapshot_date', [], 'date'), {}), null);
    assert.equal(ev(call('days_between', [date('2024-04-01'), call('snapshot_date', [], 'date')], 'int'), {}, { snapshotDate: '2024-05-01' }), 30);
  });
  it('calendar conversions agree with Date on random days (years -2000 to 4000)', () => {
    const rnd = prng(11);
    for (let i = 0; i < 5000; i++) {
      const day = randInt(rnd, -1_450_000, 750_000);
      const d = new Date(day * 86_400_000);
      const c = civilFromDays(day);
      assert.deepEqual([c.y, c.m, c.d], [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
      assert.equal(daysFromCivil(c.y, c.m, c.d), day);
      const t = day * 86_400_000 + randInt(rnd, 0, 86_399_999);
      if (c.y >= 0 && c.y <= 9999) assert.equal(formatTimestamp(t), new Date(t).toISOString());
    }
  });
});

describe('casts', () => {
  const c = (x: Expr, to: ScalarTypeName) => ev(cast(x, to));
  it('to string', () => {
    assert.equal(c(int(42), 'string'), '42');
    assert.equal(c(int(-7), 'string'), '-7');
    assert.equal(c(dbl(0.1), 'string'), '0.1');
    assert.equal(c(dbl(2), 'string'), '2.0');
    assert.equal(c(dbl(-0), 'string'), '0.0');
    assert.equal(c(dbl(1 / 3), 'string'), '0.3333333333333333');
    assert.equal(c(dbl(1e21), 'string'), '1e+21');
    assert.equal(c(dbl(1.5e-7), 'string'), '1.5e-7');
    assert.equal(c(bool(true), 'string'), 'true');
    assert.equal(c(bool(false), 'string'), 'false');
    assert.equal(c(ts(ms('2024-01-02T03:04:05.006Z')), 'string'), '2024-01-02T03:04:05.006Z');
    assert.equal(c(ts(-1), 'string'), '1969-12-31T23:59:59.999Z');
    assert.equal(c(date('2024-01-02'), 'string'), '2024-01-02');
    assert.equal(c(str(null), 'string'), null);
  });
  it('string to numbers: trimmed, strict, invalid is null', () => {
    assert.equal(c(str(' 42 '), 'int'), 42);
    assert.equal(c(str('-0'), 'int'), 0);
    assert.equal(c(str('+7'), 'long'), 7);
    assert.equal(c(str('1.5'), 'int'), null);
    assert.equal(c(str('abc'), 'int'), null);
    assert.equal(c(str(''), 'int'), null);
    assert.equal(c(str('2147483648'), 'int'), null);
    assert.equal(c(str('2147483648'), 'long'), 2147483648);
    assert.equal(c(str('99999999999999999999'), 'long'), null);
    assert.equal(c(str(' 1.5e3 '), 'double'), 1500);
    assert.equal(c(str('.5'), 'double'), 0.5);
    assert.equal(c(str('5.'), 'float'), 5);
    assert.equal(c(str('0x10'), 'double'), null);
    assert.equal(c(str('Infinity'), 'double'), null);
    assert.equal(c(str('NaN'), 'double'), null);
    assert.equal(c(str('1e999'), 'double'), null);
    assert.equal(c(str(''), 'double'), null);
  });
  it('double to integers truncates toward zero; out of range is null', () => {
    assert.equal(c(dbl(2.9), 'int'), 2);
    assert.equal(c(dbl(-2.9), 'int'), -2);
    assert.ok(Object.is(c(dbl(-0.5), 'long'), 0));
    assert.equal(c(dbl(2147483647.9), 'int'), 2147483647);
    assert.equal(c(dbl(2147483648), 'int'), null);
    assert.equal(c(dbl(-2147483649), 'int'), null);
    assert.equal(c(dbl(1e18), 'long'), 1e18);
    assert.equal(c(dbl(1e19), 'long'), null);
    assert.equal(c(lit(3_000_000_000, 'long'), 'int'), null);
    assert.equal(c(int(3), 'double'), 3);
    assert.equal(c(bool(true), 'int'), 1);
  });
  it('to boolean', () => {
    assert.equal(c(str('true'), 'boolean'), true);
    assert.equal(c(str(' FALSE '), 'boolean'), false);
    assert.equal(c(str('yes'), 'boolean'), null);
    assert.equal(c(int(0), 'boolean'), false);
    assert.equal(c(dbl(-0.1), 'boolean'), true);
    assert.equal(c(int(null), 'boolean'), null);
  });
  it('timestamps and dates', () => {
    assert.equal(c(str('2024-01-02T03:04:05.678Z'), 'timestamp'), ms('2024-01-02T03:04:05.678Z'));
    assert.equal(c(str('2024-01-02 03:04:05'), 'timestamp'), ms('2024-01-02T03:04:05Z'));
    assert.equal(c(str('2024-01-02T03:04'), 'timestamp'), ms('2024-01-02T03:04:00Z'));
    assert.equal(c(str('2024-01-02'), 'timestamp'), ms('2024-01-02T00:00:00Z'));
    assert.equal(c(str('2024-01-02T03:04:05.6789123+02:00'), 'timestamp'), ms('2024-01-02T01:04:05.678Z'));
    assert.equal(c(str('2024-01-02T03:04:05-0130'), 'timestamp'), ms('2024-01-02T04:34:05Z'));
    assert.equal(c(str('1969-12-31T23:59:59.999Z'), 'timestamp'), -1);
    assert.equal(c(str('2024-02-30T00:00:00Z'), 'timestamp'), null);
    assert.equal(c(str('2024-01-02T24:00:00Z'), 'timestamp'), null);
    assert.equal(c(str('yesterday'), 'timestamp'), null);
    assert.equal(c(str('2024-02-29'), 'date'), '2024-02-29');
    assert.equal(c(str(' 2024-02-29 '), 'date'), '2024-02-29');
    assert.equal(c(str('2023-02-29'), 'date'), null);
    assert.equal(c(str('2024-1-2'), 'date'), null);
    assert.equal(c(ts(ms('2024-01-02T23:59:59.999Z')), 'date'), '2024-01-02');
    assert.equal(c(ts(-1), 'date'), '1969-12-31');
    assert.equal(c(date('2024-01-02'), 'timestamp'), ms('2024-01-02T00:00:00Z'));
    assert.equal(c(date('1969-12-31'), 'timestamp'), -86_400_000);
    assert.equal(c(lit(1234, 'long'), 'timestamp'), 1234);
    assert.equal(c(ts(1234), 'long'), 1234);
  });
  it('round trips timestamp → string → timestamp', () => {
    const rnd = prng(5);
    for (let i = 0; i < 500; i++) {
      const t = randInt(rnd, -5e12, 5e12);
      assert.equal(parseTimestamp(formatTimestamp(t)), t);
    }
  });
  it('unsupported casts fail at compile time', () => {
    assert.throws(() => compileExpr(cast(bool(true), 'timestamp')), /unsupported cast/);
    assert.throws(() => compileExpr(cast(date('2024-01-01'), 'int')), /unsupported cast/);
  });
});

describe('null in, null out', () => {
  it('every function except if/coalesce/case and every cast', () => {
    const one: [FunctionName, Expr][] = [
      ['lower', str(null)], ['upper', str(null)], ['length', str(null)], ['abs', dbl(null)], ['round', dbl(null)],
      ['floor', dbl(null)], ['ceil', dbl(null)], ['log', dbl(null)], ['exp', dbl(null)], ['sqrt', dbl(null)],
      ['hour_of_day', ts(null)], ['day_of_week', ts(null)], ['concat', str(null)],
    ];
    for (const [name, arg] of one) assert.equal(fn(name, [arg]), null, name);
    assert.equal(fn('pow', [dbl(2), dbl(null)]), null);
    assert.equal(fn('days_between', [ts(0), ts(null)], 'int'), null);
    assert.equal(fn('date_trunc', [str(null), ts(0)], 'timestamp'), null);
    const targets: Record<ScalarTypeName, ScalarTypeName[]> = {
      string: ['string', 'int', 'long', 'float', 'double', 'boolean', 'timestamp', 'date'],
      int: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      long: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      float: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      double: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      boolean: ['string', 'boolean', 'int', 'long'],
      timestamp: ['string', 'timestamp', 'date'],
      date: ['string', 'date', 'timestamp'],
    };
    for (const [from, tos] of Object.entries(targets) as [ScalarTypeName, ScalarTypeName[]][]) {
      for (const to of tos) assert.equal(ev(cast(lit(null, from), to)), null, `${from} -> ${to}`);
    }
  });
});

describe('compile errors are bugs, thrown once', () => {
  it('unknown function, wrong arity, bad operand types', () => {
    assert.throws(() => compileExpr(call('nope' as FunctionName, [], 'int')), /unknown function/);
    assert.throws(() => compileExpr(call('abs', [], 'int')), /takes 1/);
    assert.throws(() => compileExpr(call('substr', [str('a')], 'string')), /2 to 3/);
    assert.throws(() => compileExpr(bin('+', str('a'), str('b'), 'string')), /operator \+/);
  });
});

describe('row pipeline', () => {
  it('evaluates lets in order into the row, then the filter', () => {
    const pipeline = compileRowPipeline(
      [
        { name: 'km', expr: bin('/', col('m', 'int'), int(1000), 'double') },
        { name: 'long_trip', expr: bin('>', col('km', 'double'), dbl(5), 'boolean') },
      ],
      bin('and', col('long_trip', 'boolean'), bin('==', col('status', 'string'), str('completed'), 'boolean'), 'boolean'),
    );
    const row: Row = { m: 7500, status: 'completed' };
    assert.equal(pipeline(row), true);
    assert.deepEqual(row, { m: 7500, status: 'completed', km: 7.5, long_trip: true });
    assert.equal(pipeline({ m: 100, status: 'completed' }), false);
    assert.equal(pipeline({ m: null, status: 'completed' }), false, 'a null filter drops the row');
    assert.equal(pipeline({ m: 9000, status: null }), false);
  });
  it('no filter keeps every row; no lets', () => {
    assert.equal(compileRowPipeline([], null)({}), true);
    assert.equal(compileRowPipeline([], bool(null))({}), false);
    assert.equal(compileRowPipeline([], col('ok', 'boolean'))({ ok: true }), true);
  });
});
