/**
 * Storage layout: where each group's tiles, values and daily state live, online and
 * offline. Decided once by the compiler's layout pass (compiler/passes/storage-layout.ts);
 * every writer (materializer, upload, batch jobs), every reader (sidecar, training sets)
 * and every DDL target reads it from here, so they cannot disagree.
 *
 * Palette's own tables store times as `timestamp` (UTC, millisecond precision) and
 * partition offline tables by `ds` ('YYYY-MM-DD', the UTC day).
 */
import type { PalType } from './types.js';

export interface StorageColumn {
  readonly name: string;
  readonly type: PalType;
}

/**
 * An online table. Windowed groups: one row per (entity key, hop, tile start, writer)
 * holding the partial states of the aggregations with that hop (others null); a read at
 * time t is one partition read (the entity key) and a merge of the rows in the window.
 * The writer column (`stream_partition`) is the stream partition whose events the row
 * holds, or -1 for tiles uploaded from the offline store: each stream partition is owned
 * by one materializer at a time, so every row has a single writer and writes never race;
 * `stream_offset` is the last offset of that partition included in the row, which makes a
 * replay after a crash skip what the row already holds (exactly-once effect).
 * Snapshot groups: one row per entity key holding the feature values of the latest
 * uploaded snapshot.
 */
export interface OnlineTable {
  readonly kind: 'tiles' | 'values';
  /** Table name; the keyspace (Cassandra) or file (SQLite) comes from configuration. */
  readonly table: string;
  /** The entity key columns, in the entity's key order: the partition key. */
  readonly partitionKey: readonly StorageColumn[];
  /** Tiles: hop_ms (long), tile_start (timestamp, descending), stream_partition (int). Values: none. */
  readonly clustering: readonly StorageColumn[];
  /** Every non-key column, in storage order. */
  readonly columns: readonly StorageColumn[];
  /** Row time to live: longest window + its hop for tiles; the group's ttl for values. */
  readonly ttlSeconds: number | null;
  /**
   * Tiles: how long each hop's tiles are kept, in seconds from each write (null: for ever).
   * A tile table keeps every hop's tiles in one partition, and the longest window of one hop
   * says nothing about another's: a week of 5-minute tiles kept for the 1-day window beside
   * them would be read and never used. So each hop keeps its tiles for its own longest window
   * plus the hop, plus TILE_RETENTION_GRACE_MS for reads back in time (`palette verify` of
   * the newest complete day, requests with an earlier `at`), and never longer than the table's
   * TTL. Absent from layouts made before it: every hop then keeps the table's TTL.
   */
  readonly hopTtls?: readonly { readonly hopMs: number; readonly ttlSeconds: number | null }[];
}

/** The grace a hop's tiles are kept beyond their longest window and hop (OnlineTable.hopTtls). */
export const TILE_RETENTION_GRACE_MS = 86_400_000;

/** How long the tiles of `hopMs` are kept (seconds from the write; null: for ever). */
export function hopTtlSeconds(table: OnlineTable, hopMs: number): number | null {
  const h = table.hopTtls?.find((x) => x.hopMs === hopMs);
  return h === undefined ? table.ttlSeconds : h.ttlSeconds;
}

/**
 * The tiles of `hopMs` the online store still keeps at `atMs`, had each been written when it
 * ended, are those that start after this (epoch ms): tile start + hop + the hop's TTL > atMs.
 * Null when the hop keeps its tiles for ever. It is what `palette upload` writes, and what
 * tiles streamed as their events happened leave in the store at atMs.
 */
export function keptTilesStartAfter(table: OnlineTable, hopMs: number, atMs: number): number | null {
  const ttl = hopTtlSeconds(table, hopMs);
  return ttl === null ? null : atMs - hopMs - ttl * 1000;
}

/** Where one aggregation's partial state lives in its tile rows. */
export interface AggregationStorage {
  readonly aggregationIndex: number;
  readonly hopMs: number;
  /** One column per state field (aggregation.ts StateField), in field order. */
  readonly columns: readonly { readonly field: string; readonly column: string }[];
}

