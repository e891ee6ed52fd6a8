/**
 * Point-in-time training sets: the features of a model for every row (keys, t) of a spine,
 * exactly as the features would have been served at t:
 *   - windowed groups: the events with e.ts < t in each sawtooth window
 *     [floor(t, H) - W, t) (point-in-time-sql.ts), straight from the source events;
 *   - snapshot groups: the latest partition ds with ds + 1 day <= t (the world at the end
 *     of day ds serves from the next midnight), looked up by key; null if the key is not in
 *     it, if there is no such partition, or if the group's ttl has run out at t
 *     (t >= ds + 1 day + ttl, as the online store would have expired it).
 *
 * The spine is the table `spine` (`__row`, `__t` and the model's key columns, see
 * runtime/contracts/offline-job.ts). The last step returns `__row` and the model's
 * features in output order, one row per spine row.
 */
import type { Expr, KeySpec, PalType } from '../../../runtime/contracts/index.js';
import { DAY_MS } from '../../../runtime/contracts/index.js';
import type { JobStep, TrainingSetSource } from '../../../runtime/contracts/offline-job.js';
import type { Model, Registry, Source } from '../../ir/ir.js';
import type { SqlDialect } from './dialect.js';
import { ExprPrinter } from './expr-sql.js';
import { GroupSql, lookbackMs, splitTableName } from './group-sql.js';
import { pointInTimeSql } from './point-in-time-sql.js';

export interface TrainingSetSql {
  readonly keys: readonly KeySpec[];
  readonly sources: readonly TrainingSetSource[];
  readonly steps: readonly JobStep[];
  readonly features: readonly { readonly name: string; readonly type: PalType }[];
}

const INDENT = (text: string, n = 2) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');

export function findModel(registry: Registry, name: string): Model {
  const m = registry.models.find((x) => x.name === name);
  if (!m) throw new Error(`palette: registry has no model ${name}`);
  return m;
}

const OWNERS = new WeakMap<Registry, Map<string, { group: Registry['groups'][number]; local: string }>>();

/** Each feature's group and local name by qualified name (once per registry: every model reads it). */
function featureOwners(registry: Registry): Map<string, { group: Registry['groups'][number]; local: string }> {
  let owners = OWNERS.get(registry);
  if (!owners) {
    owners = new Map();
    for (const g of registry.groups) for (const f of g.features) owners.set(f.name, { group: g, local: f.localName });
    OWNERS.set(registry, owners);
  }
  return owners;
}

/** The features of each group a model needs (output features and those its derived expressions read). */
function neededFeatures(registry: Registry, model: Model): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const owners = featureOwners(registry);
  const add = (qualified: string) => {
    const owner = owners.get(qualified);
    if (!owner) throw new Error(`palette: model ${model.name} reads unknown feature ${qualified}`);
    const { group: g, local } = owner;
    if (!out.has(g.name)) out.set(g.name, new Set());
    out.get(g.name)!.add(local);
  };
  for (const f of model.features) add(f.feature);
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'feature': add(e.name); return;
      case 'binary': visit(e.left); visit(e.right); return;
      case 'unary': case 'cast': visit(e.operand); return;
      case 'call': e.args.forEach(visit); return;
      case 'case': e.branches.forEach((b) => { visit(b.when); visit(b.then); }); if (e.else) visit(e.else); return;
      default:
    }
  };
  for (const dv of model.derived) visit(dv.expr);
  return out;
}

