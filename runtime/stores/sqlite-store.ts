/**
 * The embedded online store: one SQLite file (better-sqlite3), one table per group version
 * with the columns of the layout (contracts/layout.ts). WAL mode, so a sidecar process can
 * read while the materializer writes (readers never block the writer, nor it them).
 *
 * Column mapping: string/date → TEXT ('YYYY-MM-DD'), int/long/timestamp (epoch ms) →
 * INTEGER, float/double → REAL, boolean → INTEGER 0/1, lists → JSON text.
 *
 * Same contract as the Cassandra store:
 * - Streaming tile rows are upserted only if their stream_offset is not lower than the
 *   stored one (`ON CONFLICT ... WHERE excluded.stream_offset >= stream_offset`): the same
 *   self-fencing as Cassandra's `USING TIMESTAMP stream_offset + 1`.
 * - TTL: SQLite has none, so each row carries `_expires_at` (write time + the layout's
 *   ttlSeconds, for a tile its hop's: hopTtlSeconds; null without a TTL); reads ignore
 *   expired rows and writes purge them now
 *   and then. `_expires_at` is the store's own column, not part of the layout.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GroupRuntime } from '../contracts/group-runtime.js';
import {
  type OnlineTable, type StorageColumn, BATCH_PARTITION, SNAPSHOT_DS_COLUMN, STREAM_OFFSET_COLUMN,
  STREAM_PARTITION_COLUMN, TILE_HOP_COLUMN, TILE_START_COLUMN, UPDATED_AT_COLUMN, featureColumnTypes, hopTtlSeconds,
} from '../contracts/layout.js';
import type { PalType, Value } from '../contracts/types.js';
import { UserError } from '../errors.js';
import { type OnlineStore, type ReadOptions, type TileRow, type TileSink, type ValueRow, scanTileRows } from './online-store.js';
import { PUBLISHED_TABLE, type Publication, decodePublication, encodePublication, pruneBefore } from './published.js';

const EXPIRES = '_expires_at';
/** Purge expired rows of a table at most this often. */
const PURGE_EVERY_MS = 60_000;

export function sqliteType(t: PalType): string {
  if (t.kind === 'list') return 'TEXT';
  switch (t.name) {
    case 'string': case 'date': return 'TEXT';
    case 'float': case 'double': return 'REAL';
    default: return 'INTEGER';
  }
}

export function toSqlite(v: Value | undefined, t: PalType): unknown {
  if (v === null || v === undefined) return null;
  if (t.kind === 'list') return JSON.stringify(v);
  if (t.name === 'boolean') return v ? 1 : 0;
  return v;
}

