/**
 * The JSON text of a FeatureResponse: the same bytes as JSON.stringify(response), written
 * with the parts a plan repeats in every answer prepared once per plan.
 *
 * Why: the answer's JSON was the largest single piece of the sidecar's own work per request
 * (bench/serving-path-bench.ts): JSON.stringify walks every entity's `values` and `statuses`
 * objects key by key, escaping each feature name again, and a batch of 100 entities repeats
 * the 20 names 200 times. Here each name's `"name":` is escaped once per plan, a status is
 * one of four strings, and the feature names of the answer's head are written once.
 *
 * Contract: for any FeatureResponse that FeatureService builds, the result equals
 * JSON.stringify(response) (test/unit/sidecar/response-json.test.ts checks it over ok, stale,
 * no-data and error answers, model expressions, feature lists, batches, string values that
 * need escaping, lists, non-finite numbers, and keys that are array indexes). Keys are
 * written in each object's own order (for-in's, which is JSON.stringify's: array indexes
 * first); a value that is not a number, string, boolean or null goes through JSON.stringify.
 */
import type { Value } from '../runtime/contracts/types.js';
import type { EntityResult, FeatureResponse, GroupResult } from './feature-service.js';

/** What a plan's answers share, keyed by its `features` array (one per plan). */
interface PlanText {
  readonly model: string | null;
  readonly registryHash: string;
  /** `,"features":[...],"groups":` */
  readonly middle: string;
  /** Feature or group name → `"name":` (JSON-escaped), for the entities' values, statuses and groups. */
  readonly keys: Map<string, string>;
}

const planTexts = new WeakMap<readonly string[], PlanText>();

function planText(r: FeatureResponse): PlanText {
  const known = planTexts.get(r.features);
  if (known && known.model === r.model && known.registryHash === r.registryHash) return known;
  const keys = new Map<string, string>();
  for (const n of r.features) keys.set(n, `${JSON.stringify(n)}:`);
  for (const g of r.groups) keys.set(g.name, `${JSON.stringify(g.name)}:`);
  const t: PlanText = {
    model: r.model,
    registryHash: r.registryHash,
    middle: `,"features":${JSON.stringify(r.features)},"groups":`,
    keys,
  };
  planTexts.set(r.features, t);
  return t;
}

/** A value as JSON.stringify writes it inside an object (undefined: the key is left out). */
function valueText(v: Value | undefined): string | undefined {
  switch (typeof v) {
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'string': return JSON.stringify(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return undefined;
    default: return v === null ? 'null' : JSON.stringify(v);
  }
}

/** The statuses' JSON strings (any other string is escaped as usual). */
const STATUS_TEXT: Readonly<Record<string, string>> = { ok: '"ok"', no_data: '"no_data"', stale: '"stale"', error: '"error"' };

const statusText = (v: Value | undefined): string | undefined => (typeof v === 'string' ? STATUS_TEXT[v] ?? JSON.stringify(v) : valueText(v));

/** The key's `"k":`, from the plan's escaped names when it is one of them. */
function keyText(k: string, keys: Map<string, string>): string {
  return keys.get(k) ?? `${JSON.stringify(k)}:`;
}

/** `{"k":v,...}` of a flat record, in its own key order, with the plan's escaped names. */
function recordText(rec: Readonly<Record<string, Value | undefined>>, keys: Map<string, string>, text: (v: Value | undefined) => string | undefined): string {
  let out = '{';
  let first = true;
  for (const k in rec) {
    const v = text(rec[k]);
    if (v === undefined) continue;
    out += first ? keyText(k, keys) + v : `,${keyText(k, keys)}${v}`;
    first = false;
  }
  return `${out}}`;
}

function groupText(g: GroupResult): string {
  let out = `{"status":${statusText(g.status)},"dataTime":${valueText(g.dataTime)},"updatedAt":${valueText(g.updatedAt)},"ageMs":${valueText(g.ageMs)}`;
  if (g.error !== undefined) out += `,"error":${JSON.stringify(g.error)}`;
  return `${out}}`;
}

function entityText(e: EntityResult, keys: Map<string, string>): string {
  let groups = '{';
  let first = true;
  for (const name in e.groups) {
    groups += `${first ? '' : ','}${keyText(name, keys)}${groupText(e.groups[name])}`;
    first = false;
  }
  return `{"key":${JSON.stringify(e.key)},"values":${recordText(e.values, keys, valueText)},"statuses":${recordText(e.statuses, keys, statusText)},"groups":${groups}}}`;
}

/** JSON.stringify(response), faster for the sidecar's answers (see the contract above). */
export function responseJson(r: FeatureResponse): string {
  const p = planText(r);
  let out = `{"model":${JSON.stringify(r.model)},"registryHash":${JSON.stringify(r.registryHash)},"at":${valueText(r.at)}${p.middle}${JSON.stringify(r.groups)},"results":[`;
  for (let i = 0; i < r.results.length; i++) out += (i === 0 ? '' : ',') + entityText(r.results[i], p.keys);
  return `${out}],"tookMs":${valueText(r.tookMs)}}`;
}
