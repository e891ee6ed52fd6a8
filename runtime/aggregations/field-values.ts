/**
 * Reading state field values back from a store. Stores hand back what their drivers give:
 * bigint (DuckDB BIGINT), Long objects (cassandra-driver), Date (timestamps, dates),
 * 0/1 (SQLite booleans). These readers turn them into the runtime representation
 * (contracts/types.ts) or throw: a value of the wrong kind in a state column is a bug or a
 * corrupt store, never user input.
 */
import type { PalType, Value } from '../contracts/types.js';

export function readNumber(x: unknown): number | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  if (x instanceof Date) return x.getTime();
  if (typeof x === 'object' && typeof (x as { toNumber?: unknown }).toNumber === 'function') {
    return (x as { toNumber(): number }).toNumber();
  }
  if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  throw new Error(`palette: expected a number in a state field, got ${describe(x)}`);
}

export function readCount(x: unknown): number {
  return readNumber(x) ?? 0;
}

function readString(x: unknown): string | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'string') return x;
  throw new Error(`palette: expected a string in a state field, got ${describe(x)}`);
}

function readDate(x: unknown): string | null {
  if (x instanceof Date) return x.toISOString().slice(0, 10);
  return readString(x);
}

function readBoolean(x: unknown): boolean | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'boolean') return x;
  if (typeof x === 'number' || typeof x === 'bigint') return x !== 0 && x !== 0n;
  throw new Error(`palette: expected a boolean in a state field, got ${describe(x)}`);
}

function readAny(x: unknown): Value {
  if (x === undefined) return null;
  if (typeof x === 'bigint') return Number(x);
  if (x instanceof Date) return x.getTime();
  if (Array.isArray(x)) return x.map(readAny);
  return x as Value;
}

/** A reader for values of a static type (null: unknown). */
export function valueReader(type: PalType | null): (x: unknown) => Value {
  if (type === null) return readAny;
  if (type.kind === 'list') {
    const el = valueReader(type.element);
    return (x) => {
      if (x === null || x === undefined) return null;
      if (!Array.isArray(x)) throw new Error(`palette: expected a list in a state field, got ${describe(x)}`);
      return x.map(el);
    };
  }
  switch (type.name) {
    case 'int': case 'long': case 'float': case 'double': case 'timestamp':
      return readNumber;
    case 'string':
      return readString;
    case 'date':
      return readDate;
    case 'boolean':
      return readBoolean;
  }
}

/** A list field (null or absent reads as empty). */
export function readList(x: unknown): readonly unknown[] {
  if (x === null || x === undefined) return [];
  if (Array.isArray(x)) return x;
  // Arrow vectors and similar iterables.
  if (typeof x === 'object' && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return Array.from(x as Iterable<unknown>);
  }
  throw new Error(`palette: expected a list in a state field, got ${describe(x)}`);
}

function describe(x: unknown): string {
  return x === null ? 'null' : typeof x === 'object' ? (x.constructor?.name ?? 'object') : typeof x;
}
