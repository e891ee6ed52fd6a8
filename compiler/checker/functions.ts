/**
 * The scalar functions and aggregations the language knows, with their typing rules.
 * One table: the checker asks it "is this call valid, and of which type?"; the meaning of
 * each function is written down once in runtime/expr/README.md and implemented per engine.
 */
import {
  type AggFn, AGG_FNS, type FunctionName, type PalType, type ScalarTypeName,
  isNumeric, scalar, widerNumeric,
} from '../../runtime/contracts/index.js';

export const AGGREGATIONS: ReadonlySet<string> = new Set<string>(AGG_FNS);

export function isAggregation(name: string): name is AggFn {
  return AGGREGATIONS.has(name);
}

/** What a scalar function accepts: a description for messages and a typing function. */
export interface FunctionSignature {
  readonly name: FunctionName;
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /**
   * Result type from argument types, or a string explaining which argument is wrong
   * (`{ arg: i, message }`). Nullability is added by the caller (any nullable argument
   * makes the result nullable, except where `nullable` overrides it).
   */
  readonly type: (args: readonly PalType[]) => PalType | { arg: number; message: string };
}

const num = (t: PalType) => isNumeric(t);
const isScalar = (t: PalType, ...names: ScalarTypeName[]) => t.kind === 'scalar' && names.includes(t.name);
const describe = (t: PalType) => (t.kind === 'scalar' ? t.name : 'a list');

function needNumber(i: number, t: PalType): { arg: number; message: string } | null {
  return num(t) ? null : { arg: i, message: `needs a number, got ${describe(t)}` };
}

const SIGNATURES: Record<FunctionName, Omit<FunctionSignature, 'name'>> = {
  if: { usage: 'if(condition, then, else)', minArgs: 3, maxArgs: 3, type: (a) => (isScalar(a[0], 'boolean') ? commonType(a[1], a[2]) ?? { arg: 2, message: `branches must have the same type, got ${describe(a[1])} and ${describe(a[2])}` } : { arg: 0, message: `condition must be a boolean, got ${describe(a[0])}` }) },
  coalesce: { usage: 'coalesce(a, b, ...)', minArgs: 1, maxArgs: 64, type: (a) => { let t: PalType | null = a[0]; for (let i = 1; i < a.length && t; i++) { const n: PalType | null = commonType(t, a[i]); if (!n) return { arg: i, message: `must have the type of the first argument (${describe(a[0])}), got ${describe(a[i])}` }; t = n; } return t!; } },
  nullif: { usage: 'nullif(value, value_that_means_null)', minArgs: 2, maxArgs: 2, type: (a) => (commonType(a[0], a[1]) ? a[0] : { arg: 1, message: `must be comparable with ${describe(a[0])}, got ${describe(a[1])}` }) },
  lower: { usage: 'lower(string)', minArgs: 1, maxArgs: 1, type: (a) => (isScalar(a[0], 'string') ? scalar('string') : { arg: 0, message: `needs a string, got ${describe(a[0])}` }) },
  upper: { usage: 'upper(string)', minArgs: 1, maxArgs: 1, type: (a) => (isScalar(a[0], 'string') ? scalar('string') : { arg: 0, message: `needs a string, got ${describe(a[0])}` }) },
  length: { usage: 'length(string)', minArgs: 1, maxArgs: 1, type: (a) => (isScalar(a[0], 'string') ? scalar('int') : { arg: 0, message: `needs a string, got ${describe(a[0])}` }) },
  concat: { usage: 'concat(string, string, ...)', minArgs: 1, maxArgs: 64, type: (a) => { const bad = a.findIndex((t) => !isScalar(t, 'string')); return bad < 0 ? scalar('string') : { arg: bad, message: `needs a string, got ${describe(a[bad])}; use cast(x as string)` }; } },
  substr: { usage: 'substr(string, start, length?)', minArgs: 2, maxArgs: 3, type: (a) => (!isScalar(a[0], 'string') ? { arg: 0, message: `needs a string, got ${describe(a[0])}` } : !isScalar(a[1], 'int', 'long') ? { arg: 1, message: `start must be an integer, got ${describe(a[1])}` } : a[2] && !isScalar(a[2], 'int', 'long') ? { arg: 2, message: `length must be an integer, got ${describe(a[2])}` } : scalar('string')) },
  abs: { usage: 'abs(number)', minArgs: 1, maxArgs: 1, type: (a) => needNumber(0, a[0]) ?? a[0] },
  round: { usage: 'round(number, digits?)', minArgs: 1, maxArgs: 2, type: (a) => needNumber(0, a[0]) ?? (a[1] && !isScalar(a[1], 'int', 'long') ? { arg: 1, message: `digits must be an integer, got ${describe(a[1])}` } : a[0]) },
  floor: { usage: 'floor(number)', minArgs: 1, maxArgs: 1, type: (a) => needNumber(0, a[0]) ?? a[0] },
  ceil: { usage: 'ceil(number)', minArgs: 1, maxArgs: 1, type: (a) => needNumber(0, a[0]) ?? a[0] },
  log: { usage: 'log(number)', minArgs: 1, maxArgs: 1, type: (a) => needNumber(0, a[0]) ?? scalar('double') },
  exp: { usage: 'exp(number)', minArgs: 1, maxArgs: 1, type: (a) => needNumber(0, a[0]) ?? scalar('double') },
  sqrt: { usage: 'sqrt(number)', minArgs: 1, maxArgs: 1, type: (a) => needNumber(0, a[0]) ?? scalar('double') },
  pow: { usage: 'pow(base, exponent)', minArgs: 2, maxArgs: 2, type: (a) => needNumber(0, a[0]) ?? needNumber(1, a[1]) ?? scalar('double') },
  hour_of_day: { usage: 'hour_of_day(timestamp)', minArgs: 1, maxArgs: 1, type: (a) => (isScalar(a[0], 'timestamp') ? scalar('int') : { arg: 0, message: `needs a timestamp, got ${describe(a[0])}` }) },
  day_of_week: { usage: 'day_of_week(timestamp or date)', minArgs: 1, maxArgs: 1, type: (a) => (isScalar(a[0], 'timestamp', 'date') ? scalar('int') : { arg: 0, message: `needs a timestamp or a date, got ${describe(a[0])}` }) },
  date_trunc: { usage: 'date_trunc("day", timestamp)', minArgs: 2, maxArgs: 2, type: (a) => (!isScalar(a[0], 'string') ? { arg: 0, message: 'needs a unit: "minute", "hour", "day", "week", "month" or "year"' } : isScalar(a[1], 'timestamp') ? scalar('timestamp') : { arg: 1, message: `needs a timestamp, got ${describe(a[1])}` }) },
  days_between: { usage: 'days_between(from, to)', minArgs: 2, maxArgs: 2, type: (a) => (!isScalar(a[0], 'timestamp', 'date') ? { arg: 0, message: `needs a date or timestamp, got ${describe(a[0])}` } : !isScalar(a[1], 'timestamp', 'date') ? { arg: 1, message: `needs a date or timestamp, got ${describe(a[1])}` } : scalar('int')) },
  snapshot_date: { usage: 'snapshot_date()', minArgs: 0, maxArgs: 0, type: () => scalar('date') },
};

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map(
  (Object.keys(SIGNATURES) as FunctionName[]).map((name) => [name, { name, ...SIGNATURES[name] }]),
);

