/**
 * Running offline jobs from the CLI: name resolution (group or model), planning the jobs
 * (compiler/targets/sql) and handing them to the embedded engine (runtime/offline), with a
 * progress bar on a terminal. Shared by `palette backfill`, `palette training-set` and
 * `palette quickstart`. The engine, DuckDB, Arrow and cli-progress load on first use.
 */
import type { Group, Model, Registry } from '../ir/ir.js';
import type { PaletteConfig } from '../../runtime/config/palette-config.js';
import type { Day } from '../../runtime/contracts/offline-job.js';
import { UserError } from '../../runtime/errors.js';
import { DUCKDB } from '../targets/sql/duckdb-dialect.js';
import { dayMs, planBackfill, planTrainingSet } from '../targets/sql/offline-jobs.js';
import type { BackfillResult, JobReporter, TrainingSetResult } from '../../runtime/offline/duckdb-engine.js';

/** A group or a model by qualified or local name. */
export function resolveTarget(registry: Registry, name: string): { kind: 'group'; group: Group } | { kind: 'model'; model: Model } {
  const groups = registry.groups.filter((g) => g.name === name || g.localName === name);
  const models = registry.models.filter((m) => m.name === name || m.localName === name);
  const exact = [...groups.filter((g) => g.name === name), ...models.filter((m) => m.name === name)];
  const found = exact.length === 1 ? exact : [...groups, ...models];
  if (found.length === 0) {
    throw new UserError(`no group or model called \`${name}\``,
      `groups: ${registry.groups.map((g) => g.name).join(', ') || '(none)'}; models: ${registry.models.map((m) => m.name).join(', ') || '(none)'}`);
  }
  if (found.length > 1) throw new UserError(`\`${name}\` is ambiguous: ${found.map((x) => x.name).join(', ')}`, 'use the qualified name');
  const g = groups.find((x) => x === found[0]);
  return g ? { kind: 'group', group: g } : { kind: 'model', model: found[0] as Model };
}

export function resolveModel(registry: Registry, name: string): Model {
  const t = resolveTarget(registry, name);
  if (t.kind !== 'model') throw new UserError(`\`${name}\` is a group, not a model`, `models: ${registry.models.map((m) => m.name).join(', ') || '(none)'}`);
  return t.model;
}

export function checkDay(flag: string, value: string | undefined): Day {
  if (value === undefined) throw new UserError(`${flag} is required (a day, YYYY-MM-DD)`);
  try {
    dayMs(value);
  } catch {
    throw new UserError(`${flag} ${value} is not a day`, 'write days as YYYY-MM-DD, e.g. 2026-01-31');
  }
  return value;
}

export function checkEngine(config: PaletteConfig, flag: string | undefined): 'duckdb' | 'spark' {
  const engine = flag ?? config.offline.engine;
  if (engine === 'duckdb' || engine === 'spark') return engine;
  throw new UserError(`unknown engine \`${engine}\``, 'engines: duckdb, spark');
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function daysIn(from: Day, to: Day): number {
  return Math.round((dayMs(to) - dayMs(from)) / 86_400_000) + 1;
}

/**
 * A progress bar on stderr when it is a terminal (plain lines otherwise, or nothing if
 * quiet). Backfills count days (a day is done when its partitions are swapped in); training
 * sets count steps.
 */
async function progressReporter(label: string, unit: string, quiet: boolean, total: { n: number; of: 'days' | 'steps' }): Promise<{ reporter: JobReporter; stop(): void }> {
  const started = Date.now();
  if (!process.stderr.isTTY) {
    return {
      reporter: {
        note: (m) => { if (!quiet) process.stderr.write(`  ${m}\n`); },
        step: (d) => { if (!quiet) process.stderr.write(`  ${d}...\n`); },
      },
      stop() {},
    };
  }
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} ${total.of} | {phase} | {rows} ${unit} | {rate} ${unit}/s`,
    stream: process.stderr, hideCursor: true, barsize: 24, clearOnComplete: false,
  });
  let running = false;
  let rows = 0;
  let steps = 0;
  let phase = 'starting';
  const payload = () => ({ phase, rows: fmt(rows), rate: rows > 0 ? fmt(rows / Math.max(0.001, (Date.now() - started) / 1000)) : '-' });
  const ensure = () => {
    if (!running) { bar.start(total.n, 0, payload()); running = true; }
  };
  return {
    reporter: {
      note: (m) => { if (running) bar.update(payload()); else if (!quiet) process.stderr.write(`  ${m}\n`); },
      step: (d) => {
        phase = d;
        ensure();
        if (total.of === 'steps') bar.update(Math.min(total.n, steps++), payload());
        else bar.update(payload());
      },
      computing: (f) => { ensure(); bar.update({ ...payload(), phase: `${phase} ${Math.round(f * 100)}%` }); },
      inputRows: (n) => { rows = n; ensure(); bar.update(payload()); },
      dayDone: (_day, done) => { ensure(); phase = 'swapping partitions in'; bar.update(done, payload()); },
    },
    stop() {
      if (!running) return;
      if (total.of === 'steps') bar.update(total.n, payload());
      bar.stop();
    },
  };
}

/** Backfills each group for [from, to] on the embedded engine; prints what it did. */
export async function backfillGroups(config: PaletteConfig, registry: Registry, groups: readonly Group[], from: Day, to: Day, opts: { quiet?: boolean } = {}): Promise<BackfillResult[]> {
  const { DuckDbOfflineEngine } = await import('../../runtime/offline/duckdb-engine.js');
  const engine = new DuckDbOfflineEngine(config.offline.path);
  const results: BackfillResult[] = [];
  for (const g of groups) {
    let job;
    try {
      job = planBackfill(DUCKDB, registry, g, from, to);
    } catch (e) {
      if (e instanceof RangeError) throw new UserError(e.message);
      throw e;
    }
    if (!opts.quiet) process.stderr.write(`backfill ${g.name} ${from} to ${to}\n`);
    const progress = await progressReporter(g.localName, g.kind === 'windowed' ? 'events' : 'rows', !!opts.quiet, { n: job.sources.length > 0 ? daysIn(from, to) : 0, of: 'days' });
    let r: BackfillResult;
    try {
      r = await engine.backfill(job, progress.reporter);
    } finally {
      progress.stop();
    }
    results.push(r);
    if (!opts.quiet) {
      const rate = r.inputRows / Math.max(0.001, r.seconds);
      process.stdout.write(`backfilled ${g.name}: ${r.days} day(s), ${fmt(r.inputRows)} ${g.kind === 'windowed' ? 'events' : 'snapshot rows'} in ${r.seconds.toFixed(1)} s (${fmt(rate)}/s)\n`);
      for (const w of r.written) process.stdout.write(`  ${w.table}: ${fmt(w.rows)} rows in ${w.dir}\n`);
    }
  }
  return results;
}

export async function buildTrainingSet(config: PaletteConfig, registry: Registry, model: Model, spine: string, out: string, atColumn: string, opts: { quiet?: boolean } = {}): Promise<TrainingSetResult> {
  const { DuckDbOfflineEngine } = await import('../../runtime/offline/duckdb-engine.js');
  const engine = new DuckDbOfflineEngine(config.offline.path);
  const job = planTrainingSet(DUCKDB, registry, model.name);
  const progress = await progressReporter(model.localName, 'spine rows', !!opts.quiet, { n: job.steps.length + 2, of: 'steps' });
  try {
    return await engine.trainingSet(job, { spine, out, atColumn }, progress.reporter);
  } finally {
    progress.stop();
  }
}
