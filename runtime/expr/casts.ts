/**
 * cast(x as T) between scalar types, as runtime/expr/README.md defines it. A failed cast
 * yields null. The conversion is chosen once per (from, to) pair at compile time.
 */
import type { PalType, ScalarTypeName, Value } from '../contracts/types.js';
import { DAY_MS, floorDiv, formatDate, formatTimestamp, parseDate, parseTimestamp } from './time.js';

export type Converter = (v: Value) => Value;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_LIMIT = 9223372036854775808; // 2^63

const INTEGER_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Number to string: shortest round-trip form (ECMAScript); float/double integral values get '.0'. */
export function numberToString(x: number, floating: boolean): string {
  const s = `${x}`;
  if (floating && x - x === 0 && s.indexOf('.') < 0 && s.indexOf('e') < 0) return `${s}.0`;
  return s;
}

function isFloating(t: ScalarTypeName): boolean {
  return t === 'float' || t === 'double';
}

/** A value of static type `from` as a string (also used by concat for non-string args). */
export function toStringConverter(from: ScalarTypeName): (v: Value) => string | null {
  switch (from) {
    case 'string': case 'date':
      return (v) => (v === null ? null : (v as string));
    case 'int': case 'long': case 'float': case 'double': {
      const floating = isFloating(from);
      return (v) => (v === null || (v as number) - (v as number) !== 0 ? null : numberToString(v as number, floating));
    }
    case 'boolean':
      return (v) => (v === null ? null : v ? 'true' : 'false');
    case 'timestamp':
      return (v) => (v === null || (v as number) - (v as number) !== 0 ? null : formatTimestamp(v as number));
  }
}

function intRange(lo: number, hi: number): (x: number) => number | null {
  return (x) => {
    if (x - x !== 0) return null;
    const t = Math.trunc(x) + 0;
    return t >= lo && t <= hi ? t : null;
  };
}

const toIntValue = intRange(INT_MIN, INT_MAX);

function toLongValue(x: number): number | null {
  if (x - x !== 0) return null;
  const t = Math.trunc(x) + 0;
  return t >= -LONG_LIMIT && t < LONG_LIMIT ? t : null;
}

function parseInteger(s: string): number {
  const t = s.trim();
  return INTEGER_RE.test(t) ? Number(t) : NaN;
}

function parseDecimal(s: string): number {
  const t = s.trim();
  return DECIMAL_RE.test(t) ? Number(t) : NaN;
}

function finiteOrNull(x: number): number | null {
  return x - x === 0 ? x + 0 : null;
}

/** The conversion of cast(x as to) for x of static type from; throws for unsupported pairs. */
export function castConverter(fromType: PalType, toType: PalType): Converter {
  if (fromType.kind !== 'scalar' || toType.kind !== 'scalar') {
    if (fromType.kind === 'list' && toType.kind === 'list') return (v) => v;
    throw new Error(`palette: unsupported cast from ${fromType.kind} to ${toType.kind}`);
  }
  const from = fromType.name;
  const to = toType.name;
  const unsupported = (): never => {
    throw new Error(`palette: unsupported cast from ${from} to ${to}`);
  };
  const numeric = from === 'int' || from === 'long' || from === 'float' || from === 'double';
  switch (to) {
    case 'string':
      return toStringConverter(from);
    case 'int':
    case 'long': {
      const range = to === 'int' ? toIntValue : toLongValue;
      if (numeric || from === 'timestamp') return (v) => (v === null ? null : range(v as number));
      if (from === 'string') return (v) => (v === null ? null : range(parseInteger(v as string)));
      if (from === 'boolean') return (v) => (v === null ? null : v ? 1 : 0);
      return unsupported();
    }
    case 'float':
    case 'double':
      if (numeric || from === 'timestamp') return (v) => (v === null ? null : finiteOrNull(v as number));
      if (from === 'string') return (v) => (v === null ? null : finiteOrNull(parseDecimal(v as string)));
      if (from === 'boolean') return (v) => (v === null ? null : v ? 1 : 0);
      return unsupported();
    case 'boolean':
      if (from === 'boolean') return (v) => v;
      if (numeric) return (v) => (v === null || v !== v ? null : v !== 0);
      if (from === 'string') {
        return (v) => {
          if (v === null) return null;
          const t = (v as string).trim().toLowerCase();
          return t === 'true' ? true : t === 'false' ? false : null;
        };
      }
      return unsupported();
    case 'timestamp':
      if (from === 'timestamp') return (v) => v;
      if (numeric) return (v) => (v === null ? null : toLongValue(v as number));
      if (from === 'date') {
        return (v) => {
          if (v === null) return null;
          const d = parseDate(v as string);
          return d === d ? d * DAY_MS : null;
        };
      }
      if (from === 'string') {
        return (v) => {
          if (v === null) return null;
          const ms = parseTimestamp(v as string);
          return ms === ms ? ms : null;
        };
      }
      return unsupported();
    case 'date':
      if (from === 'date') return (v) => v;
      if (from === 'timestamp') {
        return (v) => (v === null || (v as number) - (v as number) !== 0 ? null : formatDate(floorDiv(v as number, DAY_MS)));
      }
      if (from === 'string') {
        return (v) => {
          if (v === null) return null;
          const t = (v as string).trim();
          const d = parseDate(t);
          return d === d ? t : null;
        };
      }
      return unsupported();
  }
}
