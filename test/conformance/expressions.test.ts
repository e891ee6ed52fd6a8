/**
 * Conformance, expressions: every operator, scalar function and cast, printed as DuckDB SQL
 * by compiler/targets/sql and run by DuckDB, gives the value the TS evaluator
 * (runtime/expr) gives, on edge inputs read from columns (nulls, NaN, zero, negative zero,
 * overflow, non-ASCII strings, dates before 1970, malformed text).
 */
import { after, before, describe, it } from 'node:test';
import { DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { ExprPrinter } from '../../compiler/targets/sql/expr-sql.js';
import { helperPrelude } from '../../compiler/targets/sql/script.js';
import { readColumnSql } from '../../compiler/targets/sql/source-sql.js';
import type { BinaryOp, Expr, FunctionName } from '../../runtime/contracts/expr.js';
import type { PalType, ScalarTypeName, Value } from '../../runtime/contracts/types.js';
import { compileExpr } from '../../runtime/expr/index.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { assertClose } from '../unit/runtime/helpers.js';

const T = (name: ScalarTypeName): PalType => ({ kind: 'scalar', name, nullable: true });
const col = (name: string, type: ScalarTypeName): Expr => ({ kind: 'column', name, type: T(type) });
const lit = (value: string | number | boolean | null, type: ScalarTypeName): Expr => ({ kind: 'literal', value, type: T(type) });
const bin = (op: BinaryOp, left: Expr, right: Expr, type: ScalarTypeName): Expr => ({ kind: 'binary', op, left, right, type: T(type) });
const call = (fn: FunctionName, args: Expr[], type: ScalarTypeName): Expr => ({ kind: 'call', fn, args, type: T(type) });
const cast = (operand: Expr, type: ScalarTypeName): Expr => ({ kind: 'cast', operand, type: T(type) });
const ms = (iso: string) => Date.parse(iso);

/** One table-driven case: an expression over columns a, b, c and the rows to evaluate. */
interface Case {
  readonly name: string;
  readonly expr: Expr;
  readonly columns: Readonly<Record<string, ScalarTypeName>>;
  readonly rows: readonly Record<string, Value>[];
}

const DOUBLES = [0, -0, 1, -1, 0.1, 2.5, -2.5, 1.005, -1.005, 1e21, 1e-7, 1.5e-7, 123456.789, 1e308, -1e308, 5e-324, 1 / 3, 2 ** 53, NaN, null];
const INTS = [0, 1, -1, 7, -7, 3, -3, 2147483647, -2147483648, 1250, -1250, 1249, null];
const STRINGS = ['', 'a', 'abc', 'B', 'é', 'ÀBC', 'straße', 'a😀b', '\uFFFF', '😀', ' 42 ', '-0', '+7', '1.5', '.5', '5.', '1e3', ' 1.5e3 ', '0x10', 'NaN',
  'Infinity', '1e999', '2147483648', '99999999999999999999', 'true', ' FALSE ', 'yes', '2024-01-02', '2024-02-30', ' 2024-01-02 ',
  '2024-01-02T03:04:05.678Z', '2024-01-02 03:04:05', '2024-01-02T03:04', '2024-01-02T03:04:05.6789123+02:00', '2024-01-02T03:04:05-0130',
  '2024-01-02T24:00', '2024-13-01', '1969-12-31T23:59:59.999Z', null];
const TIMESTAMPS = [0, -1, ms('2024-02-29T13:45:30.123Z'), ms('2024-03-03T23:00:00Z'), ms('2024-03-04T00:00:00Z'), ms('1969-07-20T20:17:40Z'), ms('1900-01-01T00:00:00Z'), null];
const DATES = ['1970-01-01', '1969-12-31', '2024-02-29', '2024-01-07', '1900-01-01', '2000-02-28', null];
const BOOLS = [true, false, null];

/** Every pair of values from two lists. */
function pairs<A extends Value, B extends Value>(as: readonly A[], bs: readonly B[]): Record<string, Value>[] {
  return as.flatMap((a) => bs.map((b) => ({ a, b })));
}
const each = (xs: readonly Value[]) => xs.map((a) => ({ a }));

const cases: Case[] = [];
const add = (name: string, expr: Expr, columns: Record<string, ScalarTypeName>, rows: Record<string, Value>[]) => cases.push({ name, expr, columns, rows });

// Arithmetic
for (const op of ['+', '-', '*', '/', '%'] as const) {
  add(`int ${op} int`, bin(op, col('a', 'long'), col('b', 'long'), op === '/' ? 'double' : 'long'), { a: 'long', b: 'long' },
    pairs([0, 7, -7, 6, 1000000, null], [0, 3, -3, 2, null]));
  add(`double ${op} double`, bin(op, col('a', 'double'), col('b', 'double'), 'double'), { a: 'double', b: 'double' },
    pairs([0, -0, 5.5, -5.5, 1e308, -1e308, 0.1, NaN, null], [0, -0, 2, -2, 10, 1e-308, 0.2, null]));
  add(`int ${op} double`, bin(op, col('a', 'int'), col('b', 'double'), 'double'), { a: 'int', b: 'double' }, pairs([7, -7, 0, null], [2, 0.5, 0, -0]));
}
add('unary minus', { kind: 'unary', op: '-', operand: col('a', 'double'), type: T('double') }, { a: 'double' }, each(DOUBLES));
add('unary minus int', { kind: 'unary', op: '-', operand: col('a', 'int'), type: T('int') }, { a: 'int' }, each(INTS));
add('not', { kind: 'unary', op: 'not', operand: col('a', 'boolean'), type: T('boolean') }, { a: 'boolean' }, each(BOOLS));

// Comparisons and logic
for (const op of ['==', '!=', '<', '<=', '>', '>='] as const) {
  add(`strings ${op}`, bin(op, col('a', 'string'), col('b', 'string'), 'boolean'), { a: 'string', b: 'string' },
    pairs(['a', 'B', 'ab', 'abc', 'é', '\uFFFF', '😀', '', null], ['a', 'abc', '\uFFFF', '😀', 'é', null]));
  add(`numbers ${op}`, bin(op, col('a', 'int'), col('b', 'double'), 'boolean'), { a: 'int', b: 'double' }, pairs([2, -1, 0, null], [2, 2.5, -0, -1, null]));
  add(`date vs timestamp ${op}`, bin(op, col('a', 'date'), col('b', 'timestamp'), 'boolean'), { a: 'date', b: 'timestamp' },
    pairs(['2024-01-01', '1969-12-31', null], [ms('2024-01-01T00:00:00Z'), ms('2023-12-31T23:59:59.999Z'), -1, null]));
  add(`dates ${op}`, bin(op, col('a', 'date'), col('b', 'date'), 'boolean'), { a: 'date', b: 'date' }, pairs(['2023-12-31', '2024-01-01', null], ['2024-01-01', null]));
  add(`booleans ${op}`, bin(op, col('a', 'boolean'), col('b', 'boolean'), 'boolean'), { a: 'boolean', b: 'boolean' }, pairs(BOOLS, BOOLS));
}
add('and', bin('and', col('a', 'boolean'), col('b', 'boolean'), 'boolean'), { a: 'boolean', b: 'boolean' }, pairs(BOOLS, BOOLS));
add('or', bin('or', col('a', 'boolean'), col('b', 'boolean'), 'boolean'), { a: 'boolean', b: 'boolean' }, pairs(BOOLS, BOOLS));

// Conditionals
add('if', call('if', [col('a', 'boolean'), col('b', 'long'), lit(-1, 'long')], 'long'), { a: 'boolean', b: 'long' }, pairs(BOOLS, [5, null]));
add('case', {
  kind: 'case',
  branches: [
    { when: bin('<', col('a', 'long'), lit(0, 'long'), 'boolean'), then: lit('neg', 'string') },
    { when: bin('==', col('a', 'long'), lit(0, 'long'), 'boolean'), then: lit('zero', 'string') },
  ],
  else: null,
  type: T('string'),
}, { a: 'long' }, each([-3, 0, 4, null]));
add('coalesce', call('coalesce', [col('a', 'long'), col('b', 'long'), lit(3, 'long')], 'long'), { a: 'long', b: 'long' }, pairs([1, null], [2, null]));
add('nullif', call('nullif', [col('a', 'double'), col('b', 'long')], 'double'), { a: 'double', b: 'long' }, pairs([0, -0, 5, null], [0, 5, null]));
add('nullif strings', call('nullif', [col('a', 'string'), col('b', 'string')], 'string'), { a: 'string', b: 'string' }, pairs(['a', 'A', null], ['a', null]));

// Strings
add('lower', call('lower', [col('a', 'string')], 'string'), { a: 'string' }, each(['ÀBC', 'Hello', 'É', 'a😀B', '', null]));
add('upper', call('upper', [col('a', 'string')], 'string'), { a: 'string' }, each(['straße', 'àbc', 'hello', 'é', '', null]));
add('length', call('length', [col('a', 'string')], 'int'), { a: 'string' }, each(STRINGS));
add('concat', call('concat', [col('a', 'string'), lit('-', 'string'), col('b', 'string')], 'string'), { a: 'string', b: 'string' }, pairs(['a', 'é', '', null], ['😀', '', null]));
add('concat numbers', call('concat', [lit('n=', 'string'), col('a', 'long'), lit(' x=', 'string'), col('b', 'double')], 'string'), { a: 'long', b: 'double' }, pairs([3, -7, null], [2, 0.1, 1e21, null]));
add('substr 2', call('substr', [col('a', 'string'), col('b', 'long')], 'string'), { a: 'string', b: 'long' }, pairs(['hello', 'a😀bc', '😀😀x', '', null], [-3, 0, 1, 2, 3, 6, 100, null]));
add('substr 3', call('substr', [col('a', 'string'), col('b', 'long'), col('c', 'long')], 'string'), { a: 'string', b: 'long', c: 'long' },
  pairs(['hello', 'a😀bc'], [-3, 0, 2, 6]).flatMap((r) => [-1, 0, 2, 100, null].map((c) => ({ ...r, c }))));

// Math
add('abs', call('abs', [col('a', 'double')], 'double'), { a: 'double' }, each(DOUBLES));
add('abs int', call('abs', [col('a', 'long')], 'long'), { a: 'long' }, each(INTS));
add('round', call('round', [col('a', 'double')], 'double'), { a: 'double' }, each([...DOUBLES, 0.5, -0.5, 0.49999999999999994, 2.4999999999999996, -0.4]));
add('round d', call('round', [col('a', 'double'), col('b', 'long')], 'double'), { a: 'double' , b: 'long' },
  pairs([1.005, -1.005, 1.2345, 0.125, 1.5e-7, 1e21, 1250, -1249, 123.456, 0.3, 2.675, 1e-320, 5e-324, NaN, null], [-2, -1, 0, 1, 2, 3, 7, null]));
add('round int d', call('round', [col('a', 'long'), col('b', 'long')], 'long'), { a: 'long', b: 'long' }, pairs([7, 1250, -1250, 1249, -1249, 0, null], [-3, -2, -1, 0, 2, null]));
add('round int', call('round', [col('a', 'long')], 'long'), { a: 'long' }, each(INTS));
for (const fn of ['floor', 'ceil'] as const) {
  add(fn, call(fn, [col('a', 'double')], 'double'), { a: 'double' }, each([...DOUBLES, -1.5, 1.5, -0.5]));
  add(`${fn} int`, call(fn, [col('a', 'long')], 'long'), { a: 'long' }, each(INTS));
}
for (const fn of ['log', 'exp', 'sqrt'] as const) add(fn, call(fn, [col('a', 'double')], 'double'), { a: 'double' }, each([...DOUBLES, Math.E, 9, 1000, -1000, 710]));
add('sqrt int', call('sqrt', [col('a', 'long')], 'double'), { a: 'long' }, each(INTS));
add('pow', call('pow', [col('a', 'double'), col('b', 'double')], 'double'), { a: 'double', b: 'double' }, pairs([2, 0, -8, 10, -2, 0.5, null], [10, -1, 1 / 3, 400, 0.5, 0, null]));

// Time
add('hour_of_day', call('hour_of_day', [col('a', 'timestamp')], 'int'), { a: 'timestamp' }, each(TIMESTAMPS));
add('hour_of_day date', call('hour_of_day', [col('a', 'date')], 'int'), { a: 'date' }, each(DATES));
add('day_of_week', call('day_of_week', [col('a', 'timestamp')], 'int'), { a: 'timestamp' }, each(TIMESTAMPS));
add('day_of_week date', call('day_of_week', [col('a', 'date')], 'int'), { a: 'date' }, each(DATES));
for (const unit of ['minute', 'hour', 'day', 'week', 'month', 'year']) {
  add(`date_trunc ${unit}`, call('date_trunc', [lit(unit, 'string'), col('a', 'timestamp')], 'timestamp'), { a: 'timestamp' }, each(TIMESTAMPS));
  add(`date_trunc ${unit} date`, call('date_trunc', [lit(unit.toUpperCase(), 'string'), col('a', 'date')], 'timestamp'), { a: 'date' }, each(DATES));
}
add('date_trunc dynamic unit', call('date_trunc', [col('a', 'string'), col('b', 'timestamp')], 'timestamp'), { a: 'string', b: 'timestamp' },
  pairs(['DAY', 'week', 'fortnight', null], [ms('2024-02-29T13:45:30.123Z'), -1, null]));
add('days_between', call('days_between', [col('a', 'timestamp'), col('b', 'timestamp')], 'int'), { a: 'timestamp', b: 'timestamp' }, pairs(TIMESTAMPS, TIMESTAMPS));
add('days_between dates', call('days_between', [col('a', 'date'), col('b', 'date')], 'int'), { a: 'date', b: 'date' }, pairs(DATES, DATES));
add('days_between mixed', call('days_between', [col('a', 'date'), col('b', 'timestamp')], 'int'), { a: 'date', b: 'timestamp' }, pairs(DATES, TIMESTAMPS));

// Casts
const castCases: [ScalarTypeName, ScalarTypeName[], readonly Value[]][] = [
  ['string', ['int', 'long', 'float', 'double', 'boolean', 'timestamp', 'date', 'string'], STRINGS],
  ['double', ['string', 'int', 'long', 'float', 'boolean'], [...DOUBLES, 2.9, -2.9, -0.5, 2147483647.9, 2147483648, -2147483649, 1e18, 1e19, 100, 1e20, 123e18, 1e-6, 1.25e-6, 0.000001234, 1e16, 1.7976931348623157e308]],
  ['long', ['string', 'int', 'double', 'boolean'], [...INTS, 3_000_000_000, -3_000_000_000]],
  ['int', ['string', 'long', 'float', 'boolean'], INTS],
  ['boolean', ['string', 'int', 'long'], BOOLS],
  ['timestamp', ['string', 'date'], TIMESTAMPS],
  ['date', ['string', 'timestamp'], DATES],
];
for (const [from, tos, values] of castCases) {
  for (const to of tos) add(`cast ${from} as ${to}`, cast(col('a', from), to), { a: from }, each(values));
}

// Random doubles through cast(x as string) and round(x, d): the shortest-form formatting.
{
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const xs: number[] = [];
  for (let i = 0; i < 300; i++) xs.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20));
  add('cast random double as string', cast(col('a', 'double'), 'string'), { a: 'double' }, each(xs));
  add('round random double', call('round', [col('a', 'double'), col('b', 'long')], 'double'), { a: 'double', b: 'long' },
    xs.slice(0, 100).flatMap((a, i) => [{ a, b: (i % 9) - 2 }]));
}

