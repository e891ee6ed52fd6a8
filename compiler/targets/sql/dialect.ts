/**
 * The SQL dialect: how Palette's offline SQL is spelled for one engine. `SqlDialect` is the
 * complete default printer; an engine's dialect is a small subclass that turns on the
 * capabilities its engine has and overrides the few spellings that differ (see
 * duckdb-dialect.ts and README.md in this folder).
 *
 * Capabilities default to off. Each one answers both "can this be emitted?" and, through
 * the printer methods, "how?": when a capability is off the query builders fall back to a
 * portable form (a range join instead of per-row window frames, a join plus max instead of
 * an ASOF join, helpers inlined instead of defined once as macros).
 *
 * Value representation in SQL (every dialect): string VARCHAR; int and long BIGINT while
 * computing (int is stored as INTEGER); float and double DOUBLE (float is stored as FLOAT);
 * boolean BOOLEAN; timestamp TIMESTAMP (UTC, no time zone, millisecond values); date DATE;
 * list<T> a list of T.
 */
import type { PalType, ScalarTypeName } from '../../../runtime/contracts/index.js';
import { HELPERS, type HelperName, type SqlHelper } from './helpers.js';

export class SqlDialect {
  readonly name: string = 'standard';

  /** Window frames whose offsets are per-row expressions (`RANGE BETWEEN x PRECEDING`). */
  readonly variableFrames: boolean = false;
  /** `ASOF [LEFT] JOIN ... ON a.k = b.k AND a.t >= b.t`. */
  readonly asofJoin: boolean = false;
  /** Helpers defined once per script as macros; otherwise they are inlined at every use. */
  readonly macros: boolean = false;
  /** Higher-order list functions with lambdas (list_transform, list_reduce, ...). */
  readonly listLambdas: boolean = false;

  // ---------------------------------------------------------------- names and literals

  ident(name: string): string {
    return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
  }

  /** A table of the offline store or a source: `database.table`. */
  table(database: string, table: string): string {
    return `${this.ident(database)}.${this.ident(table)}`;
  }

  string(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
  }

  /** A run-time parameter of the script (a DATE), bound by the engine. */
  param(name: string): string {
    return `\${${name}}`;
  }

  integer(n: number): string {
    if (!Number.isSafeInteger(n)) throw new Error(`palette: integer literal ${n} is not exact`);
    return String(n);
  }

  /** A DOUBLE literal that reads back as exactly the same double. */
  double(x: number): string {
    if (!Number.isFinite(x)) throw new Error(`palette: double literal ${x} is not finite`);
    const s = String(x);
    // Up to 15 significant digits a plain decimal converts exactly; otherwise go through text.
    const digits = s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
    if (!s.includes('e') && digits.length <= 15) return `CAST(${s.includes('.') ? s : `${s}.0`} AS DOUBLE)`;
    return `CAST('${s}' AS DOUBLE)`;
  }

  boolean(b: boolean): string {
    return b ? 'TRUE' : 'FALSE';
  }

