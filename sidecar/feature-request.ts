/**
 * The body of `POST /v1/features` (and of `palette fetch`), checked against the catalog.
 *
 *   { "model": "rides.eta_v3",                       // or "features": ["ns.group.feature", "group.*", ...]
 *     "entities": [{ "driver_id": "d1" }, ...],       // 1..maxEntities, answered in this order
 *     "at": "2026-01-10T12:00:00Z" | 1767960000000 }  // optional; default: now
 *
 * Every way a body can be wrong is a RequestError (HTTP 400) that says what and where:
 * not an object, unknown top-level field, neither or both of model/features, unknown or
 * ambiguous model or feature, no entities or too many, an entity that is not an object,
 * a missing key, a key the target does not use, a key of the wrong type (keys are never
 * null), or a time that is not ISO 8601 with a zone or epoch milliseconds.
 *
 * Key values by type (the runtime representation, contracts/types.ts): string → JSON string;
 * int → integer in [-2^31, 2^31); long → integer within ±(2^53 - 1) (JSON cannot carry more
 * exactly); float/double → finite number; boolean → true/false; date → "YYYY-MM-DD";
 * timestamp → epoch ms or an ISO 8601 time with a zone (converted to epoch ms).
 */
import type { KeySpec } from '../runtime/contracts/group-runtime.js';
import { type Value, typeToString } from '../runtime/contracts/types.js';
import { RequestError, closest } from './request-error.js';
import type { FetchPlan, ServingCatalog } from './serving-catalog.js';

export interface ParsedRequest {
  readonly plan: FetchPlan;
  /** Per entity, its key values by key name (validated and normalized), in request order. */
  readonly entities: readonly Readonly<Record<string, Value>>[];
  /** Request time, epoch ms. */
  readonly at: number;
  /** False when the request gave no `at` (the time is now; the row cache may answer). */
  readonly atGiven: boolean;
  /** The registry of the manifest the request was checked against (answered with the same). */
  readonly registryHash: string;
}

export interface RequestLimits {
  /** Most entities in one request. */
  readonly maxEntities: number;
}

const TOP_LEVEL = ['model', 'features', 'entities', 'at'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;

/**
 * A time given as epoch milliseconds (number) or ISO 8601 text with a zone (a bare date
 * means 00:00 UTC). `what` names the field in messages. Returns epoch ms.
 */
export function parseTime(v: unknown, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 253_402_300_799_999) {
      throw new RequestError('invalid_time', `\`${what}\` must be epoch milliseconds (a whole number from 0 to year 9999), not ${describe(v)}`);
    }
    return v;
  }
  if (typeof v === 'string') {
    if (!ISO_TIME.test(v)) {
      throw new RequestError('invalid_time', `\`${what}\` is not an ISO 8601 time with a zone: ${describe(v)}`, 'write e.g. "2026-01-10T12:00:00Z" or epoch milliseconds');
    }
    // Date.parse rolls 2026-02-30 over to March: check the calendar day and clock first.
    const clock = /[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(v);
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T'));
    if (!validDate(v.slice(0, 10)) || (clock && (Number(clock[1]) > 23 || Number(clock[2]) > 59 || Number(clock[3] ?? 0) > 59)) || !Number.isFinite(ms) || ms < 0) {
      throw new RequestError('invalid_time', `\`${what}\` is not a valid time: ${describe(v)}`);
    }
    return ms;
  }
  throw new RequestError('invalid_time', `\`${what}\` must be an ISO 8601 string or epoch milliseconds, not ${describe(v)}`);
}

