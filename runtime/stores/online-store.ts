/**
 * The online store interface: Cassandra in production, SQLite embedded. Everything that
 * writes tiles or values (the streaming materializer, `palette upload`) and everything that
 * reads them (the sidecar, `palette fetch`, `palette verify`) goes through it, with tables
 * and columns taken from the group's layout (runtime/contracts/layout.ts) only.
 *
 * Values are in the runtime representation (contracts/types.ts): timestamps as epoch ms,
 * dates as 'YYYY-MM-DD', lists as arrays. Implementations convert to and from their
 * driver's types (Long, Date, LocalDate, ...).
 */
import type { GroupRuntime } from '../contracts/group-runtime.js';
import { BATCH_PARTITION, type GroupLayout, hopStateColumns } from '../contracts/layout.js';
import type { Value } from '../contracts/types.js';
import type { Publication } from './published.js';

/** One row of a windowed group's online tile table. */
export interface TileRow {
  readonly hopMs: number;
  /** Epoch ms, a multiple of hopMs. */
  readonly tileStart: number;
  /** The stream partition whose events the row holds; -1 (BATCH_PARTITION) for uploaded batch tiles. */
  readonly streamPartition: number;
  /** Last stream offset included (null for batch rows). */
  readonly streamOffset: number | null;
  /** State column name (layout.aggregations[].columns[].column) → stored value; absent = null. */
  readonly states: Readonly<Record<string, Value>>;
  readonly updatedAt: number | null;
}

/**
 * Receives one entity's tiles one at a time (OnlineStore.scanTiles): the sidecar's read path,
 * which merges each tile as it is decoded instead of building a TileRow per tile.
 */
export interface TileSink {
  /**
   * One stored tile. `fields` holds the state columns of the hop's aggregations by position
   * (hopStateColumns in contracts/layout.ts; null for a null cell). It is the store's scratch:
   * valid only during the call, and the sink must not keep it. `fields` is null, the tile's
   * states not decoded, when the sink's `wants` said it does not merge them: the tile is
   * still handed over, for what a sink counts of every tile (freshness, emptiness).
   */
  tile(hopMs: number, tileStart: number, streamPartition: number, updatedAt: number | null, fields: readonly Value[] | null): void;
  /**
   * Optional: whether the sink merges the states of this tile. Asked before each tile is
   * decoded; a sink without it gets every tile's fields. Why: a partition holds tiles that no
   * window needs at a given time (each hop's tiles are kept a day past its windows for reads
   * back in time, contracts/layout.ts OnlineTable.hopTtls; tiles after t are in no window),
   * for example a day of 5-minute tiles beside the last hour's that a 1-hour window reads.
   */
  wants?(hopMs: number, tileStart: number): boolean;
}

/** One row of a snapshot group's online values table. */
export interface ValueRow {
  /** Feature name (layout.featureColumns[].feature) → value. */
  readonly values: Readonly<Record<string, Value>>;
  readonly snapshotDs: string | null;
  readonly updatedAt: number | null;
}

export type { Publication };

export interface ReadOptions {
  /** Absolute deadline (epoch ms, performance-independent wall clock); past it the read fails. */
  readonly deadline?: number;
}

export interface OnlineStore {
  readonly kind: 'sqlite' | 'cassandra';
  /** Create the keyspace/tables of these groups if missing (from their layouts). */
  ensureTables(groups: readonly GroupRuntime[]): Promise<void>;
  /**
   * The tile rows of one entity (one partition read), optionally only those with
   * tileStart >= sinceMs. `key` holds the entity key values in the entity's key order.
   */
  readTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, opts?: ReadOptions): Promise<TileRow[]>;
  /**
   * The same tiles as readTiles (one partition read), handed to `sink` one by one before the
   * promise resolves, without stream offsets. Order: each hop's batch tiles (stream_partition
   * -1) come before any of its stream tiles, so that a sink can let a batch tile replace the
   * stream tiles of its (hop, tile start) without holding them back (GroupEvaluator.merge).
   */
  scanTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, sink: TileSink, opts?: ReadOptions): Promise<void>;
  readValues(group: GroupRuntime, key: readonly Value[], opts?: ReadOptions): Promise<ValueRow | null>;
  /** Upsert full tile rows (not increments): writing the same row twice is harmless. */
  writeTiles(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: TileRow }[]): Promise<void>;
  writeValues(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: ValueRow }[]): Promise<void>;
  /**
   * Publish an artifact (JSON text) for `registryHash` as the newest. Nothing is written when
   * the newest publication already has this hash (re-applying the same build is a no-op);
   * returns whether a row was written. Creates the publications table if needed.
   */
  publish(artifact: string, registryHash: string, json: string, publishedAt: number): Promise<boolean>;
  /**
   * Remove all but the newest `keep` (>= 1) publications of an artifact: history stays
   * bounded however often `palette apply` runs (in Cassandra, an artifact's publications are
   * one partition). Publications as old as the keep-th newest stay. Returns how many were
   * removed; none when nothing was ever published.
   */
  prunePublications(artifact: string, keep: number): Promise<number>;
  /** Every publication of an artifact, newest first, without JSON; none when nothing was published. */
  listPublications(artifact: string): Promise<Publication[]>;
  /** The newest publication of an artifact (with its JSON when `withJson`), or null if none. */
  newestPublication(artifact: string, withJson: boolean, opts?: ReadOptions): Promise<Publication | null>;
  /** Cheap reachability check for readiness probes. */
  ping(opts?: ReadOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * Hands tile rows to a sink in scanTiles' order and positional form: for stores that read
 * rows (SQLite), and for callers that hold rows already (GroupEvaluator.fromTiles). Rows of a
 * hop this layout does not have are skipped, as a sink would skip them.
 */
export function scanTileRows(rows: readonly TileRow[], layout: GroupLayout, sink: TileSink): void {
  const hops = hopStateColumns(layout);
  const fields: Value[] = [];
  // Batch rows first, then stream rows: the order scanTiles promises, whatever the rows' order.
  for (const batch of [true, false]) {
    for (const r of rows) {
      if ((r.streamPartition === BATCH_PARTITION) !== batch) continue;
      const hop = hops.get(r.hopMs);
      if (!hop) continue;
      if (sink.wants !== undefined && !sink.wants(r.hopMs, r.tileStart)) {
        sink.tile(r.hopMs, r.tileStart, r.streamPartition, r.updatedAt, null);
        continue;
      }
      fields.length = hop.columns.length;
      for (let i = 0; i < hop.columns.length; i++) fields[i] = r.states[hop.columns[i]] ?? null;
      sink.tile(r.hopMs, r.tileStart, r.streamPartition, r.updatedAt, fields);
    }
  }
}