export function trainingSetSql(d: SqlDialect, registry: Registry, model: Model): TrainingSetSql {
  const I = (n: string) => d.ident(n);
  const needed = neededFeatures(registry, model);
  const groups = model.groups.map((name) => registry.groups.find((g) => g.name === name)!).filter((g) => needed.has(g.name));
  const keyNames = model.keys.map((k) => k.name);
  const steps: JobStep[] = [];
  const sources = new Map<string, TrainingSetSource>();
  const groupStep = new Map<string, string>();

  steps.push({
    name: '__probes',
    description: 'spine rows as probes',
    sql: `SELECT __row AS __pid, ${keyNames.map(I).join(', ')}, __t, ${d.epochMs('__t')} AS __tms\nFROM spine`,
  });

  groups.forEach((g, gi) => {
    const gs = new GroupSql(d, registry, g);
    const feats = needed.get(g.name)!;
    const keys = gs.keys.map((k) => k.name);
    const stepName = `__g${gi}`;
    groupStep.set(g.name, stepName);
    const src = gs.source;
    if (!src.table) throw new Error(`palette: source ${src.name} has no table`);
    const { database, table } = splitTableName(src.table.name);
    const prev = sources.get(src.name);
    if (g.kind === 'windowed') {
      const aggs = [...gs.aggregationsFor(feats)].sort((a, b) => a - b).map((i) => g.aggregations[i]);
      const lookbacks = aggs.map(lookbackMs);
      const lookback = lookbacks.some((l) => l === null) ? null : Math.max(0, ...(lookbacks as number[]));
      const merged = prev === undefined ? lookback : prev.lookbackMs === null || lookback === null ? null : Math.max(prev.lookbackMs, lookback);
      sources.set(src.name, sourceOf(src, database, table, 'events', merged));
      steps.push({ name: `${stepName}_events`, description: `${g.name}: events`, sql: gs.eventsSql() });
      const pit = pointInTimeSql(d, {
        probes: '__probes', ids: ['__pid'], events: `${stepName}_events`, keys,
        aggregations: aggs.map((s) => ({ spec: s, input: gs.inputColumn[s.index], as: `__a${s.index}` })),
      });
      const featureSql = gs.featureSql((i) => `__a${i}`, feats);
      const cols = [...featureSql.keys()].filter((n) => feats.has(n)).map((n) => {
        const f = g.features.find((x) => x.localName === n)!;
        return `${d.cast(featureSql.get(n)!, d.storageType(f.type))} AS ${I(n)}`;
      });
      steps.push({
        name: stepName,
        description: `${g.name}: ${aggs.length} aggregation(s) at each row's time`,
        sql: `SELECT __pid, ${cols.join(',\n       ')}\nFROM (\n${INDENT(pit)}\n)`,
      });
    } else {
      sources.set(src.name, sourceOf(src, database, table, 'snapshot', null));
      const keyCols = keys.map(I);
      const feat = [...feats].map(I);
      // The ttl test stays out of the join condition: with only equalities it is a hash join.
      const live = g.ttlMs === null ? null : `pick.__tms < (${d.dayNumber('pick.__snap')} + 1) * ${DAY_MS} + ${d.integer(g.ttlMs)}`;
      const value = (f: string) => (live === null ? `r.${f}` : `CASE WHEN ${live} THEN r.${f} END AS ${f}`);
      const pick = d.asofJoin
        ? `SELECT p.__pid, ${keyCols.map((k) => `p.${k}`).join(', ')}, p.__tms, s.__snap\n  FROM __probes p ASOF LEFT JOIN snaps s ON p.__t >= s.__from`
        : `SELECT p.__pid, ${keyCols.map((k) => `p.${k}`).join(', ')}, p.__tms, max(s.__snap) AS __snap\n  FROM __probes p LEFT JOIN snaps s ON p.__t >= s.__from\n  GROUP BY p.__pid, ${keyCols.map((k) => `p.${k}`).join(', ')}, p.__tms`;
      const sql = [
        'WITH rows AS (',
        `  -- one row per key and partition: duplicates resolved by the smallest feature values`,
        `  SELECT * FROM (`,
        `    SELECT *, row_number() OVER (PARTITION BY ${[...keyCols, '__snap'].join(', ')} ORDER BY ${feat.join(', ')}) AS __rn`,
        `    FROM (\n${INDENT(gs.snapshotRowsSql(), 6)}\n    )`,
        '  ) WHERE __rn = 1',
        '),',
        'snaps AS (',
        `  SELECT __snap, CAST(__snap + 1 AS TIMESTAMP) AS __from`,
        `  FROM (SELECT DISTINCT CAST(${I(gs.partitionColumn)} AS DATE) AS __snap FROM ${gs.sourceTable})`,
        '),',
        'pick AS (',
        `  ${pick}`,
        ')',
        `SELECT pick.__pid, ${feat.map(value).join(', ')}`,
        'FROM pick LEFT JOIN rows r',
        `  ON ${keyCols.map((k) => `r.${k} = pick.${k}`).join(' AND ')} AND r.__snap = pick.__snap`,
      ].join('\n');
      steps.push({ name: stepName, description: `${g.name}: latest snapshot before each row's time`, sql });
    }
  });

  // The model's output: its features in order, then its derived features.
  const columnOf = (qualified: string): string => {
    for (const g of groups) {
      const f = g.features.find((x) => x.name === qualified);
      if (f) return `${groupStep.get(g.name)}.${I(f.localName)}`;
    }
    throw new Error(`palette: model ${model.name} reads unknown feature ${qualified}`);
  };
  const typeOf = (qualified: string) => {
    for (const g of groups) {
      const f = g.features.find((x) => x.name === qualified);
      if (f) return f.type;
    }
    throw new Error(`palette: unknown feature ${qualified}`);
  };
  const printer = new ExprPrinter(d, { column: (n) => { throw new Error(`palette: model expression reads column ${n}`); }, feature: columnOf });
  const outputs = [
    ...model.features.map((f) => ({ name: f.outputName, sql: columnOf(f.feature), type: typeOf(f.feature) })),
    ...model.derived.map((dv) => ({ name: dv.outputName, sql: d.cast(printer.print(dv.expr), d.storageType(dv.type)), type: dv.type })),
  ];
  const joins = groups.map((g) => `LEFT JOIN ${groupStep.get(g.name)} USING (__pid)`);
  steps.push({
    name: '__training_set',
    description: `${model.name}: ${outputs.length} feature(s) per spine row`,
    sql: `SELECT __pid AS __row, ${outputs.map((o) => `${o.sql} AS ${I(o.name)}`).join(',\n       ')}\nFROM __probes\n${joins.join('\n')}\nORDER BY __row`,
  });
  return { keys: model.keys, sources: [...sources.values()], steps, features: outputs.map((o) => ({ name: o.name, type: o.type })) };
}

function sourceOf(src: Source, database: string, table: string, kind: 'events' | 'snapshot', lookback: number | null): TrainingSetSource {
  return {
    source: src.name, kind, database, table, partitionColumn: src.table!.partition,
    columns: src.fields.map((f) => ({ name: f.name, type: f.type })), lookbackMs: kind === 'snapshot' ? 0 : lookback,
  };
}
