/**
 * The feature catalog over a compiled registry: list, show and search, as plain text or
 * JSON. Everything here reads the IR; nothing is stored besides it.
 */
import { typeToString } from '../../runtime/contracts/index.js';
import type { Feature, Group, Model, Registry } from '../ir/ir.js';
import { exprToText } from '../ir/printer.js';

export interface FeatureEntry {
  readonly kind: 'feature';
  readonly name: string;
  readonly group: string;
  readonly entity: string;
  readonly type: string;
  readonly window: string | null;
  readonly definition: string;
  readonly description: string | null;
  readonly owner: string | null;
  readonly tags: readonly string[];
  readonly definedAt: string;
  readonly usedBy: readonly string[];
  readonly version: string;
}

const at = (s: { file: string; line: number; col: number }) => `${s.file}:${s.line}:${s.col}`;

export function featureEntry(r: Registry, g: Group, f: Feature): FeatureEntry {
  return {
    kind: 'feature',
    name: f.name,
    group: g.name,
    entity: g.entity,
    type: typeToString(f.type),
    window: f.window,
    definition: exprToText(f.expr, g.aggregations),
    description: f.description,
    owner: g.meta.owner,
    tags: g.meta.tags,
    definedAt: at(f.span),
    usedBy: r.models.filter((m) => m.features.some((x) => x.feature === f.name) || m.derived.some((d) => exprToText(d.expr).includes(f.name))).map((m) => m.name),
    version: g.semanticHash,
  };
}

export function allFeatures(r: Registry): FeatureEntry[] {
  return r.groups.flatMap((g) => g.features.map((f) => featureEntry(r, g, f)));
}

export function listCatalog(r: Registry) {
  return {
    namespaces: r.namespaces.map((ns) => ({
      name: ns,
      entities: r.entities.filter((e) => e.namespace === ns).map((e) => ({ name: e.name, keys: e.keys.map((k) => `${k.name}: ${typeToString(k.type)}`), description: e.meta.description })),
      sources: r.sources.filter((s) => s.namespace === ns).map((s) => ({ name: s.name, kind: s.kind, stream: s.stream?.topic ?? null, table: s.table?.name ?? null })),
      groups: r.groups.filter((g) => g.namespace === ns).map((g) => ({ name: g.name, kind: g.kind, entity: g.entity, features: g.features.length, owner: g.meta.owner, tags: g.meta.tags, version: g.semanticHash, description: g.meta.description })),
      models: r.models.filter((m) => m.namespace === ns).map((m) => ({ name: m.name, features: m.features.length + m.derived.length, description: m.meta.description })),
    })),
  };
}