/** Functions whose result is null only when chosen inputs are null (handled by the checker). */
export const NULL_AWARE_FUNCTIONS: ReadonlySet<FunctionName> = new Set<FunctionName>(['if', 'coalesce', 'nullif']);

/**
 * The type two values unify to (numbers widen), or null if they do not. A `null` literal
 * is typed as a nullable string by convention and unifies with anything.
 */
export function commonType(a: PalType, b: PalType): PalType | null {
  const nullable = a.nullable || b.nullable;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    if (a.name === b.name) return { ...a, nullable };
    if (isNumeric(a) && isNumeric(b)) return scalar(widerNumeric(a.name, b.name), nullable);
    return null;
  }
  if (a.kind === 'list' && b.kind === 'list') {
    const e = commonType(a.element, b.element);
    return e ? { kind: 'list', element: e, nullable } : null;
  }
  return null;
}

/** Aggregation typing: the result type given the input type, or a message. */
export function aggregationType(fn: AggFn, input: PalType | null): PalType | string {
  const d = (t: PalType) => (t.kind === 'scalar' ? `a ${t.name}` : 'a list');
  switch (fn) {
    case 'count':
      return scalar('long');
    case 'count_distinct':
      if (!input || input.kind !== 'scalar') return `\`count_distinct\` needs a scalar value${input ? `, got ${d(input)}` : ''}`;
      return scalar('long');
    case 'sum':
      if (!input || !isNumeric(input)) return `\`sum\` needs a number${input ? `, got ${d(input)}` : ''}`;
      return scalar(input.kind === 'scalar' && (input.name === 'int' || input.name === 'long') ? 'long' : 'double', true);
    case 'avg':
    case 'stddev':
    case 'variance':
      if (!input || !isNumeric(input)) return `\`${fn}\` needs a number${input ? `, got ${d(input)}` : ''}`;
      return scalar('double', true);
    case 'min':
    case 'max':
      if (!input || input.kind !== 'scalar' || input.name === 'boolean') return `\`${fn}\` needs a number, string, date or timestamp${input ? `, got ${d(input)}` : ''}`;
      return { ...input, nullable: true };
    case 'first':
    case 'last':
      if (!input || input.kind !== 'scalar') return `\`${fn}\` needs a scalar value${input ? `, got ${d(input)}` : ''}`;
      return { ...input, nullable: true };
    case 'last_k':
      if (!input || input.kind !== 'scalar') return `\`last_k\` needs a scalar value${input ? `, got ${d(input)}` : ''}`;
      return { kind: 'list', element: { ...input, nullable: false }, nullable: true };
  }
}
