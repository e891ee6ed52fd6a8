/**
 * Spark SQL (4.x, Hive catalog): the production offline engine. The default printer already
 * spells time and aggregate functions the Spark way (unix_millis, date_format, min_by,
 * explode(sequence)), so this is mostly what Spark lacks:
 *   - no per-row window frame offsets (variableFrames off: point in time is a range join),
 *     no ASOF join, no macros (helpers are inlined);
 *   - higher-order list functions exist but with other names (transform, array_sort, ...);
 *     listLambdas stays off so list-valued merges over day frames fall back to point in time;
 *   - string literals take backslash escapes, so quotes and backslashes are escaped that way;
 *   - VARCHAR needs a length: strings are STRING;
 *   - a few helpers (helpers.ts) are written with DuckDB functions (TRY, regexp_extract with
 *     named groups, 4-argument regexp_replace, strpos): they have Spark bodies here.
 *
 * Contract with the generated job (spark-jobs-target.ts): the session time zone is UTC and
 * ANSI mode is off (casts of bad text give null, as in the runtime), parameters are named
 * parameter markers (`:from_ds`) bound by `spark.sql(sql, args=...)`, and each source table
 * is read through a temporary view of the partitions the job decided to read (`table()`).
 */
import type { PalType } from '../../../runtime/contracts/index.js';
import { SqlDialect } from './dialect.js';
import { HELPERS, type HelperName } from './helpers.js';

/** JS String.prototype.trim's whitespace as a Java regex class (helpers.ts JS_SPACE). */
const JS_SPACE = '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/** runtime/expr/time.ts TIMESTAMP_RE with numbered groups: y mo d h mi s f z = 1..8. */
const TIMESTAMP_PATTERN =
  `(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?(?:${JS_SPACE}*([Zz]|[+-]\\d{2}(?::?\\d{2})?))?`;

/** The temporary view a job reads a source table through (see the file comment). */
export function sparkSourceView(database: string, table: string): string {
  return `__src_${database}__${table}`.replace(/[^A-Za-z0-9_]/g, '_');
}

export class SparkDialect extends SqlDialect {
  override readonly name = 'spark';

  override ident(name: string): string {
    return name.includes('`') ? `\`${name.replace(/`/g, '``')}\`` : `\`${name}\``;
  }

  override table(database: string, table: string): string {
    return this.ident(sparkSourceView(database, table));
  }

  override string(s: string): string {
    return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }

  /** A named parameter marker, bound by `spark.sql(sql, args={...})` in the generated job. */
  override param(name: string): string {
    return `:${name}`;
  }

  override computeType(t: PalType): string {
    if (t.kind === 'list') return `ARRAY<${this.computeType(t.element)}>`;
    return t.name === 'string' ? 'STRING' : super.computeType(t);
  }

  override storageType(t: PalType): string {
    if (t.kind === 'list') return `ARRAY<${this.storageType(t.element)}>`;
    return t.name === 'string' ? 'STRING' : super.storageType(t);
  }

  /** The shared emitter casts to VARCHAR in places; Spark's VARCHAR needs a length. */
  override cast(sql: string, type: string): string {
    return super.cast(sql, type === 'VARCHAR' ? 'STRING' : type);
  }

  /** datediff is an INT in Spark; day numbers are multiplied into epoch ms, so BIGINT. */
  override dayNumber(date: string): string {
    return `CAST(datediff(${date}, DATE '1970-01-01') AS BIGINT)`;
  }

  override listTransform(list: string, p: string, body: string): string {
    return `transform(${list}, ${p} -> ${body})`;
  }

  /** collect_list is [] on no rows where the contract wants null. */
  override topK(v: string, k: string, filter: string): string {
    const all = `collect_list(${v}) ${filter}`;
    return `CASE WHEN size(${all}) > 0 THEN slice(reverse(array_sort(${all})), 1, ${k}) END`;
  }

  override distinctSorted(x: string, filter: string): string {
    const all = `collect_set(${x}) ${filter}`;
    return `CASE WHEN size(${all}) > 0 THEN array_sort(${all}) END`;
  }

  override helper(name: HelperName, args: readonly string[]): string {
    const body = SPARK_HELPERS[name];
    if (!body) return super.helper(name, args);
    if (args.length !== HELPERS[name].params.length) throw new Error(`palette: helper ${name} takes ${HELPERS[name].params.length} arguments`);
    return `(${body(args.map((a) => `(${a})`), this).trim()})`;
  }
}