export function renderList(r: Registry): string {
  const out: string[] = [];
  for (const ns of listCatalog(r).namespaces) {
    out.push(`namespace ${ns.name}`);
    for (const e of ns.entities) out.push(`  entity  ${e.name}  (${e.keys.join(', ')})${e.description ? `  ${e.description}` : ''}`);
    for (const s of ns.sources) out.push(`  source  ${s.name}  ${s.kind}${s.stream ? `  kafka:${s.stream}` : ''}${s.table ? `  hive:${s.table}` : ''}`);
    for (const g of ns.groups) out.push(`  group   ${g.name}  on ${g.entity}, ${g.features} feature${g.features === 1 ? '' : 's'}, ${g.kind}${g.owner ? `, owner ${g.owner}` : ''}${g.tags.length ? `, tags ${g.tags.join(' ')}` : ''}`);
    for (const m of ns.models) out.push(`  model   ${m.name}  ${m.features} feature${m.features === 1 ? '' : 's'}${m.description ? `  ${m.description}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

/** Find anything by name: qualified, or unqualified if unique. */
export function showCatalog(r: Registry, name: string): { kind: string; value: unknown } | { candidates: string[] } {
  const all: { name: string; kind: string; value: () => unknown }[] = [
    ...r.entities.map((e) => ({ name: e.name, kind: 'entity', value: () => ({ ...e, usedBy: r.groups.filter((g) => g.entity === e.name).map((g) => g.name) }) })),
    ...r.sources.map((s) => ({ name: s.name, kind: 'source', value: () => ({ ...s, usedBy: r.groups.filter((g) => g.source === s.name).map((g) => g.name) }) })),
    ...r.groups.map((g) => ({ name: g.name, kind: 'group', value: () => groupEntry(r, g) })),
    ...r.models.map((m) => ({ name: m.name, kind: 'model', value: () => modelEntry(m) })),
    ...allFeatures(r).map((f) => ({ name: f.name, kind: 'feature', value: () => f })),
  ];
  const exact = all.find((x) => x.name === name);
  if (exact) return { kind: exact.kind, value: exact.value() };
  const suffix = all.filter((x) => x.name.endsWith(`.${name}`));
  if (suffix.length === 1) return { kind: suffix[0].kind, value: suffix[0].value() };
  return { candidates: (suffix.length ? suffix : all.filter((x) => x.name.includes(name))).map((x) => `${x.kind} ${x.name}`) };
}

/** The model as in the IR, with each model-level expression also as text (`definition`). */
function modelEntry(m: Model) {
  return { ...m, derived: m.derived.map((d) => ({ ...d, definition: exprToText(d.expr) })) };
}

function groupEntry(r: Registry, g: Group) {
  return {
    name: g.name, kind: g.kind, entity: g.entity, source: g.source, version: g.semanticHash,
    description: g.meta.description, owner: g.meta.owner, tags: g.meta.tags,
    filter: g.filter ? exprToText(g.filter) : null,
    features: g.features.map((f) => featureEntry(r, g, f)),
    online: g.layout.online.table,
    offline: [g.layout.offline.tiles, g.layout.offline.daily].filter((t) => t).map((t) => `${t!.database}.${t!.table}`),
    definedAt: at(g.span),
  };
}

export function renderShow(kind: string, value: any): string {
  const out: string[] = [];
  const line = (k: string, v: unknown) => { if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) out.push(`${k.padEnd(12)} ${Array.isArray(v) ? v.join(', ') : String(v)}`); };
  out.push(`${kind} ${value.name}`);
  if (kind === 'feature') {
    line('type', value.type); line('definition', value.definition); line('window', value.window); line('description', value.description);
    line('group', value.group); line('entity', value.entity); line('owner', value.owner); line('tags', value.tags);
    line('defined at', value.definedAt); line('used by', value.usedBy); line('version', value.version);
  } else if (kind === 'group') {
    line('kind', value.kind); line('entity', value.entity); line('source', value.source); line('description', value.description);
    line('owner', value.owner); line('tags', value.tags); line('where', value.filter); line('version', value.version);
    line('online', value.online); line('offline', value.offline); line('defined at', value.definedAt);
    out.push('features');
    for (const f of value.features) out.push(`  ${f.name.split('.').pop()}: ${f.type} = ${f.definition}${f.description ? `  -- ${f.description}` : ''}`);
  } else if (kind === 'model') {
    line('description', value.meta.description); line('owner', value.meta.owner); line('keys', value.keys.map((k: any) => k.name));
    line('groups', value.groups);
    out.push('features');
    for (const f of value.features) out.push(`  ${f.outputName}  ← ${f.feature}`);
    for (const d of value.derived) out.push(`  ${d.outputName} = ${exprToText(d.expr)}`);
  } else if (kind === 'entity') {
    line('keys', value.keys.map((k: any) => `${k.name}: ${typeToString(k.type)}`)); line('description', value.meta.description);
    line('owner', value.meta.owner); line('used by', value.usedBy);
  } else {
    line('kind', value.kind); line('stream', value.stream?.topic); line('table', value.table?.name); line('timestamp', value.timestampField);
    line('fields', value.fields.map((f: any) => `${f.name}: ${typeToString(f.type)}`)); line('used by', value.usedBy);
  }
  return `${out.join('\n')}\n`;
}

/** Rank features by how well `query` matches name, tags, description and owner. */
export function searchCatalog(r: Registry, query: string): FeatureEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored = allFeatures(r).map((f) => {
    let score = 0;
    for (const w of words) {
      const local = f.name.split('.').pop()!.toLowerCase();
      if (local === w) score += 10;
      else if (f.name.toLowerCase().includes(w)) score += 5;
      if (f.tags.some((t) => t.toLowerCase() === w)) score += 4;
      if (f.description?.toLowerCase().includes(w)) score += 3;
      if (f.owner?.toLowerCase().includes(w)) score += 2;
      if (f.definition.toLowerCase().includes(w)) score += 1;
    }
    return { f, score };
  });
  return scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.f.name.localeCompare(b.f.name)).map((s) => s.f);
}

export function renderSearch(results: readonly FeatureEntry[]): string {
  if (results.length === 0) return 'No features match.\n';
  return `${results.map((f) => `${f.name}  ${f.type}${f.window ? `  ${f.window}` : ''}${f.description ? `  -- ${f.description}` : ''}`).join('\n')}\n`;
}
