/**
 * The embedded offline engine: runs offline jobs (runtime/contracts/offline-job.ts) with
 * DuckDB over the Parquet store (parquet-store.ts). It never interprets features: the SQL
 * comes from the compiler. Its own work is the plumbing around the SQL: checking and
 * mapping source partitions, binding parameters, loading the spine, writing partitions
 * atomically and the output file, progress and clear errors.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { PalType } from '../contracts/types.js';
import type { BackfillJob, Day, SourceTable, TrainingSetJob } from '../contracts/offline-job.js';
import { UserError } from '../errors.js';
import { DuckDbSession, type SessionOptions } from './duckdb-session.js';
import { addDays, daysBetween, ParquetStore, type ResolvedRead } from './parquet-store.js';
import { loadSpine, type SpineInfo } from './spine.js';
import { writeArrowFile } from './arrow-output.js';

/** What a long job tells the user while it runs. Every method is optional. */
export interface JobReporter {
  /** A line of information (which partitions, history, skipped days). */
  note?(message: string): void;
  /** A step starts. */
  step?(description: string): void;
  /** Fraction (0..1) of the running step, polled while it runs. */
  computing?(fraction: number): void;
  /** Rows read from the sources so far, and the time since the job started. */
  inputRows?(rows: number, elapsedMs: number): void;
  /** A partition (all output tables) of the day was swapped in: done of total days. */
  dayDone?(day: Day, done: number, total: number): void;
}

export interface BackfillResult {
  readonly group: string;
  readonly days: number;
  readonly inputRows: number;
  readonly written: readonly { readonly table: string; readonly rows: number; readonly dir: string }[];
  readonly seconds: number;
}

export interface TrainingSetRequest {
  /** Spine file: .parquet, .csv or .arrow/.arrows/.ipc/.feather. */
  readonly spine: string;
  /** Spine column holding each row's time. */
  readonly atColumn: string;
  /** Output file: .arrow (Arrow IPC file) or .parquet. */
  readonly out: string;
}

export interface TrainingSetResult {
  readonly model: string;
  readonly rows: number;
  readonly columns: readonly string[];
  readonly out: string;
  readonly spine: SpineInfo;
  readonly seconds: number;
}

const POLL_MS = 200;

export class DuckDbOfflineEngine {
  readonly store: ParquetStore;

  constructor(offlinePath: string, readonly options: SessionOptions = {}) {
    this.store = new ParquetStore(resolve(offlinePath));
  }

  // ---------------------------------------------------------------- backfill

  async backfill(job: BackfillJob, reporter: JobReporter = {}): Promise<BackfillResult> {
    const started = Date.now();
    // Check every partition before anything runs: a missing day is a clear error, not zeros.
    const reads = job.sources.map((s) => {
      const r = this.store.resolve({ ...s, requiredFrom: s.requiredFrom });
      reporter.note?.(`reading ${s.database}.${s.table} ${r.days[0] ?? '-'} to ${r.days[r.days.length - 1] ?? '-'} (${r.days.length} partition(s)): ${s.reason}`);
      if (r.beforeFirst) reporter.note?.(`${s.database}.${s.table} has no partitions before ${this.store.partitions(s.database, s.table, s.partitionColumn)[0]}: windows see no events on ${r.beforeFirst.from} to ${r.beforeFirst.to}`);
      return { source: s, read: r };
    });
    const session = await DuckDbSession.open(this.options);
    const writes = job.outputs.map((o) => ({ output: o, write: this.store.beginWrite(o.table.database, o.table.table, o.table.partitionColumn) }));
    try {
      for (const { source, read } of reads) await this.createSourceView(session, source, read);
      await session.run(`SET VARIABLE from_ds = DATE '${job.from}'; SET VARIABLE to_ds = DATE '${job.to}'`);
      for (const stmt of job.prelude) await session.run(stmt);
      let inputRows = 0;
      for (const step of job.steps) {
        reporter.step?.(step.description);
        await this.runStep(session, `CREATE OR REPLACE TEMP TABLE ${ident(step.name)} AS\n${step.sql}`, `${job.group}: ${step.description}`, reporter);
        if (step.name === job.inputStep) {
          inputRows = Number(await session.scalar(`SELECT count(*) FROM ${ident(step.name)}`));
          reporter.inputRows?.(inputRows, Date.now() - started);
        }
      }
      for (const check of job.checks) {
        const bad = await session.query(check.sql);
        if (bad.rows.length > 0) {
          const shown = bad.rows.map((r) => bad.columns.map((c, i) => `${c}=${JSON.stringify(r[i])}`).join(' ')).join('; ');
          throw new UserError(`${check.message}; found: ${shown}`);
        }
      }
      // Stage every day of every output table, then swap them in day by day.
      const days = daysBetween(job.from, job.to);
      const written: { table: string; rows: number; dir: string }[] = [];
      for (const { output, write } of writes) {
        reporter.step?.(`writing ${output.table.database}.${output.table.table}`);
        const rows = await this.stagePartitions(session, output.step, output.table.columns.map((c) => c.name), output.table.partitionColumn, days, write.staging);
        written.push({ table: `${output.table.database}.${output.table.table}`, rows, dir: write.tableDir });
      }
      for (const { write } of writes) {
        for (const day of days) if (!existsSync(write.stagedDir(day))) throw new Error(`palette: day ${day} was not staged`);
      }
      days.forEach((day, i) => {
        for (const { write } of writes) write.commitDay(day);
        reporter.dayDone?.(day, i + 1, days.length);
      });
      for (const { write } of writes) write.finish();
      return { group: job.group, days: days.length, inputRows, written, seconds: (Date.now() - started) / 1000 };
    } catch (e) {
      for (const { write } of writes) write.abort();
      throw e;
    } finally {
      session.close();
    }
  }

