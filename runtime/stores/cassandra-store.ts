/**
 * The Cassandra online store (production). Tables, columns and TTLs come from the group's
 * layout only (contracts/layout.ts); the DDL is the text of runtime/stores/cql.ts, the same
 * the compiler emits as `online/cassandra.cql`.
 *
 * - Tile tables are packed (runtime/stores/cql.ts): one row per (entity key, hop, writer)
 *   with a map tile_start → blob (runtime/stores/tile-codec.ts). This store turns them into
 *   the interface's one-TileRow-per-tile and back, so callers never see the packing.
 * - Prepared statements everywhere; the driver routes each one to a replica of its partition
 *   (token-aware policy over the local data center).
 * - Consistency from `online.cassandra.consistency` (default LOCAL_ONE) for reads and writes.
 * - Tile writes are grouped by entity key: the rows of one partition go in one UNLOGGED
 *   batch (atomic and isolated within the partition, one round trip); rows of different
 *   partitions are separate requests, sent concurrently.
 * - Streaming tile rows (stream_partition >= 0) are written `USING TIMESTAMP stream_offset + 1`
 *   (every cell of the write: its tiles, stream_offset, updated_at). A row's offset only grows (its single writer, the owner of the stream partition, only
 *   moves forward), so Cassandra's last-write-wins keeps the row holding the most events
 *   even if a stale writer (an instance that lost the partition in a rebalance, or a write
 *   retried late) lands after a newer one: the write fences itself. Batch rows
 *   (stream_partition = -1) use ordinary client timestamps.
 * - A tile is written whole, as one map entry (its null state fields are null in the blob):
 *   no tombstones. Null key-side values are rejected; null values of snapshot rows are
 *   written as nulls (a snapshot row replaces the previous one).
 * - TTLs are counted from each write of each cell: a tile (map entry) not rewritten expires
 *   like a row did. Tile writes carry their hop's TTL (`USING TTL`, hopTtlSeconds in
 *   contracts/layout.ts: a hop's tiles live as long as its own windows need them); value rows
 *   take the table's default_time_to_live (from the layout).
 */
import cassandra from 'cassandra-driver';
import type { GroupRuntime } from '../contracts/group-runtime.js';
import {
  type OnlineTable, type StorageColumn, BATCH_PARTITION, SNAPSHOT_DS_COLUMN, STREAM_OFFSET_COLUMN,
  STREAM_PARTITION_COLUMN, TILE_HOP_COLUMN, UPDATED_AT_COLUMN, featureColumnTypes, hopTtlSeconds,
} from '../contracts/layout.js';
import type { PalType, Value } from '../contracts/types.js';
import { UserError } from '../errors.js';
import { TILES_MAP_COLUMN, cassandraColumnConflicts, cassandraTable, createKeyspaceCql, createTableCql, tableComment } from './cql.js';
import { type HopCodec, tileCodecs } from './tile-codec.js';
import type { OnlineStore, ReadOptions, TileRow, TileSink, ValueRow } from './online-store.js';
import { PUBLISHED_TABLE, type Publication, decodePublication, encodePublication, pruneBefore, prunedCount } from './published.js';

const { types } = cassandra;
const LONG: PalType = { kind: 'scalar', name: 'long', nullable: true };

export interface CassandraStoreOptions {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  readonly replication: Readonly<Record<string, string | number>>;
  /** A CQL consistency name: LOCAL_ONE (default), ONE, LOCAL_QUORUM, QUORUM, ALL, ... */
  readonly consistency?: string;
  /** Concurrent write requests per writeTiles/writeValues call (default 64). */
  readonly writeConcurrency?: number;
  /** Connections per Cassandra node (default 1). */
  readonly connectionsPerHost?: number;
  /** Per-request timeout when no deadline is given (default 12 s). */
  readonly requestTimeoutMs?: number;
}

/** 'LOCAL_ONE' → types.consistencies.localOne; a clear error for an unknown name. */
export function consistencyOf(name: string): number {
  const camel = name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const v = (types.consistencies as unknown as Record<string, number>)[camel];
  if (v === undefined) {
    throw new UserError(`unknown Cassandra consistency \`${name}\``, `use one of ${Object.keys(types.consistencies).filter((k) => !/^[0-9]/.test(k)).map((k) => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join(', ')}`);
  }
  return v;
}

