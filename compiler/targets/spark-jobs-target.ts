/**
 * Spark jobs: one PySpark script per group (backfill: tiles and daily state for --from/--to)
 * and one per model (training set: spine → Hive table), written to spark/. Each script is
 * self-contained and meant to be read, reviewed and submitted by a data team's own
 * scheduler: the SQL is the shared emitter's (compiler/targets/sql/) in the Spark dialect,
 * and everything Palette's CLI does around it (partition and type checks, parameters,
 * INSERT OVERWRITE per ds partition, progress) is in the script, not in Palette's process.
 *
 * Progress and errors go to stdout as lines `PALETTE {json}` (events: note, step, stage,
 * rows, day, done, error), which `palette backfill --engine spark` (runtime/offline/
 * spark-submit.ts) turns into progress and a clear error; on their own they read as a log.
 *
 * Read range of a backfill: the source days [from - historyDays, to + afterDays] (or every
 * partition up to to + afterDays for lifetime windows), decided here from the windows;
 * reading a little more history than a window needs never changes a value (the SQL bounds
 * every window), so the range is a conservative whole-day bound.
 */
import { DAY_MS, type PalType } from '../../runtime/contracts/index.js';
import type { JobStep } from '../../runtime/contracts/offline-job.js';
import type { Group, Model, Registry } from '../ir/ir.js';
import { backfillSql } from './sql/offline-jobs.js';
import { splitTableName } from './sql/group-sql.js';
import { SPARK, sparkSourceView } from './sql/spark-dialect.js';
import { trainingSetSql } from './sql/training-set-sql.js';
import { type Artifact, type Target, defineTarget } from './target.js';
import { hiveType } from './type-mapping.js';
import { SPARK_JOB_RUNTIME } from './spark-job-runtime.js';

/** File name of a group's backfill job and a model's training-set job (inside spark/). */
export function backfillJobPath(groupName: string): string {
  return `spark/backfill_${groupName.replace(/[^A-Za-z0-9]/g, '_')}.py`;
}

export function trainingSetJobPath(modelName: string): string {
  return `spark/training_set_${modelName.replace(/[^A-Za-z0-9]/g, '_')}.py`;
}

/** A Python string literal holding `text` (a raw triple-quoted block when that is exact). */
function pyString(text: string): string {
  if (!text.includes('"""') && !text.includes('\r')) return `r"""\n${text}\n"""`;
  return JSON.stringify(text);
}

function pyValue(v: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => pyValue(x)).join(', ')}]`;
    return `[\n${v.map((x) => `${pad}    ${pyValue(x, indent + 4)},`).join('\n')}\n${pad}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${pyValue(x, indent)}`).join(', ')}}`;
}

/** The Spark (Hive) type name of a Palette type as `DataType.simpleString()` prints it. */
export function sparkTypeName(t: PalType): string {
  return hiveType(t).toLowerCase();
}

function stepsBlock(steps: readonly JobStep[]): string {
  return `STEPS = [\n${steps.map((s) => `    (${JSON.stringify(s.name)}, ${JSON.stringify(s.description)}, ${pyString(s.sql)}),`).join('\n')}\n]`;
}

function sourceEntry(registry: Registry, sourceName: string, extra: Record<string, unknown>): Record<string, unknown> {
  const src = registry.sources.find((s) => s.name === sourceName)!;
  const { database, table } = splitTableName(src.table!.name);
  return {
    source: src.name, kind: src.kind, database, table, view: sparkSourceView(database, table), partition: src.table!.partition,
    columns: src.fields.map((f) => [f.name, sparkTypeName(f.type)]),
    ...extra,
  };
}

function header(lines: string[]): string {
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n');
}

