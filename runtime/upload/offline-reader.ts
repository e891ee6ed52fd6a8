/**
 * Reading Palette's own offline tables (tiles, daily values) for `palette upload`. One
 * interface, one implementation per offline engine:
 * - embedded: Parquet under offline.path, read with DuckDB (DuckDbParquetReader below);
 * - spark: Hive tables through HiveServer2 (HiveOfflineReader below): partitions from
 *   `SHOW PARTITIONS`, rows from a SELECT of the partition, converted to the same runtime
 *   values as the DuckDB reader's.
 *
 * Embedded layout (shared with the DuckDB backfill): partition `ds` of table
 * `database.table` is the folder `<offline.path>/<database>/<table>/ds=<YYYY-MM-DD>/`
 * holding one or more `*.parquet` files with the table's columns (without `ds`).
 * Values come back in the runtime representation (contracts/types.ts).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PaletteConfig } from '../config/palette-config.js';
import type { OfflineTable, StorageColumn } from '../contracts/layout.js';
import type { PalType, Value } from '../contracts/types.js';
import { UserError } from '../errors.js';
import { HiveClient, HiveQueryError, type HiveValue } from '../offline/hive-client.js';

export interface OfflinePartition {
  readonly ds: string;
  /** Changes when the partition is rewritten (files, sizes, times): resumable uploads redo it then. */
  readonly signature: string;
}

/**
 * Which rows of a partition to read. Structured filters every reader understands:
 * - `tilesEndingBy`: tiles that end by `cutoffMs` (tile_start + hop_ms <= cutoffMs) and, for
 *   each hop in `startAfter`, start after its `afterMs` (tiles of other hops: all);
 * or a raw DuckDB SQL condition over the table's columns (the DuckDB reader only).
 */
export type OfflineFilter =
  | { readonly kind: 'tilesEndingBy'; readonly cutoffMs: number; readonly startAfter?: readonly { readonly hopMs: number; readonly afterMs: number }[] }
  | string;

/** The conditions of a `tilesEndingBy` filter, over a tile start (epoch ms) and hop column spelled by the reader's SQL. */
function tileConditions(f: Extract<OfflineFilter, { kind: 'tilesEndingBy' }>, startMs: string, hop: string): string[] {
  const n = (x: number) => {
    if (!Number.isSafeInteger(x)) throw new Error(`palette: tile filter bound ${x} is not a whole number of ms`);
    return String(x);
  };
  const conds = [`${startMs} + ${hop} <= ${n(f.cutoffMs)}`];
  for (const h of f.startAfter ?? []) conds.push(`(${hop} <> ${n(h.hopMs)} OR ${startMs} > ${n(h.afterMs)})`);
  return conds;
}

export interface OfflineReader {
  /** A human name of where the table is, for messages. */
  describe(table: OfflineTable): string;
  /** The table's partitions, sorted by day. Empty if the table has none (or does not exist). */
  partitions(table: OfflineTable): Promise<OfflinePartition[]>;
  /** Number of rows in a partition (for progress). */
  count(table: OfflineTable, ds: string, where?: OfflineFilter): Promise<number>;
  /** The rows of one partition, in chunks, each row in `table.columns` order. */
  readPartition(table: OfflineTable, ds: string, where?: OfflineFilter): AsyncIterable<Value[][]>;
  close(): Promise<void>;
}

export function openOfflineReader(offline: PaletteConfig['offline']): Promise<OfflineReader> {
  if (offline.engine === 'spark') return Promise.resolve(new HiveOfflineReader(new HiveClient(offline.hive)));
  return DuckDbParquetReader.open(offline.path);
}

/** The DuckDB SQL of a filter (for `tilesEndingBy`, the condition upload always used). */
function duckWhere(where: OfflineFilter | undefined): string | undefined {
  if (where === undefined || typeof where === 'string') return where;
  return tileConditions(where, 'epoch_ms("tile_start")', '"hop_ms"').join(' AND ');
}