/** A driver value (Long, Date, LocalDate, list, ...) in the runtime representation. */
export function fromCassandra(v: unknown, t: PalType): Value {
  if (v === null || v === undefined) return null;
  if (t.kind === 'list') return (v as unknown[]).map((x) => fromCassandra(x, t.element));
  switch (t.name) {
    case 'long': return typeof v === 'number' ? v : (v as cassandra.types.Long).toNumber();
    case 'timestamp': return (v as Date).getTime();
    case 'date': return (v as cassandra.types.LocalDate).toString();
    default: return v as Value;
  }
}

/** A runtime value as a driver parameter; nulls become `unset` (no tombstone). */
export function toCassandra(v: Value | undefined, t: PalType): unknown {
  if (v === null || v === undefined) return types.unset;
  if (t.kind === 'list') return (v as readonly Value[]).map((x) => toCassandraElement(x, t.element));
  return toCassandraElement(v, t);
}

function toCassandraElement(v: Value, t: PalType): unknown {
  if (t.kind === 'list') return (v as readonly Value[]).map((x) => toCassandraElement(x, t.element));
  if (t.name === 'timestamp') return new Date(v as number);
  if (t.name === 'long') return types.Long.fromNumber(v as number);
  return v;
}

interface TableStatements {
  readonly table: OnlineTable;
  /** Tiles: the packed rows of one partition. Values: the value row. */
  readonly select: string;
  /** Values: the row; tiles: unused. */
  readonly insert: string | null;
  /** Tiles: add/replace tiles of one (key, hop, writer) row, with the hop's TTL; `fenced` also carries USING TIMESTAMP. */
  readonly addTiles: string | null;
  readonly addTilesFenced: string | null;
  /** Tiles: per hop, the blob codec. */
  readonly codecs: Map<number, HopCodec>;
}

export class CassandraStore implements OnlineStore {
  readonly kind = 'cassandra' as const;
  private readonly client: cassandra.Client;
  private readonly consistency: number;
  private readonly statements = new Map<string, TableStatements>();
  private readonly ks: string;
  private connected: Promise<void> | null = null;
  /** True once connected: reads then go straight to the driver, without awaiting `connected`. */
  private isConnected = false;

  constructor(private readonly options: CassandraStoreOptions) {
    if (!/^[a-z_][a-z0-9_]*$/i.test(options.keyspace)) throw new UserError(`invalid Cassandra keyspace name \`${options.keyspace}\``);
    this.ks = options.keyspace;
    this.consistency = consistencyOf(options.consistency ?? 'LOCAL_ONE');
    const { policies } = cassandra;
    this.client = new cassandra.Client({
      contactPoints: [...options.contactPoints],
      localDataCenter: options.localDataCenter,
      policies: {
        loadBalancing: new policies.loadBalancing.TokenAwarePolicy(new policies.loadBalancing.DCAwareRoundRobinPolicy(options.localDataCenter)),
        // Retry a down node every 0.5 s doubling to at most 10 s (the driver's default grows to
        // 10 min): after an outage, readers (the sidecar) and writers are back within seconds.
        reconnection: new policies.reconnection.ExponentialReconnectionPolicy(500, 10_000, false),
      },
      socketOptions: { connectTimeout: 10_000, readTimeout: options.requestTimeoutMs ?? 12_000 },
      queryOptions: { consistency: this.consistency, prepare: true },
      // One connection per node (the driver's default for protocol v3+; a connection carries
      // thousands of concurrent requests): the reads of one feature request then leave in one
      // socket write, the driver coalescing what is queued in the same tick. Two connections
      // split them into two writes, and on loopback a write costs more than decoding a row.
      pooling: { coreConnectionsPerHost: { [types.distance.local]: options.connectionsPerHost ?? 1 } },
      // The tiles map (timestamp → blob) as an ES Map with Date keys, both ways. Blobs are
      // slices of the network buffer, not copies (the driver copies each by default): every
      // read here decodes its blobs before it returns (tile-codec.ts, published.ts) and keeps
      // none, and the sidecar reads tens of tile blobs per request.
      encoding: { map: Map, copyBuffer: false },
    });
  }