  /** A timestamp literal from epoch ms. */
  timestamp(ms: number): string {
    const iso = new Date(ms).toISOString();
    return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}'`;
  }

  date(day: string): string {
    return `DATE '${day}'`;
  }

  // ---------------------------------------------------------------- types

  /** The type values are computed in (see the representation above). */
  computeType(t: PalType): string {
    if (t.kind === 'list') return `${this.computeType(t.element)}[]`;
    return COMPUTE_TYPES[t.name];
  }

  /** The type values are stored in (Parquet / Hive columns). */
  storageType(t: PalType): string {
    if (t.kind === 'list') return `${this.storageType(t.element)}[]`;
    return STORAGE_TYPES[t.name];
  }

  cast(sql: string, type: string): string {
    return `CAST(${sql} AS ${type})`;
  }

  // ---------------------------------------------------------------- time

  /** Epoch milliseconds (BIGINT) of a TIMESTAMP. */
  epochMs(ts: string): string {
    return `unix_millis(${ts})`;
  }

  /** TIMESTAMP of epoch milliseconds (BIGINT). */
  fromEpochMs(ms: string): string {
    return `timestamp_millis(${ms})`;
  }

  /** The UTC day ('YYYY-MM-DD' VARCHAR) of a TIMESTAMP. */
  dayString(ts: string): string {
    return `date_format(${ts}, 'yyyy-MM-dd')`;
  }

  /** ISO-8601 text with milliseconds: 2024-01-02T03:04:05.006Z. */
  timestampText(ts: string): string {
    return `date_format(${ts}, "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")`;
  }

  /** Days since 1970-01-01 (BIGINT) of a DATE. */
  dayNumber(date: string): string {
    return `datediff(${date}, DATE '1970-01-01')`;
  }

  /** One row per integer in [first, last] (a set-returning select item). */
  expandRange(first: string, last: string): string {
    return `explode(sequence(${first}, ${last}))`;
  }

  /** Whole days from a to b (DATE values). */
  daysBetween(a: string, b: string): string {
    return `datediff(${b}, ${a})`;
  }

  hourOfDay(ts: string): string {
    return `hour(${ts})`;
  }

  /** ISO day of week, 1 = Monday. */
  isoDayOfWeek(x: string): string {
    return `(weekday(${x}) + 1)`;
  }

  /** Start of the UTC unit holding a TIMESTAMP; `week` is the ISO week (Monday). */
  dateTrunc(unit: string, ts: string): string {
    return `date_trunc('${unit}', ${ts})`;
  }

  // ---------------------------------------------------------------- functions

  isFinite(x: string): string {
    return `(NOT isnan(${x}) AND ${x} NOT IN (double('inf'), double('-inf')))`;
  }

  regexFullMatch(s: string, pattern: string): string {
    return `(${s} RLIKE ${this.string(`^(?:${pattern})$`)})`;
  }

  upper(s: string): string {
    return `upper(${s})`;
  }

  // ---------------------------------------------------------------- aggregates

  /** arg of the row with the smallest (largest) `by` among rows where `arg` is not null. */
  argMin(arg: string, by: string): string {
    return `min_by(${arg}, ${by})`;
  }

  argMax(arg: string, by: string): string {
    return `max_by(${arg}, ${by})`;
  }

  /**
   * `list` with every element `p` replaced by `body` (a lambda over the elements).
   * Only list-valued aggregations use it (last_k); there is no portable spelling.
   */
  listTransform(list: string, p: string, body: string): string {
    return `list_transform(${list}, ${p} -> ${body})`;
  }

  /**
   * Aggregate: the (at most) k largest values of `v` (structs order by their fields), largest
   * first, over the rows that pass `filter` (a `FILTER (WHERE ...)` clause); null if none.
   */
  topK(v: string, k: string, filter: string): string {
    return `max_by(${v}, ${v}, ${k}) ${filter}`;
  }

  /** Aggregate: the distinct values of `x` in ascending order over rows passing `filter`; null if none. */
  distinctSorted(x: string, filter: string): string {
    return `list(DISTINCT ${x} ORDER BY ${x}) ${filter}`;
  }

  /** A struct (row value) that orders lexicographically by its fields. */
  row(fields: readonly string[]): string {
    return `struct(${fields.join(', ')})`;
  }

  // ---------------------------------------------------------------- helpers

  /** A call of a helper (helpers.ts): a macro call, or its body with the arguments inlined. */
  helper(name: HelperName, args: readonly string[]): string {
    const h: SqlHelper = HELPERS[name];
    if (h.params.length !== args.length) throw new Error(`palette: helper ${name} takes ${h.params.length} arguments`);
    if (this.macros) return `${h.name}(${args.join(', ')})`;
    return inlineHelper(h, args, this);
  }

  defineHelper(h: SqlHelper): string {
    return `CREATE OR REPLACE TEMPORARY MACRO ${h.name}(${h.params.join(', ')}) AS (\n  ${h.body(h.params, this).trim()}\n)`;
  }
}

/** Inline a helper: its body with every parameter replaced by its argument. */
function inlineHelper(h: SqlHelper, args: readonly string[], d: SqlDialect): string {
  return `(${h.body(args.map((a) => `(${a})`), d).trim()})`;
}

const COMPUTE_TYPES: Record<ScalarTypeName, string> = {
  string: 'VARCHAR', int: 'BIGINT', long: 'BIGINT', float: 'DOUBLE', double: 'DOUBLE',
  boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};

const STORAGE_TYPES: Record<ScalarTypeName, string> = {
  string: 'VARCHAR', int: 'INTEGER', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE',
  boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};