export function fromSqlite(v: unknown, t: PalType): Value {
  if (v === null || v === undefined) return null;
  if (t.kind === 'list') return JSON.parse(v as string) as Value;
  if (t.name === 'boolean') return v === 1 || v === 1n;
  if (typeof v === 'bigint') return Number(v);
  return v as Value;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

interface TableStatements {
  readonly table: OnlineTable;
  readonly all: StorageColumn[];
  readonly selectAll: Database.Statement;
  readonly selectSince: Database.Statement | null;
  readonly upsert: Database.Statement;
  readonly purge: Database.Statement;
  lastPurge: number;
}

export interface SqliteStoreOptions {
  readonly path: string;
  /** Open read-only (a sidecar): no DDL, no writes. */
  readonly readonly?: boolean;
}

export class SqliteStore implements OnlineStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, TableStatements>();

  constructor(readonly options: SqliteStoreOptions) {
    if (!options.readonly) mkdirSync(dirname(options.path), { recursive: true });
    try {
      this.db = new Database(options.path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (e) {
      throw new UserError(`cannot open the SQLite online store ${options.path}: ${(e as Error).message}`,
        options.readonly ? 'run `palette materialize` or `palette upload` first' : undefined);
    }
    // Another process (the materializer or the sidecar) may hold the write lock briefly.
    this.db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit is durable once the WAL is synced at checkpoints; a power loss
      // can drop the last commits but never corrupts the file. The materializer commits its
      // stream offsets after writes, so a lost write is replayed, never skipped.
      this.db.pragma('synchronous = NORMAL');
      // A 64 MiB page cache for the writer (the default is 2 MiB): an upload or a materializer
      // flush dirties pages all over a table's key space, and pages that do not fit spill to
      // the WAL before the commit and are read back.
      this.db.pragma('cache_size = -65536');

    }
  }

  async ensureTables(groups: readonly GroupRuntime[]): Promise<void> {
    if (this.options.readonly) throw new Error('palette: ensureTables on a read-only SQLite store');
    for (const g of groups) {
      const t = g.layout.online;
      const cols = [...t.partitionKey, ...t.clustering, ...t.columns].map((c) => `  ${quote(c.name)} ${sqliteType(c.type)}`);
      cols.push(`  ${EXPIRES} INTEGER`);
      const pk = [...t.partitionKey, ...t.clustering].map((c) => quote(c.name)).join(', ');
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${quote(t.table)} (\n${cols.join(',\n')},\n  PRIMARY KEY (${pk})\n) WITHOUT ROWID`);
    }
  }

  private stmts(group: GroupRuntime): TableStatements {
    const t = group.layout.online;
    let s = this.statements.get(t.table);
    if (s) return s;
    const all = [...t.partitionKey, ...t.clustering, ...t.columns];
    const name = quote(t.table);
    const where = t.partitionKey.map((c) => `${quote(c.name)} = ?`).join(' AND ');
    const alive = `(${EXPIRES} IS NULL OR ${EXPIRES} > ?)`;
    const cols = all.map((c) => quote(c.name)).join(', ');
    const pk = [...t.partitionKey, ...t.clustering].map((c) => quote(c.name));
    const set = [...t.columns.map((c) => quote(c.name)), EXPIRES].map((c) => `${c} = excluded.${c}`).join(', ');
    const off = quote(STREAM_OFFSET_COLUMN);
    // Streaming rows never go back to a lower offset (see the file comment); batch rows and
    // value rows always replace.
    const fence = t.kind === 'tiles' ? ` WHERE excluded.${off} IS NULL OR ${name}.${off} IS NULL OR excluded.${off} >= ${name}.${off}` : '';
    const order = t.kind === 'tiles' ? ` ORDER BY ${quote(TILE_HOP_COLUMN)}, ${quote(TILE_START_COLUMN)} DESC, ${quote(STREAM_PARTITION_COLUMN)}` : '';
    try {
      s = {
        table: t,
        all,
        selectAll: this.db.prepare(`SELECT ${cols} FROM ${name} WHERE ${where} AND ${alive}${order}`),
        selectSince: t.kind === 'tiles' ? this.db.prepare(`SELECT ${cols} FROM ${name} WHERE ${where} AND ${quote(TILE_START_COLUMN)} >= ? AND ${alive}${order}`) : null,
        upsert: this.options.readonly ? this.db.prepare('SELECT 1') : this.db.prepare(
          `INSERT INTO ${name} (${cols}, ${EXPIRES}) VALUES (${all.map(() => '?').join(', ')}, ?) ON CONFLICT (${pk.join(', ')}) DO UPDATE SET ${set}${fence}`),
        purge: this.options.readonly ? this.db.prepare('SELECT 1') : this.db.prepare(`DELETE FROM ${name} WHERE ${EXPIRES} IS NOT NULL AND ${EXPIRES} <= ?`),
        lastPurge: 0,
      };
    } catch (e) {
      if (/no such table/.test((e as Error).message)) {
        throw new UserError(`the online store ${this.options.path} has no table for ${group.name} (version ${group.version})`, 'run `palette materialize` or `palette upload` for it first');
      }
      throw e;
    }
    this.statements.set(t.table, s);
    return s;
  }

  private keyParams(t: OnlineTable, key: readonly Value[]): unknown[] {
    if (key.length !== t.partitionKey.length) throw new UserError(`${t.table}: expected ${t.partitionKey.length} key value(s), got ${key.length}`);
    return t.partitionKey.map((c, i) => toSqlite(key[i], c.type));
  }

  private checkDeadline(opts?: ReadOptions): void {
    if (opts?.deadline !== undefined && Date.now() > opts.deadline) throw new Error('online store read: deadline passed');
  }

  async readTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, opts?: ReadOptions): Promise<TileRow[]> {
    this.checkDeadline(opts);
    const s = this.stmts(group);
    if (s.table.kind !== 'tiles') throw new UserError(`${group.name} is not a windowed group`);
    const params = this.keyParams(s.table, key);
    const raw = (sinceMs === null ? s.selectAll.all(...params, Date.now()) : s.selectSince!.all(...params, sinceMs, Date.now())) as Record<string, unknown>[];
    return raw.map((r) => {
      const states: Record<string, Value> = {};
      for (const c of s.table.columns) {
        if (c.name === STREAM_OFFSET_COLUMN || c.name === UPDATED_AT_COLUMN) continue;
        const v = fromSqlite(r[c.name], c.type);
        if (v !== null) states[c.name] = v;
      }
      return {
        hopMs: Number(r[TILE_HOP_COLUMN]),
        tileStart: Number(r[TILE_START_COLUMN]),
        streamPartition: Number(r[STREAM_PARTITION_COLUMN]),
        streamOffset: r[STREAM_OFFSET_COLUMN] == null ? null : Number(r[STREAM_OFFSET_COLUMN]),
        states,
        updatedAt: r[UPDATED_AT_COLUMN] == null ? null : Number(r[UPDATED_AT_COLUMN]),
      };
    });
  }

  async scanTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, sink: TileSink, opts?: ReadOptions): Promise<void> {
    scanTileRows(await this.readTiles(group, key, sinceMs, opts), group.layout, sink); // (which puts batch rows first)
  }

  async readValues(group: GroupRuntime, key: readonly Value[], opts?: ReadOptions): Promise<ValueRow | null> {
    this.checkDeadline(opts);
    const s = this.stmts(group);
    if (s.table.kind !== 'values') throw new UserError(`${group.name} is not a snapshot group`);
    const r = s.selectAll.get(...this.keyParams(s.table, key), Date.now()) as Record<string, unknown> | undefined;
    if (!r) return null;
    const values: Record<string, Value> = {};
    for (const f of featureColumnTypes(group.layout)) values[f.feature] = fromSqlite(r[f.column], f.type);
    return {
      values,
      snapshotDs: (r[SNAPSHOT_DS_COLUMN] as string | null) ?? null,
      updatedAt: r[UPDATED_AT_COLUMN] == null ? null : Number(r[UPDATED_AT_COLUMN]),
    };
  }

  async writeTiles(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: TileRow }[]): Promise<void> {
    if (rows.length === 0) return;
    const s = this.stmts(group);
    if (s.table.kind !== 'tiles') throw new UserError(`${group.name} is not a windowed group`);
    const t = s.table;
    const now = Date.now();
    // Each hop's tiles expire after their own retention (contracts/layout.ts, OnlineTable.hopTtls).
    const expiresByHop = new Map<number, number | null>();
    const params = rows.map(({ key, row }) => {
      if (row.streamPartition !== BATCH_PARTITION && row.streamOffset === null) throw new Error(`palette: streaming tile row of ${group.name} without stream_offset`);
      let expires = expiresByHop.get(row.hopMs);
      if (expires === undefined) {
        const ttl = hopTtlSeconds(t, row.hopMs);
        expiresByHop.set(row.hopMs, (expires = ttl === null ? null : now + ttl * 1000));
      }
      const p = this.keyParams(t, key);
      p.push(row.hopMs, row.tileStart, row.streamPartition);
      for (const c of t.columns) {
        if (c.name === STREAM_OFFSET_COLUMN) p.push(row.streamOffset);
        else if (c.name === UPDATED_AT_COLUMN) p.push(row.updatedAt ?? now);
        else p.push(toSqlite(row.states[c.name], c.type));
      }
      p.push(expires);
      return p;
    });
    this.write(s, params, now);
  }

  async writeValues(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: ValueRow }[]): Promise<void> {
    if (rows.length === 0) return;
    const s = this.stmts(group);
    if (s.table.kind !== 'values') throw new UserError(`${group.name} is not a snapshot group`);
    const t = s.table;
    const now = Date.now();
    const expires = t.ttlSeconds === null ? null : now + t.ttlSeconds * 1000;
    const byColumn = new Map(group.layout.featureColumns.map((f) => [f.column, f.feature]));
    const params = rows.map(({ key, row }) => {
      const p = this.keyParams(t, key);
      for (const c of t.columns) {
        if (c.name === SNAPSHOT_DS_COLUMN) p.push(row.snapshotDs);
        else if (c.name === UPDATED_AT_COLUMN) p.push(row.updatedAt ?? now);
        else p.push(toSqlite(row.values[byColumn.get(c.name) ?? c.name], c.type));
      }
      p.push(expires);
      return p;
    });
    this.write(s, params, now);
  }

  /** All rows in one transaction: a write is all or nothing. */
  private write(s: TableStatements, params: unknown[][], now: number): void {
    if (this.options.readonly) throw new Error('palette: write to a read-only SQLite store');
    this.db.transaction(() => {
      for (const p of params) s.upsert.run(...p);
      if (now - s.lastPurge > PURGE_EVERY_MS) {
        s.purge.run(now);
        s.lastPurge = now;
      }
    })();
  }

  async publish(artifact: string, registryHash: string, json: string, publishedAt: number): Promise<boolean> {
    if (this.options.readonly) throw new Error('palette: publish to a read-only SQLite store');
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${PUBLISHED_TABLE} (
  artifact TEXT NOT NULL, published_at INTEGER NOT NULL, registry_hash TEXT NOT NULL, content BLOB NOT NULL,
  PRIMARY KEY (artifact, published_at, registry_hash)
) WITHOUT ROWID`);
    const newest = await this.newestPublication(artifact, false);
    if (newest?.registryHash === registryHash) return false;
    this.db.prepare(`INSERT OR REPLACE INTO ${PUBLISHED_TABLE} (artifact, published_at, registry_hash, content) VALUES (?, ?, ?, ?)`)
      .run(artifact, publishedAt, registryHash, encodePublication(json));
    return true;
  }

  async listPublications(artifact: string): Promise<Publication[]> {
    if (!this.hasPublications()) return [];
    return (this.db.prepare(`SELECT published_at, registry_hash FROM ${PUBLISHED_TABLE} WHERE artifact = ? ORDER BY published_at DESC, registry_hash`).all(artifact) as { published_at: number | bigint; registry_hash: string }[])
      .map((r) => ({ artifact, registryHash: r.registry_hash, publishedAt: Number(r.published_at) }));
  }

  async prunePublications(artifact: string, keep: number): Promise<number> {
    if (this.options.readonly) throw new Error('palette: prune publications of a read-only SQLite store');
    const times = (await this.listPublications(artifact)).map((p) => p.publishedAt);
    const before = pruneBefore(times, keep);
    if (before === null) return 0;
    return this.db.prepare(`DELETE FROM ${PUBLISHED_TABLE} WHERE artifact = ? AND published_at < ?`).run(artifact, before).changes;
  }

  async newestPublication(artifact: string, withJson: boolean): Promise<Publication | null> {
    if (!this.hasPublications()) return null;
    const row = this.db.prepare(`SELECT published_at, registry_hash${withJson ? ', content' : ''} FROM ${PUBLISHED_TABLE} WHERE artifact = ? ORDER BY published_at DESC, registry_hash LIMIT 1`)
      .get(artifact) as { published_at: number | bigint; registry_hash: string; content?: Buffer } | undefined;
    if (!row) return null;
    const publishedAt = Number(row.published_at);
    return {
      artifact, registryHash: row.registry_hash, publishedAt,
      ...(withJson ? { json: decodePublication(row.content!, `${artifact} ${row.registry_hash} in ${this.options.path}`) } : {}),
    };
  }

  /** A store nothing was published to has no publications table (and a read-only one cannot make it). */
  private hasPublications(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(PUBLISHED_TABLE) !== undefined;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
