/**
 * Reading Palette's own offline tables (tiles, daily values) for `palette upload`. One
 * interface, one implementation per offline engine:
 * - embedded: Parquet under offline.path, read with DuckDB (DuckDbParquetReader below);
 * - production: Hive tables through HiveServer2 (with the Spark engine, issue 5) — to add
 *   one, implement OfflineReader (partitions = `SHOW PARTITIONS`, readPartition = a SELECT
 *   of the partition converted to runtime values) and return it from openOfflineReader.
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

export interface OfflinePartition {
  readonly ds: string;
  /** Changes when the partition is rewritten (files, sizes, times): resumable uploads redo it then. */
  readonly signature: string;
}

export interface OfflineReader {
  /** A human name of where the table is, for messages. */
  describe(table: OfflineTable): string;
  /** The table's partitions, sorted by day. Empty if the table has none (or does not exist). */
  partitions(table: OfflineTable): Promise<OfflinePartition[]>;
  /** Number of rows in a partition (for progress). */
  count(table: OfflineTable, ds: string, where?: string): Promise<number>;
  /**
   * The rows of one partition, in chunks, each row in `table.columns` order. `where` is a
   * SQL condition over the table's columns (the engines share SQL for this).
   */
  readPartition(table: OfflineTable, ds: string, where?: string): AsyncIterable<Value[][]>;
  close(): Promise<void>;
}

export function openOfflineReader(offline: PaletteConfig['offline']): Promise<OfflineReader> {
  if (offline.engine === 'spark') {
    throw new UserError('`palette upload` reads the embedded offline store (DuckDB + Parquet) only so far; reading Hive tables comes with the Spark engine',
      'set offline.engine: duckdb, or upload after the Spark backfill support lands');
  }
  return DuckDbParquetReader.open(offline.path);
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

  async count(table: OfflineTable, ds: string, where?: string): Promise<number> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) FROM ${this.from(table, ds)}${where ? ` WHERE ${where}` : ''}`);
    return Number(r.getRowsJS()[0][0]);
  }

  async *readPartition(table: OfflineTable, ds: string, where?: string): AsyncIterable<Value[][]> {
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