  private connect(): Promise<void> {
    this.connected ??= this.client.connect().then(() => { this.isConnected = true; }, (e: Error) => {
      this.connected = null;
      throw new UserError(`cannot connect to Cassandra at ${this.options.contactPoints.join(', ')}: ${e.message}`, 'is Cassandra running? (`npm run services -- up` starts a local one)');
    });
    return this.connected;
  }

  async ensureTables(groups: readonly GroupRuntime[]): Promise<void> {
    await this.connect();
    // DDL at ALL-equivalent safety: schema agreement is awaited by the driver after each change.
    await this.client.execute(createKeyspaceCql({ keyspace: this.ks, replication: this.options.replication }));
    for (const g of groups) {
      await this.client.execute(createTableCql(this.ks, g.layout, tableComment(g.name, g.version)));
      await this.checkColumns(g);
    }
  }

  /**
   * CREATE TABLE IF NOT EXISTS keeps a table that is already there: make sure it has the
   * columns this store writes (a table of an older Palette, or one made by hand, would
   * otherwise fail on every write with a less helpful message).
   */
  private async checkColumns(group: GroupRuntime): Promise<void> {
    const spec = cassandraTable(group.layout.online);
    const rs = await this.client.execute('SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [this.ks, spec.table], { prepare: true });
    const diff = cassandraColumnConflicts(spec, new Map(rs.rows.map((r) => [r.get('column_name') as string, r.get('type') as string])));
    if (diff.length) {
      throw new UserError(`Cassandra table ${this.ks}.${spec.table} of ${group.name} exists with other columns than this Palette writes: ${diff.join('; ')}`,
        'it was made by another Palette version or by hand: drop it (`palette upload` and the materializer rebuild it) or use another keyspace');
    }
  }

  private stmts(group: GroupRuntime): TableStatements {
    const t = group.layout.online;
    let s = this.statements.get(t.table);
    if (s) return s;
    const where = t.partitionKey.map((c) => `${c.name} = ?`).join(' AND ');
    const table = `${this.ks}.${t.table}`;
    if (t.kind === 'tiles') {
      const row = `${where} AND ${TILE_HOP_COLUMN} = ? AND ${STREAM_PARTITION_COLUMN} = ?`;
      const set = `SET ${TILES_MAP_COLUMN} = ${TILES_MAP_COLUMN} + ?, ${STREAM_OFFSET_COLUMN} = ?, ${UPDATED_AT_COLUMN} = ?`;
      s = {
        table: t,
        // Every column but the key: hop_ms, stream_partition, tiles, stream_offset, updated_at.
        select: `SELECT ${(({ clustering, columns }) => [...clustering, ...columns])(cassandraTable(t)).map((c) => c.name).join(', ')} FROM ${table} WHERE ${where}`,
        insert: null,
        addTiles: `UPDATE ${table} USING TTL ? ${set} WHERE ${row}`,
        addTilesFenced: `UPDATE ${table} USING TTL ? AND TIMESTAMP ? ${set} WHERE ${row}`,
        codecs: tileCodecs(group.layout),
      };
    } else {
      const all: StorageColumn[] = [...t.partitionKey, ...t.columns];
      s = {
        table: t,
        select: `SELECT ${all.map((c) => c.name).join(', ')} FROM ${table} WHERE ${where}`,
        insert: `INSERT INTO ${table} (${all.map((c) => c.name).join(', ')}) VALUES (${all.map(() => '?').join(', ')})`,
        addTiles: null,
        addTilesFenced: null,
        codecs: new Map(),
      };
    }
    this.statements.set(t.table, s);
    return s;
  }

  private execOptions(opts?: ReadOptions): cassandra.QueryOptions {
    const o: cassandra.QueryOptions = { prepare: true, consistency: this.consistency };
    if (opts?.deadline !== undefined) {
      const left = opts.deadline - Date.now();
      if (left <= 0) throw new Error('online store read: deadline passed before the request was sent');
      o.readTimeout = left;
    }
    return o;
  }

  private keyParams(t: OnlineTable, key: readonly Value[]): unknown[] {
    if (key.length !== t.partitionKey.length) throw new UserError(`${t.table}: expected ${t.partitionKey.length} key value(s), got ${key.length}`);
    return t.partitionKey.map((c, i) => {
      if (key[i] === null || key[i] === undefined) throw new UserError(`${t.table}: key \`${c.name}\` is null`);
      return toCassandra(key[i], c.type);
    });
  }

  async readTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, opts?: ReadOptions): Promise<TileRow[]> {
    const out: TileRow[] = [];
    await this.eachTile(group, key, sinceMs, opts, (codec, hopMs, tileStart, streamPartition, streamOffset, updatedAt, blob) => {
      out.push({ hopMs, tileStart, streamPartition, streamOffset, states: codec.decode(blob), updatedAt });
    });
    return out;
  }