  /** COPY a step's rows into staging/<col>=<day>/ for every day (an empty file for days without rows). */
  private async stagePartitions(session: DuckDbSession, step: string, columns: readonly string[], partitionColumn: string, days: readonly Day[], staging: string): Promise<number> {
    const cols = columns.map(ident).join(', ');
    const from = days[0];
    const to = days[days.length - 1];
    const counts = await session.query(`SELECT ${ident(partitionColumn)}, count(*) FROM ${ident(step)} GROUP BY 1`);
    const outside = counts.rows.filter((r) => (r[0] as string) < from || (r[0] as string) > to);
    if (outside.length > 0) throw new Error(`palette: step ${step} produced rows for ${outside.map((r) => r[0]).join(', ')}, outside ${from}..${to}`);
    const total = counts.rows.reduce((n, r) => n + Number(r[1]), 0);
    if (total > 0) {
      await session.run(`COPY (SELECT ${cols}, ${ident(partitionColumn)} FROM ${ident(step)}) TO ${literal(staging)} (FORMAT parquet, PARTITION_BY (${ident(partitionColumn)}), OVERWRITE_OR_IGNORE true)`);
    }
    const have = new Set(counts.rows.map((r) => r[0] as string));
    for (const day of days) {
      if (have.has(day)) continue;
      const dir = `${staging}/${partitionColumn}=${day}`;
      mkdirSync(dir, { recursive: true });
      await session.run(`COPY (SELECT ${cols} FROM ${ident(step)} WHERE false) TO ${literal(`${dir}/data_0.parquet`)} (FORMAT parquet)`);
    }
    return total;
  }

  // ---------------------------------------------------------------- training sets

