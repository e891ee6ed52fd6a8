/**
 * SQL helpers: the parts of runtime/expr/README.md that no engine has natively, written
 * once as SQL templates. A dialect with macros defines each used helper once at the top of
 * a script (`CREATE MACRO pal_round(x, d) AS ...`) and calls it; other dialects inline the
 * body at every use (dialect.helper()).
 *
 * Bodies use the dialect's spellings where one exists (isFinite, regexFullMatch, time
 * functions) and otherwise functions DuckDB provides (regexp_extract with named groups,
 * split_part, TRY). A Spark dialect overrides the helpers it cannot run as written.
 */
import type { SqlDialect } from './dialect.js';

export interface SqlHelper {
  readonly name: string;
  readonly params: readonly string[];
  /** The body over the given parameter (or argument) texts. */
  readonly body: (p: readonly string[], d: SqlDialect) => string;
}

/** JS String.prototype.trim's whitespace (WhiteSpace and LineTerminator), as an RE2 class. */
const JS_SPACE = '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/** runtime/expr/time.ts TIMESTAMP_RE, with JS `\s` spelled out. */
const TIMESTAMP_PATTERN =
  `(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?(?:${JS_SPACE}*([Zz]|[+-]\\d{2}(?::?\\d{2})?))?`;

function h(name: string, params: string[], body: SqlHelper['body']): SqlHelper {
  return { name, params, body };
}

export type HelperName =
  | 'finite' | 'floorTo' | 'trim' | 'sigDigits' | 'pointPos' | 'jsNumber' | 'doubleToString' | 'round'
  | 'toLong' | 'toInt' | 'stringToDate' | 'stringToTimestamp';