export function partitionDir(offlinePath: string, table: OfflineTable, ds: string): string {
  return join(offlinePath, table.database, table.table, `ds=${ds}`);
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** A select expression that DuckDB returns in a form toValue() turns into the runtime value. */
function selectExpr(c: StorageColumn): string {
  const col = ident(c.name);
  const t = c.type;
  if (t.kind === 'list') {
    if (t.element.kind === 'scalar' && t.element.name === 'timestamp') return `list_transform(${col}, x -> epoch_ms(x))`;
    if (t.element.kind === 'scalar' && t.element.name === 'date') return `list_transform(${col}, x -> strftime(x, '%Y-%m-%d'))`;
    return col;
  }
  if (t.name === 'timestamp') return `epoch_ms(${col})`;
  if (t.name === 'date') return `strftime(${col}, '%Y-%m-%d')`;
  return col;
}

function toValue(v: unknown, t: PalType): Value {
  if (v === null || v === undefined) return null;
  if (t.kind === 'list') return (v as unknown[]).map((x) => toValue(x, t.element));
  if (typeof v === 'bigint') return Number(v);
  return v as Value;
}

export class DuckDbParquetReader implements OfflineReader {
  private constructor(private readonly root: string, private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection) {}

  static async open(root: string): Promise<DuckDbParquetReader> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    return new DuckDbParquetReader(root, instance, await instance.connect());
  }

  describe(table: OfflineTable): string {
    return join(this.root, table.database, table.table);
  }

  async partitions(table: OfflineTable): Promise<OfflinePartition[]> {
    const dir = this.describe(table);
    if (!existsSync(dir)) return [];
    const out: OfflinePartition[] = [];
    for (const name of readdirSync(dir).sort()) {
      const m = /^ds=(\d{4}-\d{2}-\d{2})$/.exec(name);
      if (!m) continue;
      const files = this.files(table, m[1]);
      if (files.length === 0) continue;
      out.push({ ds: m[1], signature: files.map((f) => { const s = statSync(f); return `${f}:${s.size}:${s.mtimeMs}`; }).join('|') });
    }
    return out;
  }

  private files(table: OfflineTable, ds: string): string[] {
    const dir = partitionDir(this.root, table, ds);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f.endsWith('.parquet') && !f.startsWith('.')).sort().map((f) => join(dir, f));
  }

  private from(table: OfflineTable, ds: string): string {
    const files = this.files(table, ds);
    if (files.length === 0) throw new UserError(`no Parquet files in ${partitionDir(this.root, table, ds)}`);
    return `read_parquet([${files.map(sqlString).join(', ')}])`;
  }

  async count(table: OfflineTable, ds: string, filter?: OfflineFilter): Promise<number> {
    const where = duckWhere(filter);
    const r = await this.conn.runAndReadAll(`SELECT count(*) FROM ${this.from(table, ds)}${where ? ` WHERE ${where}` : ''}`);
    return Number(r.getRowsJS()[0][0]);
  }

  async *readPartition(table: OfflineTable, ds: string, filter?: OfflineFilter): AsyncIterable<Value[][]> {
    const where = duckWhere(filter);
    const cols = table.columns;
    const sql = `SELECT ${cols.map(selectExpr).join(', ')} FROM ${this.from(table, ds)}${where ? ` WHERE ${where}` : ''}`;
    // A connection of its own: a new query on a connection ends the streaming result of the
    // previous one, and partitions are read concurrently.
    const conn = await this.instance.connect();
    try {
      let result;
      try {
        result = await conn.stream(sql);
      } catch (e) {
        throw new UserError(`cannot read ${partitionDir(this.root, table, ds)}: ${(e as Error).message.split('\n')[0]}`, 'was it written by `palette backfill` for this version of the group?');
      }
      for await (const rows of result.yieldRowsJs()) {
        yield rows.map((r) => r.map((v, i) => toValue(v, cols[i].type)));
      }
    } finally {
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

const hiveIdent = (s: string): string => `\`${s.replace(/`/g, '``')}\``;

/** A Hive value (as HiveClient decodes it) in the runtime representation, like toValue(). */
function fromHive(v: HiveValue, t: PalType): Value {
  if (v === null || v === undefined) return null;
  if (t.kind === 'list') return (v as HiveValue[]).map((x) => fromHive(x, t.element));
  if (typeof v === 'bigint') return Number(v);
  return v as Value;
}

