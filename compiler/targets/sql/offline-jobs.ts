/**
 * Offline jobs (runtime/contracts/offline-job.ts) from the IR: the SQL of a backfill or a
 * training set plus what it reads and writes. The SQL text of a job does not depend on the
 * date range (it reads `from_ds`/`to_ds` as parameters); only the source partitions to read
 * do, and planBackfill decides them here, from the windows.
 */
import { DAY_MS } from '../../../runtime/contracts/index.js';
import type { BackfillJob, Day, JobCheck, JobStep, SourceRead, TrainingSetJob } from '../../../runtime/contracts/offline-job.js';
import type { OfflineTable } from '../../../runtime/contracts/index.js';
import type { Group, Registry } from '../../ir/ir.js';
import type { SqlDialect } from './dialect.js';
import { GroupSql, splitTableName } from './group-sql.js';
import { helperPrelude } from './script.js';
import { findModel, trainingSetSql } from './training-set-sql.js';

/** The range-independent part of a backfill: its SQL and what it writes. */
export interface BackfillSql {
  readonly prelude: readonly string[];
  readonly steps: readonly JobStep[];
  readonly checks: readonly JobCheck[];
  readonly outputs: readonly { readonly step: string; readonly table: OfflineTable }[];
  readonly inputStep: string;
}

export function backfillSql(d: SqlDialect, registry: Registry, group: Group): BackfillSql {
  const gs = new GroupSql(d, registry, group);
  const daily = group.layout.offline.daily;
  if (group.kind === 'snapshot') {
    const steps: JobStep[] = [{ name: '__daily', description: `${group.name}: feature values of each partition`, sql: gs.snapshotDailySql() }];
    const checks: JobCheck[] = [{
      sql: gs.snapshotDuplicatesSql(),
      message: `${gs.source.table!.name}: a snapshot must have one row per ${gs.keys.map((k) => k.name).join(', ')} in each partition`,
    }];
    return { prelude: helperPrelude(d, [...steps.map((s) => s.sql), ...checks.map((c) => c.sql)]), steps, checks, outputs: [{ step: '__daily', table: daily }], inputStep: '__daily' };
  }
  const tiles = group.layout.offline.tiles!;
  const steps: JobStep[] = [
    { name: '__events', description: `${group.name}: events of ${gs.source.name}`, sql: gs.eventsSql() },
    { name: '__tiles', description: `${group.name}: tiles`, sql: gs.tilesSql('__events') },
    { name: '__daily', description: `${group.name}: daily feature state`, sql: gs.dailySql('__events') },
  ];
  return {
    prelude: helperPrelude(d, steps.map((s) => s.sql)),
    steps,
    checks: [],
    outputs: [{ step: '__tiles', table: tiles }, { step: '__daily', table: daily }],
    inputStep: '__events',
  };
}

// ------------------------------------------------------------------ days

export function dayMs(day: Day): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`not a day (YYYY-MM-DD): ${day}`);
  }
  return ms;
}

export function msDay(ms: number): Day {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

function floorTo(v: number, h: number): number {
  const r = v % h;
  return r === 0 ? v : r > 0 ? v - r : v - r - h;
}

function duration(ms: number): string {
  for (const [size, unit] of [[DAY_MS, 'd'], [3_600_000, 'h'], [60_000, 'm']] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * The source days a windowed backfill of [from, to] reads: tiles need the days of their
 * events (past `to` when a hop does not divide a day); the daily state at from + 1 day
 * needs the longest window before it (lifetime windows: every partition).
 */
export function backfillReadRange(group: Group, from: Day, to: Day): { from: Day | null; to: Day; reason: string } {
  const fromMs = dayMs(from);
  const toEnd = dayMs(to) + DAY_MS;
  let start = fromMs;
  let end = toEnd;
  let longest = 0;
  let lifetime = false;
  for (const a of group.aggregations) {
    const h = a.window.hopMs;
    end = Math.max(end, floorTo(toEnd - 1, h) + h);
    if (a.window.kind === 'lifetime') lifetime = true;
    else {
      start = Math.min(start, floorTo(fromMs + DAY_MS, h) - a.window.sizeMs);
      longest = Math.max(longest, a.window.sizeMs);
    }
  }
  const readTo = msDay(end - 1);
  const after = readTo > to ? `; tiles of hops that do not divide a day need events up to ${readTo}` : '';
  if (lifetime) return { from: null, to: readTo, reason: `lifetime windows read every partition up to ${readTo}${after}` };
  const readFrom = msDay(start);
  const before = readFrom < from ? `windows up to ${duration(longest)} need history from ${readFrom}` : 'no history needed';
  return { from: readFrom, to: readTo, reason: `${before}${after}` };
}

export function planBackfill(d: SqlDialect, registry: Registry, group: Group, from: Day, to: Day): BackfillJob {
  if (dayMs(from) > dayMs(to)) throw new RangeError(`--from ${from} is after --to ${to}`);
  const gs = new GroupSql(d, registry, group);
  const src = gs.source;
  if (!src.table) throw new Error(`palette: source ${src.name} has no table`);
  const { database, table } = splitTableName(src.table.name);
  const range = group.kind === 'windowed' ? backfillReadRange(group, from, to) : { from, to, reason: 'one snapshot partition per day' };
  const read: SourceRead = {
    source: src.name, kind: src.kind, database, table, partitionColumn: src.table.partition,
    columns: src.fields.map((f) => ({ name: f.name, type: f.type })),
    from: range.from, to: range.to, requiredFrom: from, reason: range.reason,
  };
  const sql = backfillSql(d, registry, group);
  return { group: group.name, version: group.semanticHash, from, to, sources: [read], ...sql };
}

export function planTrainingSet(d: SqlDialect, registry: Registry, modelName: string): TrainingSetJob {
  const model = findModel(registry, modelName);
  const t = trainingSetSql(d, registry, model);
  return {
    model: model.name,
    keys: t.keys,
    sources: t.sources,
    prelude: helperPrelude(d, t.steps.map((s) => s.sql)),
    steps: t.steps,
    features: t.features,
  };
}