let session: DuckDbSession;

/** SQL text of a value of a type, as a column would hold it (NaN stays NaN). */
function valueSql(v: Value, type: ScalarTypeName): string {
  if (typeof v === 'number' && Number.isNaN(v)) return "CAST('NaN' AS DOUBLE)";
  const p = new ExprPrinter(DUCKDB, { column: () => '' });
  return p.literal(v as string | number | boolean | null, T(type));
}

describe('expressions: DuckDB SQL = TS evaluator', () => {
  before(async () => { session = await DuckDbSession.open({ threads: 1 }); });
  after(() => session?.close());
  for (const c of cases) {
    it(c.name, async () => {
      const names = Object.keys(c.columns);
      const printer = new ExprPrinter(DUCKDB, { column: (n) => readColumnSql(DUCKDB, DUCKDB.ident(n), T(c.columns[n])) });
      const exprSql = printer.print(c.expr);
      const rowsSql = c.rows.map((r, i) =>
        `SELECT ${i} AS __i, ${names.map((n) => `${valueSql(r[n] ?? null, c.columns[n])} AS ${DUCKDB.ident(n)}`).join(', ')}`).join('\nUNION ALL ');
      const sql = `SELECT __i, ${exprSql} AS v FROM (${rowsSql}) ORDER BY __i`;
      for (const m of helperPrelude(DUCKDB, [sql])) await session.run(m);
      let result;
      try {
        result = await session.query(sql);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${sql}`);
      }
      const fn = compileExpr(c.expr);
      for (let i = 0; i < c.rows.length; i++) {
        const row = { ...c.rows[i] };
        const expected = fn(row);
        const actual = result.rows[i][1];
        const where = `${c.name}: row ${JSON.stringify(c.rows[i], (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`;
        if (c.expr.type.kind === 'scalar' && (c.expr.type.name === 'string' || c.expr.type.name === 'timestamp' || c.expr.type.name === 'date' || c.expr.type.name === 'boolean')) {
          if (actual !== expected) throw new Error(`${where}: DuckDB ${JSON.stringify(actual)}, runtime ${JSON.stringify(expected)}\n${exprSql}`);
        } else {
          assertClose(actual, expected, `${where}: DuckDB ${actual}, runtime ${expected}`);
        }
      }
    });
  }
});
