/**
 * The embedded offline store: a folder of Parquet files partitioned by day, Hive style.
 *
 *   <root>/<database>/<table>/<partition column>=YYYY-MM-DD/*.parquet
 *
 * Sources (`table hive "raw.trips" partition ds`) live at <root>/raw/trips/ds=.../ and
 * Palette's own tables at <root>/<layout database>/<layout table>/ds=.../. A partition is a
 * folder holding at least one .parquet file; hidden folders (a leading `.`) are Palette's
 * work in progress and never read.
 *
 * Writes replace whole partitions: the new files are written into a hidden folder of the
 * table, then each partition folder is swapped in by rename (the old one renamed away
 * first, then deleted). A reader sees the old partition, the new one or, for the instant
 * between the two renames, none; never a half-written one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Day } from '../contracts/offline-job.js';
import { UserError } from '../errors.js';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export function addDays(day: Day, n: number): Day {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: Day, to: Day): Day[] {
  const out: Day[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Which partitions a read uses, and what it could not find. */
export interface ResolvedRead {
  /** Days read (each has files). */
  readonly days: readonly Day[];
  readonly files: readonly string[];
  /** Needed days before the table's first partition, treated as empty: [from, to] or null. */
  readonly beforeFirst: { readonly from: Day; readonly to: Day } | null;
}

export interface ReadRequest {
  /** For messages: `raw.trips`. */
  readonly database: string;
  readonly table: string;
  readonly partitionColumn: string;
  /** null: from the table's first partition. */
  readonly from: Day | null;
  readonly to: Day;
  /** Days from here on must exist even before the first partition (null: none required). */
  readonly requiredFrom: Day | null;
}

export class ParquetStore {
  constructor(readonly root: string) {}

  tableDir(database: string, table: string): string {
    return join(this.root, database, table);
  }

  /** The days that have a partition with at least one Parquet file, sorted. */
  partitions(database: string, table: string, column = 'ds'): Day[] {
    const dir = this.tableDir(database, table);
    if (!existsSync(dir)) return [];
    const prefix = `${column}=`;
    const out: Day[] = [];
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix)) continue;
      const day = name.slice(prefix.length);
      if (!DAY_RE.test(day)) continue;
      if (this.files(database, table, column, day).length > 0) out.push(day);
    }
    return out.sort();
  }

  /** The Parquet files of one partition, sorted by name. */
  files(database: string, table: string, column: string, day: Day): string[] {
    const dir = join(this.tableDir(database, table), `${column}=${day}`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
    return readdirSync(dir).filter((n) => n.endsWith('.parquet') && !n.startsWith('.')).sort().map((n) => join(dir, n));
  }

  /**
   * The partitions for a read (runtime/contracts/offline-job.ts SourceRead rules): every
   * needed day must exist, except days before the table's first partition that are not
   * required (history for windows). Throws a UserError naming the table and the days.
   */
  resolve(r: ReadRequest): ResolvedRead {
    const name = `${r.database}.${r.table}`;
    const available = this.partitions(r.database, r.table, r.partitionColumn);
    const where = this.tableDir(r.database, r.table);
    if (available.length === 0) {
      throw new UserError(`source table ${name} has no partitions (no ${r.partitionColumn}=YYYY-MM-DD folders with .parquet files in ${where})`,
        'write the source data there first, e.g. with `palette quickstart` for the example');
    }
    const first = available[0];
    const have = new Set(available);
    const from = r.from ?? first;
    const days: Day[] = [];
    const missing: Day[] = [];
    let before = null as { from: Day; to: Day } | null;
    for (const d of daysBetween(from, r.to)) {
      if (have.has(d)) days.push(d);
      else if (d < first && (r.requiredFrom === null || d < r.requiredFrom)) before = { from: before?.from ?? d, to: d };
      else missing.push(d);
    }
    if (missing.length > 0) {
      const shown = missing.length <= 5 ? missing.join(', ') : `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more`;
      throw new UserError(`source table ${name} is missing partition${missing.length > 1 ? 's' : ''} ${r.partitionColumn}=${shown} (in ${where}; it has ${first} to ${available[available.length - 1]}${available.length < daysBetween(first, available[available.length - 1]).length ? ' with gaps' : ''})`,
        'a missing day would silently read as no events; load it, or choose a range the data covers');
    }
    const files = days.flatMap((d) => this.files(r.database, r.table, r.partitionColumn, d));
    return { days, files, beforeFirst: before };
  }

  /** Starts replacing partitions of a table (see the file comment). */
  beginWrite(database: string, table: string, column = 'ds'): PartitionWrite {
    return new PartitionWrite(this.tableDir(database, table), column);
  }
}

/** New partitions of one table, written into a hidden folder and swapped in by commit(). */
export class PartitionWrite {
  readonly id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  /** Write new partitions here: `<staging>/<column>=<day>/...parquet`. */
  readonly staging: string;
  private done = false;

  constructor(readonly tableDir: string, readonly column: string) {
    this.staging = join(tableDir, `.palette-staging-${this.id}`);
    mkdirSync(this.staging, { recursive: true });
  }

  stagedDir(day: Day): string {
    return join(this.staging, `${this.column}=${day}`);
  }

  /**
   * Swaps the staged partition of `day` into place: the old partition (if any) is renamed
   * away, the staged one renamed in, the old one deleted.
   */
  commitDay(day: Day): void {
    if (this.done) throw new Error('palette: partition write already finished');
    const staged = this.stagedDir(day);
    if (!existsSync(staged)) throw new Error(`palette: no staged partition for ${day}`);
    const target = join(this.tableDir, `${this.column}=${day}`);
    const replaced = join(this.staging, `.replaced-${this.column}=${day}`);
    if (existsSync(target)) renameSync(target, replaced);
    renameSync(staged, target);
    rmSync(replaced, { recursive: true, force: true });
  }

  /** Removes the staging folder once every day is committed. */
  finish(): void {
    this.done = true;
    rmSync(this.staging, { recursive: true, force: true });
  }

  /** Drops everything staged; the table is unchanged. */
  abort(): void {
    this.done = true;
    rmSync(this.staging, { recursive: true, force: true });
  }
}