  async scanTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, sink: TileSink, opts?: ReadOptions): Promise<void> {
    // Rows come in clustering order (hop_ms, stream_partition): a hop's batch row (-1) before
    // its stream rows, as scanTiles promises. Each tile the sink wants is decoded into the
    // codec's scratch; the others are handed over undecoded.
    await this.eachTile(group, key, sinceMs, opts, (codec, hopMs, tileStart, streamPartition, _offset, updatedAt, blob) => {
      const wanted = sink.wants === undefined || sink.wants(hopMs, tileStart);
      sink.tile(hopMs, tileStart, streamPartition, updatedAt, wanted ? codec.decodeFields(blob) : null);
    });
  }

  /** One partition read of a tile table; `fn` gets every tile of a hop this layout has, from sinceMs on, with its hop's codec. */
  private async eachTile(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, opts: ReadOptions | undefined,
    fn: (codec: HopCodec, hopMs: number, tileStart: number, streamPartition: number, streamOffset: number | null, updatedAt: number | null, blob: Buffer) => void): Promise<void> {
    if (!this.isConnected) await this.connect();
    const s = this.stmts(group);
    if (s.table.kind !== 'tiles') throw new UserError(`${group.name} is not a windowed group`);
    const rs = await this.client.execute(s.select, this.keyParams(s.table, key), this.execOptions(opts));
    for (const r of rs.rows) {
      const hopMs = fromCassandra(r.get(TILE_HOP_COLUMN), LONG) as number;
      const codec = s.codecs.get(hopMs);
      const tiles = r.get(TILES_MAP_COLUMN) as Map<Date, Buffer> | null;
      if (!codec || !tiles) continue; // a hop this version has no aggregation with, or a row whose tiles all expired
      const streamPartition = r.get(STREAM_PARTITION_COLUMN) as number;
      const streamOffset = fromCassandra(r.get(STREAM_OFFSET_COLUMN), LONG) as number | null;
      const upd = r.get(UPDATED_AT_COLUMN) as Date | null;
      const updatedAt = upd ? upd.getTime() : null;
      // forEach, not for-of: no [key, value] array per tile.
      tiles.forEach((blob, start) => {
        const tileStart = start.getTime();
        if (sinceMs === null || tileStart >= sinceMs) fn(codec, hopMs, tileStart, streamPartition, streamOffset, updatedAt, blob);
      });
    }
  }

  async readValues(group: GroupRuntime, key: readonly Value[], opts?: ReadOptions): Promise<ValueRow | null> {
    if (!this.isConnected) await this.connect();
    const s = this.stmts(group);
    if (s.table.kind !== 'values') throw new UserError(`${group.name} is not a snapshot group`);
    const rs = await this.client.execute(s.select, this.keyParams(s.table, key), this.execOptions(opts));
    const r = rs.first();
    if (!r) return null;
    const values: Record<string, Value> = {};
    for (const f of featureColumnTypes(group.layout)) values[f.feature] = fromCassandra(r.get(f.column), f.type);
    return {
      values,
      snapshotDs: (r.get(SNAPSHOT_DS_COLUMN) as string | null) ?? null,
      updatedAt: fromCassandra(r.get(UPDATED_AT_COLUMN), { kind: 'scalar', name: 'timestamp', nullable: true }) as number | null,
    };
  }

  /**
   * Rows of one (key, hop, writer) go in one UPDATE adding their tiles to its map, with the
   * highest stream_offset among them (the materializer snapshots a partition's dirty tiles
   * at one position, so they share it); a key's UPDATEs go in one unlogged batch, atomic
   * within the partition. So a stored row's stream_offset is a floor for every tile in it:
   * a tile not rewritten by a later write had no event between the two positions.
   */
  async writeTiles(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: TileRow }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.connect();
    const s = this.stmts(group);
    if (s.table.kind !== 'tiles') throw new UserError(`${group.name} is not a windowed group`);
    const t = s.table;
    const now = Date.now();
    const packed = new Map<string, { key: readonly Value[]; hopMs: number; streamPartition: number; streamOffset: number | null; updatedAt: number; tiles: Map<Date, Buffer> }>();
    for (const { key, row } of rows) {
      const codec = s.codecs.get(row.hopMs);
      if (!codec) throw new Error(`palette: ${group.name} has no aggregation with hop ${row.hopMs} ms`);
      if (row.streamPartition !== BATCH_PARTITION && row.streamOffset === null) throw new Error(`palette: streaming tile row of ${group.name} without stream_offset`);
      const id = `${partitionId(key)}\u0000${row.hopMs}\u0000${row.streamPartition}`;
      let p = packed.get(id);
      if (!p) packed.set(id, (p = { key, hopMs: row.hopMs, streamPartition: row.streamPartition, streamOffset: row.streamOffset, updatedAt: row.updatedAt ?? now, tiles: new Map() }));
      else {
        if (row.streamOffset !== null && (p.streamOffset === null || row.streamOffset > p.streamOffset)) p.streamOffset = row.streamOffset;
        if (row.updatedAt !== null && row.updatedAt > p.updatedAt) p.updatedAt = row.updatedAt;
      }
      p.tiles.set(new Date(row.tileStart), codec.encode(row.states));
    }
    const queries = [...packed.values()].map((p) => {
      const where = [...this.keyParams(t, p.key), types.Long.fromNumber(p.hopMs), p.streamPartition];
      const set = [p.tiles, p.streamOffset === null ? types.unset : types.Long.fromNumber(p.streamOffset), new Date(p.updatedAt)];
      const ttl = hopTtlSeconds(t, p.hopMs) ?? 0; // 0: no expiry
      if (p.streamPartition !== BATCH_PARTITION) {
        return { query: s.addTilesFenced!, params: [ttl, types.Long.fromNumber(p.streamOffset! + 1), ...set, ...where], partition: partitionId(p.key) };
      }
      return { query: s.addTiles!, params: [ttl, ...set, ...where], partition: partitionId(p.key) };
    });
    await this.sendGrouped(queries);
  }

  async writeValues(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: ValueRow }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.connect();
    const s = this.stmts(group);
    if (s.table.kind !== 'values') throw new UserError(`${group.name} is not a snapshot group`);
    const t = s.table;
    const now = Date.now();
    const byColumn = new Map(group.layout.featureColumns.map((f) => [f.column, f.feature]));
    const queries = rows.map(({ key, row }) => {
      const params = this.keyParams(t, key);
      for (const c of t.columns) {
        if (c.name === SNAPSHOT_DS_COLUMN) params.push(row.snapshotDs ?? types.unset);
        else if (c.name === UPDATED_AT_COLUMN) params.push(new Date(row.updatedAt ?? now));
        else {
          // A snapshot row replaces the previous one whole: write nulls as nulls here.
          const v = row.values[byColumn.get(c.name) ?? c.name];
          params.push(v === null || v === undefined ? null : toCassandra(v, c.type));
        }
      }
      return { query: s.insert!, params, partition: partitionId(key) };
    });
    await this.sendGrouped(queries);
  }

  /** One request per entity partition (an unlogged batch when it has several rows), concurrently. */
  private async sendGrouped(queries: { query: string; params: unknown[]; partition: string }[]): Promise<void> {
    const byPartition = new Map<string, { query: string; params: unknown[] }[]>();
    for (const q of queries) {
      const list = byPartition.get(q.partition);
      if (list) list.push(q);
      else byPartition.set(q.partition, [q]);
    }
    const groups = [...byPartition.values()];
    const limit = this.options.writeConcurrency ?? 64;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const g = groups[next++];
        if (g.length === 1) await this.client.execute(g[0].query, g[0].params, { prepare: true, consistency: this.consistency });
        else await this.client.batch(g.map(({ query, params }) => ({ query, params })), { prepare: true, logged: false, consistency: this.consistency });
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, groups.length) }, worker));
  }

  async publish(artifact: string, registryHash: string, json: string, publishedAt: number): Promise<boolean> {
    await this.connect();
    await this.client.execute(createKeyspaceCql({ keyspace: this.ks, replication: this.options.replication }));
    // Newest first within an artifact: the current publication is the partition's first row.
    await this.client.execute(`CREATE TABLE IF NOT EXISTS ${this.ks}.${PUBLISHED_TABLE} (
  artifact text, published_at timestamp, registry_hash text, content blob,
  PRIMARY KEY (artifact, published_at, registry_hash)
) WITH CLUSTERING ORDER BY (published_at DESC, registry_hash ASC)
  AND comment = 'Palette: artifacts published by palette apply (gzip JSON), newest first'`);
    const newest = await this.newestPublication(artifact, false);
    if (newest?.registryHash === registryHash) return false;
    await this.client.execute(`INSERT INTO ${this.ks}.${PUBLISHED_TABLE} (artifact, published_at, registry_hash, content) VALUES (?, ?, ?, ?)`,
      [artifact, new Date(publishedAt), registryHash, encodePublication(json)], { prepare: true, consistency: this.consistency });
    return true;
  }

  async listPublications(artifact: string): Promise<Publication[]> {
    await this.connect();
    const rs = await this.readPublished(`SELECT published_at, registry_hash FROM ${this.ks}.${PUBLISHED_TABLE} WHERE artifact = ?`, artifact, { prepare: true, consistency: this.consistency, fetchSize: 100_000 });
    return (rs?.rows ?? []).map((r) => ({ artifact, registryHash: r.get('registry_hash') as string, publishedAt: (r.get('published_at') as Date).getTime() }));
  }

  async prunePublications(artifact: string, keep: number): Promise<number> {
    // The clustering keys only (newest first), not the contents.
    const times = (await this.listPublications(artifact)).map((p) => p.publishedAt);
    const before = pruneBefore(times, keep);
    if (before === null) return 0;
    // One range tombstone at the partition's old end: the newest rows, read first, never meet it.
    await this.client.execute(`DELETE FROM ${this.ks}.${PUBLISHED_TABLE} WHERE artifact = ? AND published_at < ?`, [artifact, new Date(before)], { prepare: true, consistency: this.consistency });
    return prunedCount(times, keep);
  }

  async newestPublication(artifact: string, withJson: boolean, opts?: ReadOptions): Promise<Publication | null> {
    await this.connect();
    const r = (await this.readPublished(`SELECT published_at, registry_hash${withJson ? ', content' : ''} FROM ${this.ks}.${PUBLISHED_TABLE} WHERE artifact = ? LIMIT 1`, artifact, this.execOptions(opts)))?.first();
    if (!r) return null;
    const registryHash = r.get('registry_hash') as string;
    return {
      artifact, registryHash, publishedAt: (r.get('published_at') as Date).getTime(),
      ...(withJson ? { json: decodePublication(r.get('content') as Buffer, `${artifact} ${registryHash} in ${this.ks}.${PUBLISHED_TABLE}`) } : {}),
    };
  }

  /** A read of an artifact's publications; null when nothing was ever published to this keyspace (no table, or no keyspace yet). */
  private async readPublished(cql: string, artifact: string, options: cassandra.QueryOptions): Promise<cassandra.types.ResultSet | null> {
    try {
      return await this.client.execute(cql, [artifact], options);
    } catch (e) {
      if (/unconfigured table|Keyspace .* does not exist/i.test((e as Error).message)) return null;
      throw e;
    }
  }

  async ping(opts?: ReadOptions): Promise<void> {
    await this.connect();
    await this.client.execute('SELECT release_version FROM system.local', [], this.execOptions(opts));
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}

/** The identity of an entity partition (its key values), to group rows per partition. */
function partitionId(key: readonly Value[]): string {
  return key.length === 1 ? String(key[0]) : JSON.stringify(key);
}