/**
 * Palette's offline tables in Hive, read through HiveServer2 (offline.engine: spark).
 * HiveClient already gives timestamps as epoch ms (session time zone UTC), dates as
 * 'YYYY-MM-DD', arrays as arrays and BIGINT exactly; longs then become JS numbers like the
 * DuckDB reader's. The partition signature is its data files with their row counts
 * (`input_file_name()`, one grouped statement per table): Spark names every file it writes
 * after the writing job (part-…-<uuid>), so a rewritten partition has new names. The
 * metastore entry is not enough: an INSERT OVERWRITE from Spark keeps the partition's
 * transient_lastDdlTime, and the same data rewritten keeps numFiles and totalSize.
 * The table is refreshed (`REFRESH TABLE`) when its partitions are listed. One HiveServer2
 * session; statements run one at a time. A partition is fetched whole
 * (HiveClient reads every row of a statement) and handed out in chunks.
 */
export class HiveOfflineReader implements OfflineReader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly hive: HiveClient, private readonly chunkRows = 10_000) {}

  private query(sql: string) {
    const r = this.queue.then(() => this.hive.query(sql));
    this.queue = r.catch(() => {});
    return r;
  }

  describe(table: OfflineTable): string {
    return `${table.database}.${table.table} (Hive at ${this.hive.address})`;
  }

  private name(table: OfflineTable): string {
    return `${hiveIdent(table.database)}.${hiveIdent(table.table)}`;
  }

  private partitionSpec(ds: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(ds)) throw new Error(`palette: not a partition day: ${ds}`);
    return `ds = '${ds}'`;
  }

  async partitions(table: OfflineTable): Promise<OfflinePartition[]> {
    let r;
    try {
      // Partitions written since this server listed them (a spark-submit backfill, another
      // session) are otherwise read from the stale file listing it caches.
      await this.query(`REFRESH TABLE ${this.name(table)}`);
      r = await this.query(`SHOW PARTITIONS ${this.name(table)}`);
    } catch (e) {
      if (e instanceof HiveQueryError && /TABLE_OR_VIEW_NOT_FOUND|NoSuchTable|not found/i.test(e.message)) return [];
      throw e;
    }
    const days = r.rows.map((row) => /^ds=(\d{4}-\d{2}-\d{2})$/.exec(String(row[0]))?.[1]).filter((d): d is string => d !== undefined).sort();
    if (days.length === 0) return [];
    // The data files of every partition, in one statement (no column is read: Parquet footers only).
    const files = await this.query(`SELECT ds, input_file_name() AS f, count(*) AS n FROM ${this.name(table)} GROUP BY ds, input_file_name()`);
    const byDay = new Map<string, string[]>();
    for (const [ds, f, n] of files.rows) {
      const list = byDay.get(String(ds)) ?? [];
      list.push(`${String(f)}:${String(n)}`);
      byDay.set(String(ds), list);
    }
    return days.map((ds) => ({ ds, signature: (byDay.get(ds) ?? []).sort().join('|') }));
  }

  private where(ds: string, filter?: OfflineFilter): string {
    const conds = [this.partitionSpec(ds)];
    if (typeof filter === 'string') throw new Error('palette: a raw SQL filter is DuckDB SQL; the Hive reader takes structured filters only');
    if (filter?.kind === 'tilesEndingBy') conds.push(...tileConditions(filter, `unix_millis(${hiveIdent('tile_start')})`, hiveIdent('hop_ms')));
    return conds.join(' AND ');
  }

  async count(table: OfflineTable, ds: string, filter?: OfflineFilter): Promise<number> {
    const r = await this.query(`SELECT count(*) FROM ${this.name(table)} WHERE ${this.where(ds, filter)}`);
    return Number(r.rows[0][0]);
  }

  async *readPartition(table: OfflineTable, ds: string, filter?: OfflineFilter): AsyncIterable<Value[][]> {
    const cols = table.columns;
    let r;
    try {
      r = await this.query(`SELECT ${cols.map((c) => hiveIdent(c.name)).join(', ')} FROM ${this.name(table)} WHERE ${this.where(ds, filter)}`);
    } catch (e) {
      if (!(e instanceof HiveQueryError)) throw e;
      throw new UserError(`cannot read ${table.database}.${table.table} partition ${ds}: ${e.message.split('\n')[0]}`, 'was it written by `palette backfill` for this version of the group?');
    }
    for (let i = 0; i < r.rows.length; i += this.chunkRows) {
      yield r.rows.slice(i, i + this.chunkRows).map((row) => row.map((v, j) => fromHive(v, cols[j].type)));
    }
  }

  async close(): Promise<void> {
    await this.queue;
    await this.hive.close();
  }
}
