/**
 * The serving catalog: the loaded manifest indexed for requests. It resolves what a request
 * names (a model, or a list of features and `group.*` selections) into a FetchPlan: which
 * groups to read with which keys, which values to return under which names, and which
 * model-level expressions to compute after the reads.
 *
 * Names: a model, group or feature is found by its qualified name (`rides.eta_v3`,
 * `rides.driver_trip_stats`, `rides.driver_trip_stats.trips_7d`) or by the name without
 * the namespace when that is unique across namespaces (`eta_v3`, `driver_trip_stats.trips_7d`).
 *
 * Everything here is built once at start (evaluators, compiled expressions, model plans), so
 * a request only does map lookups.
 */
import type { KeySpec } from '../runtime/contracts/group-runtime.js';
import type { ServedModel, ServingManifest } from '../runtime/contracts/manifest.js';
import { type Expr, typeToString } from '../runtime/contracts/index.js';
import { type CompiledExpr, compileExpr } from '../runtime/expr/index.js';
import { GroupEvaluator } from '../runtime/serving/group-evaluator.js';
import { RequestError, closest } from './request-error.js';

type ManifestGroup = ServingManifest['groups'][number];

export interface ServedGroup {
  readonly name: string;
  readonly version: string;
  readonly kind: 'windowed' | 'snapshot';
  readonly runtime: ManifestGroup;
  readonly evaluator: GroupEvaluator;
  /** Key names of the group's entity, in key order (the partition key order). */
  readonly keyNames: readonly string[];
  /** Snapshot groups: how long an uploaded value stays servable; null = no limit. */
  readonly ttlMs: number | null;
}

export interface PlannedOutput {
  readonly outputName: string;
  readonly qualifiedName: string;
  /** Index into FetchPlan.groups. */
  readonly group: number;
  /** Local feature name within its group (GroupValues.values key). */
  readonly localName: string;
}

export interface PlannedDerived {
  readonly outputName: string;
  readonly fn: CompiledExpr;
  /** FetchPlan.groups indexes whose values the expression reads (its status follows theirs). */
  readonly groups: readonly number[];
  /** Earlier derived outputs it reads. */
  readonly derived: readonly string[];
}

export interface FetchPlan {
  readonly kind: 'model' | 'features';
  /** The model's qualified name; null for a feature list. */
  readonly model: string | null;
  /** Keys each entity must give, by name. */
  readonly keys: readonly KeySpec[];
  readonly groups: readonly ServedGroup[];
  readonly outputs: readonly PlannedOutput[];
  readonly derived: readonly PlannedDerived[];
  /** Output names in response order: features, then derived. */
  readonly outputNames: readonly string[];
}

/** What `GET /v1/catalog` returns: enough to build a request. */
export interface CatalogSummary {
  readonly registryHash: string;
  readonly models: readonly { name: string; description: string | null; keys: { name: string; type: string }[]; outputs: string[] }[];
  readonly groups: readonly { name: string; version: string; kind: string; keys: { name: string; type: string }[]; features: string[] }[];
}

/** Index of names: qualified → item, and unqualified → qualified names (ambiguous when more than one). */
class NameIndex<T> {
  private readonly byQualified = new Map<string, T>();
  private readonly byShort = new Map<string, string[]>();

  add(qualified: string, item: T): void {
    this.byQualified.set(qualified, item);
    const short = qualified.slice(qualified.indexOf('.') + 1);
    const list = this.byShort.get(short) ?? [];
    list.push(qualified);
    this.byShort.set(short, list);
  }

  /** The item, `ambiguous` with the candidates, or undefined. */
  find(name: string): { item: T; qualified: string } | { ambiguous: string[] } | undefined {
    const q = this.byQualified.get(name);
    if (q !== undefined) return { item: q, qualified: name };
    const list = this.byShort.get(name);
    if (!list) return undefined;
    if (list.length > 1) return { ambiguous: list };
    return { item: this.byQualified.get(list[0])!, qualified: list[0] };
  }

  names(): string[] {
    return [...this.byQualified.keys()];
  }
}