  async trainingSet(job: TrainingSetJob, request: TrainingSetRequest, reporter: JobReporter = {}): Promise<TrainingSetResult> {
    const started = Date.now();
    const outFormat = outputFormat(request.out);
    const session = await DuckDbSession.open(this.options);
    try {
      reporter.step?.(`reading the spine ${request.spine}`);
      const spine = await loadSpine(session, request.spine, job.keys, request.atColumn, job.features.map((f) => f.name));
      reporter.note?.(`spine: ${spine.rows} row(s) from ${spine.minDay} to ${spine.maxDay}`);
      reporter.inputRows?.(spine.rows, Date.now() - started);
      if (spine.rows > 0) {
        for (const s of job.sources) {
          const range = trainingReadRange(s.kind, s.lookbackMs, spine.minMs, spine.maxMs);
          if (range === null) {
            await this.createSourceView(session, s, { days: [], files: [], beforeFirst: null });
            continue;
          }
          const read = this.store.resolve({ ...s, from: range.from, to: range.to, requiredFrom: null });
          reporter.note?.(`reading ${s.database}.${s.table} ${range.from ?? 'first partition'} to ${range.to} (${read.days.length} partition(s))`);
          if (read.beforeFirst) reporter.note?.(`${s.database}.${s.table} starts after ${read.beforeFirst.to}: rows before it see no ${s.kind === 'events' ? 'events' : 'snapshot'} there`);
          await this.createSourceView(session, s, read);
        }
      } else {
        for (const s of job.sources) await this.createSourceView(session, s, { days: [], files: [], beforeFirst: null });
      }
      for (const stmt of job.prelude) await session.run(stmt);
      for (const step of job.steps) {
        reporter.step?.(step.description);
        await this.runStep(session, `CREATE OR REPLACE TEMP TABLE ${ident(step.name)} AS\n${step.sql}`, `${job.model}: ${step.description}`, reporter);
      }
      const last = job.steps[job.steps.length - 1].name;
      const spineCols = spine.columns.map(ident);
      const featureCols = job.features.map((f) => `f.${ident(f.name)}`);
      const select = `SELECT ${[...spineCols.map((c) => `s.${c}`), ...featureCols].join(', ')}\nFROM spine_raw s LEFT JOIN ${ident(last)} f ON f.__row = s.rowid\nORDER BY s.rowid`;
      reporter.step?.(`writing ${request.out}`);
      const out = resolve(request.out);
      mkdirSync(dirname(out), { recursive: true });
      const tmp = `${dirname(out)}/.${basename(out)}.tmp-${process.pid}`;
      rmSync(tmp, { force: true });
      try {
        if (outFormat === 'parquet') await session.run(`COPY (${select}) TO ${literal(tmp)} (FORMAT parquet)`);
        else await writeArrowFile(session, select, tmp);
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { force: true });
      }
      return {
        model: job.model, rows: spine.rows, columns: [...spine.columns, ...job.features.map((f) => f.name)],
        out, spine, seconds: (Date.now() - started) / 1000,
      };
    } finally {
      session.close();
    }
  }

  // ---------------------------------------------------------------- shared

  /** A view named like the source table over the partitions read (empty, with the declared columns, if none). */
  private async createSourceView(session: DuckDbSession, s: SourceTable, read: ResolvedRead): Promise<void> {
    const name = `${ident(s.database)}.${ident(s.table)}`;
    await session.run(`CREATE SCHEMA IF NOT EXISTS ${ident(s.database)}`);
    if (read.files.length === 0) {
      const cols = [...s.columns.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${ident(c.name)}`), `CAST(NULL AS VARCHAR) AS ${ident(s.partitionColumn)}`];
      await session.run(`CREATE OR REPLACE VIEW ${name} AS SELECT ${cols.join(', ')} WHERE false`);
      return;
    }
    const files = `[${read.files.map(literal).join(', ')}]`;
    try {
      await session.run(`CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_parquet(${files}, hive_partitioning = true, hive_types = {${literal(s.partitionColumn)}: 'VARCHAR'})`);
      const desc = await session.query(`DESCRIBE SELECT * FROM ${name}`);
      const have = new Set(desc.rows.map((r) => r[0] as string));
      const missing = s.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
      if (missing.length > 0) {
        throw new UserError(`source table ${s.database}.${s.table} (${s.source}) has no column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\`${m}\``).join(', ')} in its Parquet files`,
          `its columns: ${[...have].filter((c) => c !== s.partitionColumn).join(', ')}`);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`cannot read source table ${s.database}.${s.table} (${read.days[0]} to ${read.days[read.days.length - 1]}): ${firstLine(e)}`,
        'every partition must be Parquet with the same columns');
    }
  }

  /** Runs a statement, polling DuckDB's progress; data errors become user errors with context. */
  private async runStep(session: DuckDbSession, sql: string, context: string, reporter: JobReporter): Promise<void> {
    const timer = reporter.computing ? setInterval(() => {
      const p = session.progress();
      if (p >= 0) reporter.computing!(p);
    }, POLL_MS) : null;
    try {
      await session.run(sql);
    } catch (e) {
      const msg = firstLine(e);
      if (/^(Conversion|Invalid Input|Out of Range|IO) Error/.test(msg)) throw new UserError(`${context}: ${msg}`, 'check the source data against the declared field types');
      throw new Error(`palette: ${context} failed: ${(e as Error).message}\n--- SQL ---\n${sql}`);
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}

/** The source days a training set reads for spine times in [minMs, maxMs] (null: nothing). */
export function trainingReadRange(kind: 'events' | 'snapshot', lookbackMs: number | null, minMs: number, maxMs: number): { from: Day | null; to: Day } | null {
  const day = (ms: number) => new Date(Math.floor(ms / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
  if (kind === 'snapshot') {
    // Partition ds serves t >= ds + 1 day: the rows need ds in [day(min t) - 1, day(max t) - 1].
    return { from: addDays(day(minMs), -1), to: addDays(day(maxMs), -1) };
  }
  // Events strictly before t: the last needed day holds max t - 1 ms.
  const to = day(maxMs - 1);
  return { from: lookbackMs === null ? null : day(minMs - lookbackMs), to };
}

function outputFormat(path: string): 'parquet' | 'arrow' {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.arrow' || ext === '.ipc' || ext === '.feather') return 'arrow';
  throw new UserError(`--out ${path}: unknown format ${ext || '(no extension)'}`, 'write .arrow (Arrow IPC) or .parquet');
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** DuckDB storage type of a Palette type (as the SQL targets store it). */
export function duckdbType(t: PalType): string {
  if (t.kind === 'list') return `${duckdbType(t.element)}[]`;
  return ({ string: 'VARCHAR', int: 'INTEGER', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE' } as const)[t.name];
}

