/**
 * Decoding and checking stream events against a source's fields (plan.ts EventSourceSpec).
 *
 * An event is one JSON object (a Kafka message value, or one line of an event file). The
 * rules, which `palette materialize` documents to producers:
 * - Every field of the source must be present as a key. A nullable field (`T?`) may hold
 *   null; a missing key is an error even for nullable fields (a producer that forgot a field
 *   must not be read as "no value"). Keys the source does not declare are ignored.
 * - string: a JSON string. boolean: true/false. int: an integer in [-2^31, 2^31). long: an
 *   integer within ±(2^53 - 1) (JSON numbers are doubles). float/double: a finite number.
 * - timestamp: an ISO-8601 string as the language's cast reads it ('YYYY-MM-DD[THH:MM[:SS[.fff]]]'
 *   with 'Z' or '+HH:MM'; no zone means UTC; digits past milliseconds are truncated) or
 *   an integer number of milliseconds since 1970-01-01 UTC. Stored as epoch ms.
 * - date: 'YYYY-MM-DD'. list<T>: a JSON array whose elements follow T (elements are never null).
 * - The event time field must not be null.
 * Anything else is malformed: the event is dead-lettered with the first reason found.
 */
import type { EventSourceSpec } from '../contracts/plan.js';
import type { PalType, Value } from '../contracts/types.js';
import { parseDate, parseTimestamp } from '../expr/time.js';

export type DecodeResult =
  | { readonly ok: true; readonly row: Record<string, Value>; readonly ts: number }
  | { readonly ok: false; readonly reason: string };

export type EventDecoder = (text: string) => DecodeResult;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** The value of `v` as type t, or a string saying why it is not one. */
type Check = (v: unknown) => Value | Invalid;

class Invalid {
  constructor(readonly reason: string) {}
}

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
};

function checkerFor(t: PalType): Check {
  if (t.kind === 'list') {
    const el = checkerFor({ ...t.element, nullable: false });
    return (v) => {
      if (!Array.isArray(v)) return new Invalid(`expected a list, got ${describe(v)}`);
      const out: Value[] = [];
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null) return new Invalid(`list element ${i} is null`);
        const x = el(v[i]);
        if (x instanceof Invalid) return new Invalid(`list element ${i}: ${x.reason}`);
        out.push(x);
      }
      return out;
    };
  }
  switch (t.name) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : new Invalid(`expected a string, got ${describe(v)}`));
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : new Invalid(`expected a boolean, got ${describe(v)}`));
    case 'int':
      return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX ? v : new Invalid(`expected an int, got ${describe(v)}`));
    case 'long':
      return (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : new Invalid(`expected a long (an integer within ±2^53), got ${describe(v)}`));
    case 'float':
    case 'double':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : new Invalid(`expected a number, got ${describe(v)}`));
    case 'timestamp':
      return (v) => {
        if (typeof v === 'number') return Number.isSafeInteger(v) ? v : new Invalid(`expected epoch milliseconds (an integer), got ${describe(v)}`);
        if (typeof v === 'string') {
          const ms = parseTimestamp(v);
          return Number.isNaN(ms) ? new Invalid(`expected an ISO-8601 timestamp, got ${describe(v)}`) : ms;
        }
        return new Invalid(`expected a timestamp (ISO-8601 string or epoch ms), got ${describe(v)}`);
      };
    case 'date':
      return (v) => (typeof v === 'string' && !Number.isNaN(parseDate(v)) ? v : new Invalid(`expected a date 'YYYY-MM-DD', got ${describe(v)}`));
  }
}

/** A decoder for the events of one source. Never throws: bad input is a result. */
export function makeEventDecoder(source: EventSourceSpec): EventDecoder {
  const fields = source.fields.map((f) => ({ name: f.name, nullable: f.type.nullable, check: checkerFor(f.type) }));
  const tsField = source.timestampField;
  const n = fields.length;
  return (text) => {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      return { ok: false, reason: `bad JSON: ${(e as Error).message}` };
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { ok: false, reason: `expected a JSON object, got ${describe(obj)}` };
    const o = obj as Record<string, unknown>;
    const row: Record<string, Value> = {};
    for (let i = 0; i < n; i++) {
      const f = fields[i];
      const v = Object.hasOwn(o, f.name) ? o[f.name] : undefined;
      if (v === undefined) return { ok: false, reason: `missing field \`${f.name}\`` };
      if (v === null) {
        if (!f.nullable) return { ok: false, reason: `field \`${f.name}\` is null but not nullable` };
        row[f.name] = null;
        continue;
      }
      const x = f.check(v);
      if (x instanceof Invalid) return { ok: false, reason: `field \`${f.name}\`: ${x.reason}` };
      row[f.name] = x;
    }
    const ts = row[tsField];
    if (typeof ts !== 'number') return { ok: false, reason: `event time \`${tsField}\` is null` };
    return { ok: true, row, ts };
  };
}