/** Qualified feature names an expression refers to, and bare names (earlier derived outputs). */
function featureRefs(e: Expr, out: Set<string>): Set<string> {
  const walk = (x: Expr): void => {
    switch (x.kind) {
      case 'feature': out.add(x.name); return;
      case 'call': x.args.forEach(walk); return;
      case 'binary': walk(x.left); walk(x.right); return;
      case 'unary': walk(x.operand); return;
      case 'cast': walk(x.operand); return;
      case 'case':
        for (const b of x.branches) { walk(b.when); walk(b.then); }
        if (x.else) walk(x.else);
        return;
      default: return;
    }
  };
  walk(e);
  return out;
}

export class ServingCatalog {
  readonly registryHash: string;
  private readonly groups = new NameIndex<ServedGroup>();
  private readonly models = new NameIndex<FetchPlan>();
  private readonly features = new NameIndex<{ group: ServedGroup; localName: string }>();
  private readonly modelInfo: ServedModel[];

  constructor(readonly manifest: ServingManifest) {
    this.registryHash = manifest.registryHash;
    for (const g of manifest.groups) {
      const served: ServedGroup = {
        name: g.name, version: g.version, kind: g.kind, runtime: g, evaluator: new GroupEvaluator(g),
        keyNames: g.entity.keys.map((k) => k.name), ttlMs: g.servingTtlMs ?? null,
      };
      this.groups.add(g.name, served);
      for (const f of g.features) this.features.add(f.qualifiedName, { group: served, localName: f.name });
    }
    this.modelInfo = [...manifest.models];
    for (const m of manifest.models) this.models.add(m.name, this.planModel(m));
  }

  /** A model's plan, by qualified name or unique local name. */
  model(name: string): FetchPlan {
    const found = this.models.find(name);
    if (found === undefined) {
      const hint = closest(name, this.models.names());
      throw new RequestError('unknown_model', `no model called \`${name}\``, hint ? `did you mean \`${hint}\`?` : `models: ${this.models.names().join(', ') || '(none)'}`);
    }
    if ('ambiguous' in found) throw new RequestError('ambiguous_model', `\`${name}\` names more than one model: ${found.ambiguous.join(', ')}`, 'use the qualified name');
    return found.item;
  }

  group(name: string): ServedGroup {
    const found = this.groups.find(name);
    if (found === undefined) {
      const hint = closest(name, this.groups.names());
      throw new RequestError('unknown_group', `no group called \`${name}\``, hint ? `did you mean \`${hint}\`?` : undefined);
    }
    if ('ambiguous' in found) throw new RequestError('ambiguous_feature', `\`${name}\` names more than one group: ${found.ambiguous.join(', ')}`, 'use the qualified name');
    return found.item;
  }

  /**
   * A plan for a list of features (`ns.group.feature`, `group.feature`, or `group.*` for all
   * of a group's features). Each value is returned under the name as the request spelled it
   * (`group.*` expands to `<spelling>.<feature>`).
   */
  featureList(names: readonly string[]): FetchPlan {
    const groups: ServedGroup[] = [];
    const outputs: PlannedOutput[] = [];
    const seen = new Map<string, string>(); // qualified feature → spelling that asked for it
    const groupIndex = (g: ServedGroup): number => {
      let i = groups.indexOf(g);
      if (i < 0) { groups.push(g); i = groups.length - 1; }
      return i;
    };
    const add = (spelling: string, qualified: string, g: ServedGroup, localName: string) => {
      const prev = seen.get(qualified);
      if (prev !== undefined) {
        throw new RequestError('invalid_request', `feature \`${qualified}\` is asked for twice (\`${prev}\` and \`${spelling}\`)`, 'list each feature once');
      }
      seen.set(qualified, spelling);
      outputs.push({ outputName: spelling, qualifiedName: qualified, group: groupIndex(g), localName });
    };
    for (const name of names) {
      if (name.endsWith('.*')) {
        const g = this.group(name.slice(0, -2));
        for (const f of g.runtime.features) add(`${name.slice(0, -2)}.${f.name}`, f.qualifiedName, g, f.name);
        continue;
      }
      const found = this.features.find(name);
      if (found === undefined) {
        const hint = closest(name, this.features.names());
        throw new RequestError('unknown_feature', `no feature called \`${name}\``, hint ? `did you mean \`${hint}\`?` : 'write `namespace.group.feature` or `group.*`');
      }
      if ('ambiguous' in found) throw new RequestError('ambiguous_feature', `\`${name}\` names more than one feature: ${found.ambiguous.join(', ')}`, 'use the qualified name');
      add(name, found.qualified, found.item.group, found.item.localName);
    }
    const keys = unionKeys(groups);
    return { kind: 'features', model: null, keys, groups, outputs, derived: [], outputNames: outputs.map((o) => o.outputName) };
  }