export const HELPERS: Readonly<Record<HelperName, SqlHelper>> = {
  /** A float result that is NaN or infinite is null (README: Nulls). */
  finite: h('pal_finite', ['x'], ([x], d) => `CASE WHEN ${d.isFinite(x)} THEN ${x} END`),

  /** v rounded down to a multiple of h (towards minus infinity), BIGINT. */
  floorTo: h('pal_floor_to', ['v', 'h'], ([v, hop]) => `${v} - (((${v} % ${hop}) + ${hop}) % ${hop})`),

  /** JS trim(). */
  trim: h('pal_trim', ['s'], ([s]) => `regexp_replace(${s}, '^${JS_SPACE}+|${JS_SPACE}+$', '', 'g')`),

  /**
   * The significant digits of a positive double's shortest decimal form (no leading or
   * trailing zeros), from the engine's own text form (`123.45`, `1.5e-07`, `1e+21`).
   */
  sigDigits: h('pal_sig_digits', ['s'], ([s]) =>
    `rtrim(ltrim(split_part(split_part(${s}, 'e', 1), '.', 1) || split_part(split_part(${s}, 'e', 1), '.', 2), '0'), '0')`),

  /** The decimal point position n of that form: value = 0.<digits> x 10^n. */
  pointPos: h('pal_point_pos', ['s'], ([s]) => {
    const mant = `split_part(${s}, 'e', 1)`;
    const all = `(split_part(${mant}, '.', 1) || split_part(${mant}, '.', 2))`;
    return `length(split_part(${mant}, '.', 1)) - (length(${all}) - length(ltrim(${all}, '0')))` +
      ` + CASE WHEN strpos(${s}, 'e') > 0 THEN CAST(split_part(${s}, 'e', 2) AS INTEGER) ELSE 0 END`;
  }),

  /** ECMAScript Number::toString from digits D and point n (README: cast float to string). */
  jsNumber: h('pal_js_number', ['dg', 'n'], ([dg, n]) =>
    `CASE WHEN length(${dg}) <= ${n} AND ${n} <= 21 THEN ${dg} || repeat('0', ${n} - length(${dg})) || '.0'
    WHEN 0 < ${n} AND ${n} <= 21 THEN left(${dg}, ${n}) || '.' || substr(${dg}, ${n} + 1)
    WHEN -6 < ${n} AND ${n} <= 0 THEN '0.' || repeat('0', -(${n})) || ${dg}
    ELSE left(${dg}, 1) || CASE WHEN length(${dg}) > 1 THEN '.' || substr(${dg}, 2) ELSE '' END
      || 'e' || CASE WHEN ${n} - 1 >= 0 THEN '+' ELSE '-' END || CAST(abs(${n} - 1) AS VARCHAR) END`),

  /** cast(x as string) for a float/double x: JS shortest round-trip form, '.0' for integers. */
  doubleToString: h('pal_double_to_string', ['x'], ([x], d) => {
    const s = `CAST(abs(${x}) AS VARCHAR)`;
    return `CASE WHEN NOT ${d.isFinite(x)} THEN NULL WHEN ${x} = 0 THEN '0.0'
    ELSE CASE WHEN ${x} < 0 THEN '-' ELSE '' END || ${d.helper('jsNumber', [d.helper('sigDigits', [s]), d.helper('pointPos', [s])])} END`;
  }),

  /**
   * round(x, dd) for a double x: half away from zero at dd decimals of the shortest decimal
   * form, exactly as runtime/expr/scalar-functions.ts roundHalfAway.
   */
  round: h('pal_round', ['x', 'dd'], ([x, dd], d) => {
    const s = `CAST(abs(${x}) AS VARCHAR)`;
    const dg = d.helper('sigDigits', [s]);
    const shifted = `CAST(${dg} || 'e' || CAST(${d.helper('pointPos', [s])} - length(${dg}) + ${dd} AS VARCHAR) AS DOUBLE)`;
    const r = `CAST(CAST(CAST(round(${shifted}) AS BIGINT) AS VARCHAR) || 'e' || CAST(-(${dd}) AS VARCHAR) AS DOUBLE)`;
    return `CASE WHEN ${dd} IS NULL OR NOT ${d.isFinite(x)} THEN NULL WHEN ${x} = 0 THEN CAST(0 AS DOUBLE)
    WHEN ${dd} = 0 THEN round(${x})
    WHEN ${shifted} >= 4503599627370496 THEN ${x}
    WHEN ${x} < 0 THEN -(${r}) + 0 ELSE ${r} END`;
  }),

  /** A double truncated toward zero as BIGINT; null outside the 64-bit range (and NaN). */
  toLong: h('pal_to_long', ['x'], ([x]) =>
    `CASE WHEN trunc(${x}) >= -9223372036854775808.0 AND trunc(${x}) < 9223372036854775808.0 THEN CAST(trunc(${x}) AS BIGINT) END`),

  /** A double truncated toward zero as BIGINT; null outside the 32-bit range (and NaN). */
  toInt: h('pal_to_int', ['x'], ([x]) =>
    `CASE WHEN trunc(${x}) >= -2147483648 AND trunc(${x}) <= 2147483647 THEN CAST(trunc(${x}) AS BIGINT) END`),

  /** cast(s as date): trimmed, exactly YYYY-MM-DD and a valid day. */
  stringToDate: h('pal_string_to_date', ['s'], ([s], d) => {
    const t = d.helper('trim', [s]);
    return `CASE WHEN ${d.regexFullMatch(t, '\\d{4}-\\d{2}-\\d{2}')}
      THEN TRY(make_date(CAST(substr(${t}, 1, 4) AS INTEGER), CAST(substr(${t}, 6, 2) AS INTEGER), CAST(substr(${t}, 9, 2) AS INTEGER))) END`;
  }),

  /** cast(s as timestamp): the ISO-8601 subset of runtime/expr/time.ts parseTimestamp. */
  stringToTimestamp: h('pal_string_to_timestamp', ['s'], ([s], d) => {
    const t = d.helper('trim', [s]);
    const g = `regexp_extract(${t}, '^${TIMESTAMP_PATTERN}$', ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'z'])`;
    const int = (field: string) => `CAST(NULLIF(${g}.${field}, '') AS INTEGER)`;
    const day = `TRY(make_date(${int('y')}, ${int('mo')}, ${int('d')}))`;
    const z = `${g}.z`;
    const zd = `replace(substr(${z}, 2), ':', '')`;
    const oh = `CAST(left(${zd}, 2) AS INTEGER)`;
    const om = `CASE WHEN length(${zd}) > 2 THEN CAST(substr(${zd}, 3, 2) AS INTEGER) ELSE 0 END`;
    const offset = `CASE WHEN ${z} IN ('', 'Z', 'z') THEN 0 ELSE CASE WHEN left(${z}, 1) = '-' THEN -1 ELSE 1 END * (${oh} * 3600000 + ${om} * 60000) END`;
    const ms = `(${day} - DATE '1970-01-01') * CAST(86400000 AS BIGINT) + coalesce(${int('h')}, 0) * 3600000 + coalesce(${int('mi')}, 0) * 60000`
      + ` + coalesce(${int('s')}, 0) * 1000 + coalesce(CAST(NULLIF(rpad(left(${g}.f, 3), 3, '0'), '000') AS INTEGER), 0) - (${offset})`;
    return `CASE WHEN NOT ${d.regexFullMatch(t, TIMESTAMP_PATTERN)} THEN NULL
      WHEN ${day} IS NULL OR coalesce(${int('h')}, 0) > 23 OR coalesce(${int('mi')}, 0) > 59 OR coalesce(${int('s')}, 0) > 59 THEN NULL
      WHEN ${z} NOT IN ('', 'Z', 'z') AND (${oh} > 23 OR ${om} > 59) THEN NULL
      ELSE ${d.fromEpochMs(ms)} END`;
  }),
};