type Body = (p: readonly string[], d: SparkDialect) => string;

/** Spark bodies of the helpers whose shared body uses DuckDB-only functions. */
const SPARK_HELPERS: Partial<Record<HelperName, Body>> = {
  trim: ([s], d) => `regexp_replace(${s}, ${d.string(`^${JS_SPACE}+|${JS_SPACE}+$`)}, '')`,

  // Java's Double.toString writes `1.5E-7`; the shared parsing expects DuckDB's lower-case e.
  sigDigits: ([s]) => {
    const m = `split_part(lower(${s}), 'e', 1)`;
    return `TRIM(TRAILING '0' FROM TRIM(LEADING '0' FROM split_part(${m}, '.', 1) || split_part(${m}, '.', 2)))`;
  },

  pointPos: ([s]) => {
    const low = `lower(${s})`;
    const mant = `split_part(${low}, 'e', 1)`;
    const all = `(split_part(${mant}, '.', 1) || split_part(${mant}, '.', 2))`;
    return `length(split_part(${mant}, '.', 1)) - (length(${all}) - length(TRIM(LEADING '0' FROM ${all})))` +
      ` + CASE WHEN instr(${low}, 'e') > 0 THEN CAST(split_part(${low}, 'e', 2) AS INT) ELSE 0 END`;
  },

  // Spark has no trunc() for numbers; CAST truncates toward zero, and NaN fails both bounds.
  toLong: ([x]) => `CASE WHEN ${x} >= -9.223372036854775808E18 AND ${x} < 9.223372036854775808E18 THEN CAST(${x} AS BIGINT) END`,
  toInt: ([x]) => `CASE WHEN ${x} > -2147483649.0D AND ${x} < 2147483648.0D THEN CAST(${x} AS BIGINT) END`,

  // make_date is null for an invalid day with ANSI mode off (the job's setting).
  stringToDate: ([s], d) => {
    const t = d.helper('trim', [s]);
    return `CASE WHEN ${d.regexFullMatch(t, '\\d{4}-\\d{2}-\\d{2}')}
      THEN make_date(CAST(substr(${t}, 1, 4) AS INT), CAST(substr(${t}, 6, 2) AS INT), CAST(substr(${t}, 9, 2) AS INT)) END`;
  },

  stringToTimestamp: ([s], d) => {
    const t = d.helper('trim', [s]);
    const re = d.string(`^${TIMESTAMP_PATTERN}$`);
    const g = (i: number) => `regexp_extract(${t}, ${re}, ${i})`;
    const int = (i: number) => `CAST(NULLIF(${g(i)}, '') AS INT)`;
    const day = `make_date(${int(1)}, ${int(2)}, ${int(3)})`;
    const z = g(8);
    const zd = `replace(substr(${z}, 2), ':', '')`;
    const oh = `CAST(left(${zd}, 2) AS INT)`;
    const om = `CASE WHEN length(${zd}) > 2 THEN CAST(substr(${zd}, 3, 2) AS INT) ELSE 0 END`;
    const offset = `CASE WHEN ${z} IN ('', 'Z', 'z') THEN 0 ELSE CASE WHEN left(${z}, 1) = '-' THEN -1 ELSE 1 END * (${oh} * 3600000 + ${om} * 60000) END`;
    const ms = `CAST(datediff(${day}, DATE '1970-01-01') AS BIGINT) * 86400000 + coalesce(${int(4)}, 0) * 3600000 + coalesce(${int(5)}, 0) * 60000`
      + ` + coalesce(${int(6)}, 0) * 1000 + coalesce(CAST(NULLIF(rpad(left(${g(7)}, 3), 3, '0'), '000') AS INT), 0) - (${offset})`;
    return `CASE WHEN NOT ${d.regexFullMatch(t, TIMESTAMP_PATTERN)} THEN NULL
      WHEN ${day} IS NULL OR coalesce(${int(4)}, 0) > 23 OR coalesce(${int(5)}, 0) > 59 OR coalesce(${int(6)}, 0) > 59 THEN NULL
      WHEN ${z} NOT IN ('', 'Z', 'z') AND (${oh} > 23 OR ${om} > 59) THEN NULL
      ELSE ${d.fromEpochMs(ms)} END`;
  },
};

export const SPARK = new SparkDialect();