export interface OfflineTable {
  /** Hive database (Spark) or folder (DuckDB + Parquet). */
  readonly database: string;
  readonly table: string;
  /** Non-partition columns in order; the partition column `ds` (string) comes last. */
  readonly columns: readonly StorageColumn[];
  readonly partitionColumn: 'ds';
}

export interface GroupLayout {
  readonly online: OnlineTable;
  /** Windowed groups: per aggregation, its hop and state columns. Empty for snapshot groups. */
  readonly aggregations: readonly AggregationStorage[];
  /** Snapshot groups: the value column of each feature. Empty for windowed groups. */
  readonly featureColumns: readonly { readonly feature: string; readonly column: string }[];
  readonly offline: {
    /** Windowed groups: tiles per (key, hop_ms, tile_start), partitioned by the tile's day. */
    readonly tiles: OfflineTable | null;
    /** Feature values of every key at the end of each day ds (as of ds + 1 day, 00:00 UTC). */
    readonly daily: OfflineTable;
  };
}

/** Fixed names of the layout's structural columns. */
export const TILE_HOP_COLUMN = 'hop_ms';
export const TILE_START_COLUMN = 'tile_start';
export const STREAM_PARTITION_COLUMN = 'stream_partition';
export const STREAM_OFFSET_COLUMN = 'stream_offset';
/** stream_partition of rows uploaded from the offline store (batch tiles). */
export const BATCH_PARTITION = -1;
export const UPDATED_AT_COLUMN = 'updated_at';
export const SNAPSHOT_DS_COLUMN = 'snapshot_ds';
export const PARTITION_COLUMN = 'ds';

/** One hop's tiles in positional form: the state columns of its aggregations, in layout order. */
export interface HopStateColumns {
  readonly hopMs: number;
  /** Column names, aggregation by aggregation (layout.aggregations order), each one's fields in order. */
  readonly columns: readonly string[];
  /** The aggregations stored with this hop and where their columns start in `columns`. */
  readonly aggregations: readonly { readonly aggregationIndex: number; readonly offset: number; readonly width: number }[];
}

/**
 * Per hop of a windowed group's layout, its state columns in positional order. The one
 * definition of that order: the tile blob (stores/tile-codec.ts) and the fields handed to a
 * TileSink (stores/online-store.ts) both follow it, so a reader can take an aggregation's
 * fields by position without naming columns.
 */
export function hopStateColumns(layout: GroupLayout): ReadonlyMap<number, HopStateColumns> {
  let out = hopColumnsOf.get(layout);
  if (out) return out;
  const byHop = new Map<number, { hopMs: number; columns: string[]; aggregations: { aggregationIndex: number; offset: number; width: number }[] }>();
  for (const a of layout.aggregations) {
    let h = byHop.get(a.hopMs);
    if (!h) byHop.set(a.hopMs, (h = { hopMs: a.hopMs, columns: [], aggregations: [] }));
    h.aggregations.push({ aggregationIndex: a.aggregationIndex, offset: h.columns.length, width: a.columns.length });
    for (const c of a.columns) h.columns.push(c.column);
  }
  hopColumnsOf.set(layout, (out = byHop));
  return out;
}

/** Layouts are immutable: each one's positional order is worked out once (fromTiles asks per call). */
const hopColumnsOf = new WeakMap<GroupLayout, ReadonlyMap<number, HopStateColumns>>();

/** A snapshot group's feature, its value column and that column's type. */
export interface FeatureColumn {
  readonly feature: string;
  readonly column: string;
  readonly type: PalType;
}

/**
 * Snapshot groups: featureColumns with each column's type from the online table, worked out
 * once per layout (the stores read a value row per request). A feature column missing from
 * the table is an error of the layout.
 */
export function featureColumnTypes(layout: GroupLayout): readonly FeatureColumn[] {
  let out = featureColumnsOf.get(layout);
  if (out) return out;
  out = layout.featureColumns.map((f) => {
    const c = layout.online.columns.find((x) => x.name === f.column);
    if (!c) throw new Error(`palette: feature column ${f.column} is not in online table ${layout.online.table}`);
    return { feature: f.feature, column: f.column, type: c.type };
  });
  featureColumnsOf.set(layout, out);
  return out;
}

const featureColumnsOf = new WeakMap<GroupLayout, readonly FeatureColumn[]>();