export function backfillJob(registry: Registry, group: Group): string {
  const sql = backfillSql(SPARK, registry, group);
  let historyDays = 0;
  let afterDays = 0;
  let lifetime = false;
  for (const a of group.aggregations) {
    // A tile that starts on --to can end after it when the hop does not divide a day.
    if (DAY_MS % a.window.hopMs !== 0) afterDays = Math.max(afterDays, Math.ceil(a.window.hopMs / DAY_MS));
    if (a.window.kind === 'lifetime') lifetime = true;
    else historyDays = Math.max(historyDays, Math.ceil((a.window.sizeMs + a.window.hopMs) / DAY_MS));
  }
  const source = sourceEntry(registry, group.source, group.kind === 'windowed'
    ? { history_days: historyDays, after_days: afterDays, lifetime }
    : { history_days: 0, after_days: 0, lifetime: false });
  const outputs = sql.outputs.map((o) => ({
    step: o.step, database: o.table.database, table: o.table.table,
    columns: o.table.columns.map((c) => c.name),
  }));
  const tables = sql.outputs.map((o) => `${o.table.database}.${o.table.table}`);
  return [
    '#!/usr/bin/env python3',
    header([
      `Palette backfill job for group ${group.name} (${group.kind}).`,
      `Defined in ${group.span.file}:${group.span.line}; semantic hash ${group.semanticHash}.`,
      'Generated by `palette compile` (target spark-jobs): do not edit, change the definition and recompile.',
      '',
      `Reads  ${source.database}.${source.table} (partitioned by ${source.partition})` +
        (group.kind === 'windowed' ? (lifetime ? ', every partition up to --to (lifetime windows)' : `, from ${historyDays} day(s) before --from (window history)`) : ', the partitions --from..--to'),
      `Writes ${tables.join(', ')}:`,
      '       partition ds of every day in [--from, --to], each replaced with INSERT OVERWRITE (a re-run replaces it).',
      '       One INSERT OVERWRITE per table swaps the partitions in only when all are computed: a failure leaves the previous ones.',
      '',
      'Usage:',
      `  spark-submit --master local[*] ${backfillJobPath(group.name).slice('spark/'.length)} --from 2024-01-01 --to 2024-01-31`,
      'The Spark session must use the Hive catalog that holds the source and Palette tables (`palette apply` creates the latter).',
    ]),
    '',
    `KIND = "backfill"`,
    `NAME = ${JSON.stringify(group.name)}`,
    `VERSION = ${JSON.stringify(group.semanticHash)}`,
    `SOURCES = ${pyValue([source])}`,
    `OUTPUTS = ${pyValue(outputs)}`,
    `INPUT_STEP = ${JSON.stringify(sql.inputStep)}`,
    sql.checks.length === 0 ? 'CHECKS = []' : `CHECKS = [\n${sql.checks.map((c) => `    (${JSON.stringify(c.message)}, ${pyString(c.sql)}),`).join('\n')}\n]`,
    stepsBlock(sql.steps),
    '',
    SPARK_JOB_RUNTIME,
  ].join('\n');
}

export function trainingSetJob(registry: Registry, model: Model): string {
  const t = trainingSetSql(SPARK, registry, model);
  const sources = t.sources.map((s) => sourceEntry(registry, s.source, { lookback_ms: s.lookbackMs }));
  return [
    '#!/usr/bin/env python3',
    header([
      `Palette training-set job for model ${model.name}.`,
      `Defined in ${model.span.file}:${model.span.line}; registry ${registry.registryHash}.`,
      'Generated by `palette compile` (target spark-jobs): do not edit, change the definition and recompile.',
      '',
      'Point-in-time join: for every spine row (keys, t) the features as served at t (events with ts < t in',
      'each sawtooth window; the latest snapshot partition ds with ds + 1 day <= t).',
      `Reads  ${sources.map((s) => `${String(s.database)}.${String(s.table)}`).join(', ')} (the partitions the spine's times need) and the spine`,
      '       (a Hive table or a .parquet/.csv file with the key columns and a time column).',
      'Writes --output-table (replaced): the spine\'s columns, then the features in model order.',
      '',
      'Usage:',
      `  spark-submit --master local[*] ${trainingSetJobPath(model.name).slice('spark/'.length)} --spine db.spine_table --at ts --output-table db.training_rows`,
    ]),
    '',
    `KIND = "training_set"`,
    `NAME = ${JSON.stringify(model.name)}`,
    `VERSION = ${JSON.stringify(registry.registryHash)}`,
    `KEYS = ${pyValue(t.keys.map((k) => [k.name, sparkTypeName(k.type)]))}`,
    `SOURCES = ${pyValue(sources)}`,
    `FEATURES = ${pyValue(t.features.map((f) => [f.name, sparkTypeName(f.type)]))}`,
    stepsBlock(t.steps),
    '',
    SPARK_JOB_RUNTIME,
  ].join('\n');
}

export const sparkJobsTarget: Target = defineTarget({
  name: 'spark-jobs',
  description: 'PySpark jobs: a backfill per group (tiles and daily state in Hive) and a training set per model',
  *artifacts(registry: Registry): Generator<Artifact> {
    for (const g of registry.groups) {
      const src = registry.sources.find((s) => s.name === g.source);
      if (!src?.table) continue;
      yield { path: backfillJobPath(g.name), content: backfillJob(registry, g) };
    }
    for (const m of registry.models) yield { path: trainingSetJobPath(m.name), content: trainingSetJob(registry, m) };
  },
});
