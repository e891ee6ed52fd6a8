/**
 * The semantic hash of a group: its storage identity. It covers everything that changes
 * what a feature's values are (entity keys, source name, kind, table, time column and the
 * types of the columns it reads, lets, filter, aggregations with windows, feature
 * expressions and names, `version`) and nothing that does not (description, owner, tags,
 * ttl, spans, declaration order). Canonical JSON with sorted keys, then SHA-256.
 */
import { createHash } from 'node:crypto';
import type * as ir from '../ir/ir.js';
import type { GroupDraft } from '../checker/check.js';

/** JSON with object keys sorted at every level, so the text does not depend on construction order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    let sorted = true;
    for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) { sorted = false; break; }
    if (sorted) return v;
    const out: Record<string, unknown> = {};
    for (const k of keys.sort()) out[k] = obj[k];
    return out;
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** 12 hex characters of SHA-256 over the group's meaning. */
export function semanticHash(group: GroupDraft, entity: ir.Entity, source: ir.Source): string {
  const meaning = {
    entityKeys: entity.keys,
    source: { name: source.name, kind: source.kind, table: source.table, timestampField: source.timestampField, fields: source.fields },
    keyColumns: group.keyColumns,
    lets: group.lets,
    filter: group.filter,
    // Aggregations are numbered canonically by the checker (by their text), so their list
    // and the aggregate refs in features are independent of declaration order.
    aggregations: group.aggregations.map((a) => ({ fn: a.fn, input: a.input, k: a.k, window: a.window })),
    features: [...group.features].sort((a, b) => a.localName.localeCompare(b.localName)).map((f) => ({ name: f.localName, expr: f.expr })),
    version: group.version,
  };
  return sha256(canonicalJson(meaning)).slice(0, 12);
}

/** Changes when any group's meaning or any model's feature list changes. */
export function registryHash(groups: readonly ir.Group[], models: readonly ir.Model[]): string {
  return sha256(canonicalJson({
    groups: groups.map((g) => [g.name, g.semanticHash]),
    models: models.map((m) => ({ name: m.name, features: m.features, derived: m.derived.map((d) => ({ outputName: d.outputName, expr: d.expr })) })),
  })).slice(0, 12);
}