  summary(): CatalogSummary {
    const keyList = (keys: readonly KeySpec[]) => keys.map((k) => ({ name: k.name, type: typeToString(k.type) }));
    return {
      registryHash: this.registryHash,
      models: this.modelInfo.map((m) => ({
        name: m.name, description: m.description, keys: keyList(m.keys), outputs: [...this.model(m.name).outputNames],
      })),
      groups: this.manifest.groups.map((g) => ({
        name: g.name, version: g.version, kind: g.kind, keys: keyList(g.entity.keys), features: g.features.map((f) => f.qualifiedName),
      })),
    };
  }

  private planModel(m: ServedModel): FetchPlan {
    const groups: ServedGroup[] = [];
    const idx = (name: string): number => {
      const found = this.groups.find(name);
      if (!found || 'ambiguous' in found) throw new Error(`serving manifest: model ${m.name} reads unknown group ${name}`);
      let i = groups.indexOf(found.item);
      if (i < 0) { groups.push(found.item); i = groups.length - 1; }
      return i;
    };
    for (const g of m.groups) idx(g);
    const featureGroup = (qualified: string): { group: number; localName: string } => {
      const f = this.features.find(qualified);
      if (!f || 'ambiguous' in f || f.qualified !== qualified) throw new Error(`serving manifest: model ${m.name} uses unknown feature ${qualified}`);
      return { group: idx(f.item.group.name), localName: f.item.localName };
    };
    const outputs: PlannedOutput[] = m.features.map((f) => ({ outputName: f.outputName, qualifiedName: f.feature, ...featureGroup(f.feature) }));
    const derived: PlannedDerived[] = [];
    const derivedNames = new Set<string>();
    for (const d of m.derived) {
      const refs = featureRefs(d.expr, new Set());
      const gs = new Set<number>();
      const ds: string[] = [];
      for (const r of refs) {
        if (derivedNames.has(r)) ds.push(r);
        else gs.add(featureGroup(r).group);
      }
      derived.push({ outputName: d.outputName, fn: compileExpr(d.expr), groups: [...gs], derived: ds });
      derivedNames.add(d.outputName);
    }
    // The manifest's keys are the compiler's union; check they cover every group read.
    const keys = [...m.keys];
    for (const g of groups) {
      for (const k of g.runtime.entity.keys) {
        if (!keys.some((x) => x.name === k.name)) throw new Error(`serving manifest: model ${m.name} lacks key ${k.name} of group ${g.name}`);
      }
    }
    return {
      kind: 'model', model: m.name, keys, groups, outputs, derived,
      outputNames: [...outputs.map((o) => o.outputName), ...derived.map((d) => d.outputName)],
    };
  }
}

/** The keys of several groups, by name; one name with two types cannot be served in one request. */
function unionKeys(groups: readonly ServedGroup[]): KeySpec[] {
  const keys: KeySpec[] = [];
  const from = new Map<string, string>();
  for (const g of groups) {
    for (const k of g.runtime.entity.keys) {
      const prev = keys.find((x) => x.name === k.name);
      if (!prev) { keys.push(k); from.set(k.name, g.name); continue; }
      if (typeToString(prev.type) !== typeToString(k.type)) {
        throw new RequestError('invalid_request',
          `key \`${k.name}\` is ${typeToString(prev.type)} in ${from.get(k.name)} but ${typeToString(k.type)} in ${g.name}`,
          'ask for these features in separate requests');
      }
    }
  }
  return keys;
}
