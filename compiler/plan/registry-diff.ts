/**
 * What changes between two registries: the heart of `palette plan`. A group whose semantic
 * hash changed has new storage (new tables) and needs a backfill; a group whose hash is the
 * same but whose metadata changed needs only a registry update.
 */
import type { Group, Model, Registry } from '../ir/ir.js';
import { exprToText } from '../ir/printer.js';

export type Change = 'added' | 'removed' | 'meaning' | 'metadata' | 'unchanged';

export interface FeatureChange {
  readonly name: string;
  readonly change: Change;
  readonly before?: string;
  readonly after?: string;
}

export interface GroupChange {
  readonly name: string;
  readonly change: Change;
  readonly oldVersion: string | null;
  readonly newVersion: string | null;
  readonly needsBackfill: boolean;
  readonly features: readonly FeatureChange[];
  readonly metadata: readonly string[];
}

export interface ModelChange {
  readonly name: string;
  readonly change: Change;
  readonly details: readonly string[];
}

export interface RegistryDiff {
  readonly groups: readonly GroupChange[];
  readonly models: readonly ModelChange[];
  readonly hasChanges: boolean;
}

function featureText(g: Group, name: string): string | undefined {
  const f = g.features.find((x) => x.localName === name);
  return f ? `${exprToText(f.expr, g.aggregations)}` : undefined;
}

function metaChanges(a: Group, b: Group): string[] {
  const out: string[] = [];
  if (a.meta.description !== b.meta.description) out.push('description');
  if (a.meta.owner !== b.meta.owner) out.push(`owner ${a.meta.owner ?? '-'} → ${b.meta.owner ?? '-'}`);
  if (a.meta.tags.join(',') !== b.meta.tags.join(',')) out.push(`tags [${a.meta.tags.join(', ')}] → [${b.meta.tags.join(', ')}]`);
  if (a.ttlMs !== b.ttlMs) out.push('ttl');
  for (const f of b.features) {
    const old = a.features.find((x) => x.localName === f.localName);
    if (old && old.description !== f.description) out.push(`description of ${f.localName}`);
  }
  return out;
}

function diffGroup(a: Group | undefined, b: Group | undefined): GroupChange {
  if (!a) {
    return { name: b!.name, change: 'added', oldVersion: null, newVersion: b!.semanticHash, needsBackfill: true, metadata: [],
      features: b!.features.map((f) => ({ name: f.localName, change: 'added', after: featureText(b!, f.localName) })) };
  }
  if (!b) {
    return { name: a.name, change: 'removed', oldVersion: a.semanticHash, newVersion: null, needsBackfill: false, metadata: [],
      features: a.features.map((f) => ({ name: f.localName, change: 'removed', before: featureText(a, f.localName) })) };
  }
  const names = [...new Set([...a.features.map((f) => f.localName), ...b.features.map((f) => f.localName)])].sort();
  const features: FeatureChange[] = names.map((name) => {
    const before = featureText(a, name);
    const after = featureText(b, name);
    const fa = a.features.find((f) => f.localName === name);
    const fb = b.features.find((f) => f.localName === name);
    if (before === undefined) return { name, change: 'added', after };
    if (after === undefined) return { name, change: 'removed', before };
    if (before !== after) return { name, change: 'meaning', before, after };
    if (fa?.description !== fb?.description) return { name, change: 'metadata' };
    return { name, change: 'unchanged' };
  });
  const metadata = metaChanges(a, b);
  const meaning = a.semanticHash !== b.semanticHash;
  return {
    name: a.name,
    change: meaning ? 'meaning' : metadata.length ? 'metadata' : 'unchanged',
    oldVersion: a.semanticHash,
    newVersion: b.semanticHash,
    needsBackfill: meaning,
    features,
    metadata,
  };
}

function diffModel(a: Model | undefined, b: Model | undefined): ModelChange {
  if (!a) return { name: b!.name, change: 'added', details: [] };
  if (!b) return { name: a.name, change: 'removed', details: [] };
  const details: string[] = [];
  const fa = new Set(a.features.map((f) => `${f.outputName}=${f.feature}`));
  const fb = new Set(b.features.map((f) => `${f.outputName}=${f.feature}`));
  for (const x of fb) if (!fa.has(x)) details.push(`+ ${x.split('=')[0]}`);
  for (const x of fa) if (!fb.has(x)) details.push(`- ${x.split('=')[0]}`);
  const da = a.derived.map((d) => `${d.outputName}=${exprToText(d.expr)}`).join(';');
  const db = b.derived.map((d) => `${d.outputName}=${exprToText(d.expr)}`).join(';');
  if (da !== db) details.push('model expressions changed');
  if (details.length) return { name: a.name, change: 'meaning', details };
  const meta = a.meta.description !== b.meta.description || a.meta.owner !== b.meta.owner || a.meta.tags.join() !== b.meta.tags.join();
  return { name: a.name, change: meta ? 'metadata' : 'unchanged', details: meta ? ['metadata'] : [] };
}

export function diffRegistries(before: Registry | null, after: Registry): RegistryDiff {
  const ga = new Map((before?.groups ?? []).map((g) => [g.name, g]));
  const gb = new Map(after.groups.map((g) => [g.name, g]));
  const groups = [...new Set([...ga.keys(), ...gb.keys()])].sort().map((n) => diffGroup(ga.get(n), gb.get(n)));
  const ma = new Map((before?.models ?? []).map((m) => [m.name, m]));
  const mb = new Map(after.models.map((m) => [m.name, m]));
  const models = [...new Set([...ma.keys(), ...mb.keys()])].sort().map((n) => diffModel(ma.get(n), mb.get(n)));
  return { groups, models, hasChanges: [...groups, ...models].some((c) => c.change !== 'unchanged') };
}

const SYMBOL: Record<Change, string> = { added: '+', removed: '-', meaning: '~', metadata: '*', unchanged: ' ' };

export function renderDiff(d: RegistryDiff): string {
  if (!d.hasChanges) return 'No changes: the registry matches the previous build.\n';
  const out: string[] = [];
  for (const g of d.groups) {
    if (g.change === 'unchanged') continue;
    const what = g.change === 'meaning' ? `changed in meaning: new version ${g.newVersion} (was ${g.oldVersion}), needs a backfill`
      : g.change === 'metadata' ? `metadata only (${g.metadata.join('; ')}); same storage`
        : g.change === 'added' ? `new group, version ${g.newVersion}, needs a backfill` : `removed (its tables stay until dropped)`;
    out.push(`${SYMBOL[g.change]} group ${g.name}: ${what}`);
    for (const f of g.features) {
      if (f.change === 'unchanged') continue;
      if (g.change === 'added' || g.change === 'removed') { out.push(`    ${SYMBOL[f.change]} ${f.name}`); continue; }
      const detail = f.change === 'meaning' ? `: ${f.before}  →  ${f.after}` : f.change === 'added' ? ` = ${f.after}` : f.change === 'metadata' ? ' (description)' : '';
      out.push(`    ${SYMBOL[f.change]} ${f.name}${detail}`);
    }
  }
  for (const m of d.models) {
    if (m.change === 'unchanged') continue;
    out.push(`${SYMBOL[m.change]} model ${m.name}: ${m.change}${m.details.length ? ` (${m.details.join(', ')})` : ''}`);
  }
  const backfills = d.groups.filter((g) => g.needsBackfill).length;
  out.push('', `${d.groups.filter((g) => g.change !== 'unchanged').length} group(s) and ${d.models.filter((m) => m.change !== 'unchanged').length} model(s) change; ${backfills} group(s) need a backfill.`);
  return `${out.join('\n')}\n`;
}