function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** A key value checked against its type; throws wrong_key_type. */
export function keyValue(key: KeySpec, v: unknown, where: string): Value {
  const wrong = (expected: string): never => {
    throw new RequestError('wrong_key_type', `${where}: key \`${key.name}\` is ${typeToString({ ...key.type, nullable: false })}, so it must be ${expected}, not ${describe(v)}`);
  };
  const t = key.type;
  if (t.kind !== 'scalar') return wrong('a scalar (list keys cannot be served)');
  switch (t.name) {
    case 'string':
      return typeof v === 'string' ? v : wrong('a string');
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX ? v : wrong('a whole number in the int range');
    case 'long':
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : wrong('a whole number within ±9007199254740991');
    case 'float':
    case 'double':
      return typeof v === 'number' && Number.isFinite(v) ? v : wrong('a finite number');
    case 'boolean':
      return typeof v === 'boolean' ? v : wrong('true or false');
    case 'date':
      return typeof v === 'string' && validDate(v) ? v : wrong('a date "YYYY-MM-DD"');
    case 'timestamp':
      if (typeof v !== 'number' && typeof v !== 'string') return wrong('epoch milliseconds or an ISO 8601 time');
      try {
        return parseTime(v, `${where}.${key.name}`);
      } catch {
        return wrong('epoch milliseconds or an ISO 8601 time with a zone');
      }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseFeatureRequest(body: unknown, catalog: ServingCatalog, limits: RequestLimits, now: number): ParsedRequest {
  if (!isObject(body)) throw new RequestError('invalid_request', `the request body must be a JSON object, not ${describe(body)}`);
  for (const k of Object.keys(body)) {
    if (!TOP_LEVEL.includes(k)) {
      const hint = closest(k, TOP_LEVEL);
      throw new RequestError('unknown_field', `unknown field \`${k}\` in the request`, hint ? `did you mean \`${hint}\`?` : `fields: ${TOP_LEVEL.join(', ')}`);
    }
  }
  const { model, features, entities, at } = body;
  if (model !== undefined && features !== undefined) throw new RequestError('invalid_request', 'give either `model` or `features`, not both');
  let plan: FetchPlan;
  if (model !== undefined) {
    if (typeof model !== 'string' || model === '') throw new RequestError('invalid_request', `\`model\` must be a model name, not ${describe(model)}`);
    plan = catalog.model(model);
  } else if (features !== undefined) {
    if (!Array.isArray(features) || features.length === 0) throw new RequestError('invalid_request', '`features` must be a non-empty list of feature names');
    features.forEach((f, i) => {
      if (typeof f !== 'string' || f === '') throw new RequestError('invalid_request', `features[${i}] must be a feature name, not ${describe(f)}`);
    });
    plan = catalog.featureList(features as string[]);
  } else {
    throw new RequestError('invalid_request', 'the request names nothing to fetch', 'give `model` (a model name) or `features` (a list of feature names)');
  }

  if (entities === undefined) throw new RequestError('invalid_request', '`entities` is missing', `give a list of objects with the keys ${plan.keys.map((k) => k.name).join(', ')}`);
  if (!Array.isArray(entities) || entities.length === 0) throw new RequestError('invalid_request', '`entities` must be a non-empty list of objects');
  if (entities.length > limits.maxEntities) {
    throw new RequestError('too_many_entities', `${entities.length} entities in one request; the limit is ${limits.maxEntities}`, 'split the request');
  }
  const keyNames = plan.keys.map((k) => k.name);
  const parsed: Record<string, Value>[] = new Array(entities.length);
  for (let i = 0; i < entities.length; i++) {
    const e = entities[i];
    const where = `entities[${i}]`;
    if (!isObject(e)) throw new RequestError('invalid_request', `${where} must be an object of keys, not ${describe(e)}`);
    const out: Record<string, Value> = {};
    for (const k of plan.keys) {
      const v = e[k.name];
      if (v === undefined) {
        throw new RequestError('missing_key', `${where} has no key \`${k.name}\``, `${plan.model ?? 'these features'} need${plan.model ? 's' : ''} the keys ${keyNames.join(', ')}`);
      }
      out[k.name] = keyValue(k, v, where);
    }
    if (Object.keys(e).length !== plan.keys.length) {
      for (const name of Object.keys(e)) {
        if (!keyNames.includes(name)) {
          const hint = closest(name, keyNames);
          throw new RequestError('unknown_key', `${where} has a key \`${name}\` that ${plan.model ?? 'these features'} do${plan.model ? 'es' : ''} not use`,
            hint ? `did you mean \`${hint}\`?` : `keys: ${keyNames.join(', ')}`);
        }
      }
    }
    parsed[i] = out;
  }
  return { plan, entities: parsed, at: at === undefined ? now : parseTime(at, 'at'), atGiven: at !== undefined, registryHash: catalog.registryHash };
}
