/**
 * `palette upload`: the offline store's results → the online store.
 *
 * Windowed groups: the batch tiles of the days [from, to] (default: every partition of the
 * group's offline tiles table), written as tile rows with stream_partition = -1
 * (BATCH_PARTITION) and no stream offset. Only complete tiles are uploaded: those that end
 * (tile_start + hop) by the end of day `to` and not after now; a batch row supersedes the
 * streaming rows of its tile when read (serving/group-evaluator.ts), so it must hold the
 * whole tile. And only tiles the online store still keeps at that time: those that end less
 * than their hop's TTL before it (contracts/layout.ts, keptTilesStartAfter), so that, for example,
 * a year of 5-minute tiles is not written for a 1-hour window.
 * Snapshot groups: the values of the latest daily partition in [from, to], one row per key
 * with snapshot_ds = that day (a key missing from it keeps its older row until the TTL).
 *
 * Concurrent: several partitions at once, each written in chunks. Resumable: after each
 * partition is written its day and signature (offline-reader.ts: files, sizes, times) are recorded in a
 * checkpoint file; a rerun skips the days recorded with the same signature, so an
 * interrupted upload continues where it stopped and a re-backfilled day is uploaded again.
 * Writes are upserts, so redoing a partly written partition is harmless.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { GroupRuntime } from '../contracts/group-runtime.js';
import { BATCH_PARTITION, type OfflineTable, keptTilesStartAfter } from '../contracts/layout.js';
import type { Value } from '../contracts/types.js';
import { UserError } from '../errors.js';
import { parseDate } from '../expr/time.js';
import type { OnlineStore, TileRow, ValueRow } from '../stores/online-store.js';
import { writeAtomically } from '../stream/file-source.js';
import type { OfflineFilter, OfflinePartition, OfflineReader } from './offline-reader.js';

const DAY_MS = 86_400_000;

export interface UploadProgress {
  readonly partitionsDone: number;
  readonly partitionsTotal: number;
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

export interface UploadOptions {
  readonly group: GroupRuntime;
  readonly reader: OfflineReader;
  readonly store: OnlineStore;
  readonly from?: string;
  readonly to?: string;
  /** Partitions uploaded at once (default: 4 for Cassandra, 1 for SQLite; see DEFAULTS). */
  readonly concurrency?: number;
  /** Rows per write request (default: 1,000 for Cassandra, 50,000 for SQLite; see DEFAULTS). */
  readonly chunkRows?: number;
  /** Where the resumable state is kept (a JSON file). */
  readonly checkpointPath: string;
  /** Ignore the checkpoint: upload every partition again. */
  readonly restart?: boolean;
  readonly onProgress?: (p: UploadProgress) => void;
  /** Wall clock for the "complete tile" cut (tests). */
  readonly now?: number;
}

/**
 * Write sizes per store. Cassandra: requests of 1,000 rows, several partitions at once (the
 * store sends a partition's rows in one unlogged batch, and the cluster takes writes in
 * parallel). SQLite: one writer, and a write request is one transaction whose cost is the
 * B-tree pages it dirties; the rows of a day partition spread over the whole key space (every
 * entity), so each transaction rewrites pages all over the table, and fewer, larger ones
 * (200,000 rows: several days) rewrite them fewer times. `palette upload
 * rides.driver_trip_stats --to 2026-02-28 --restart --chunk-rows N` in a quickstart repository
 * (1.94 M tile rows, 59 days, into a table that already holds them), at 16:49 UTC: 13.2 and
 * 13.9 s with 200,000; 12.0 s with 400,000; 16.8–18.0 s with 50,000 or 100,000; 22.0 s with
 * the previous rule of one transaction per day. Larger writes hold more decoded rows in memory
 * until they are written, hence not larger still.
 */
const DEFAULTS: Record<OnlineStore['kind'], { chunkRows: number; concurrency: number }> = {
  cassandra: { chunkRows: 1000, concurrency: 4 },
  sqlite: { chunkRows: 200_000, concurrency: 1 },
};

export interface UploadResult {
  readonly kind: 'tiles' | 'values';
  readonly partitions: readonly string[];
  readonly skipped: readonly string[];
  readonly rows: number;
}

interface Checkpoint {
  readonly table: string;
  readonly version: string;
  readonly done: Record<string, string>;
}

function checkDay(name: string, d: string | undefined): void {
  if (d !== undefined && Number.isNaN(parseDate(d))) throw new UserError(`${name} must be a day YYYY-MM-DD, not \`${d}\``);
}

export async function uploadGroup(o: UploadOptions): Promise<UploadResult> {
  checkDay('--from', o.from);
  checkDay('--to', o.to);
  if (o.from && o.to && o.from > o.to) throw new UserError(`--from ${o.from} is after --to ${o.to}`);
  const g = o.group;
  const table = g.kind === 'windowed' ? g.layout.offline.tiles : g.layout.offline.daily;
  if (!table) throw new Error(`palette: windowed group ${g.name} has no offline tiles table`);
  const all = await o.reader.partitions(table);
  let parts = all.filter((p) => (o.from === undefined || p.ds >= o.from) && (o.to === undefined || p.ds <= o.to));
  if (parts.length === 0) {
    const range = o.from || o.to ? ` in [${o.from ?? '…'}, ${o.to ?? '…'}]` : '';
    throw new UserError(`no offline partitions of ${g.name}${range} at ${o.reader.describe(table)}`, `run \`palette backfill ${g.name.split('.').pop()}\` for those days first`);
  }
  if (g.kind === 'snapshot') parts = [parts[parts.length - 1]];
  const to = o.to ?? parts[parts.length - 1].ds;

  const checkpoint = readCheckpoint(o.checkpointPath, table, g.version, o.restart ?? false);
  const todo = parts.filter((p) => checkpoint.done[p.ds] !== p.signature);
  const skipped = parts.filter((p) => checkpoint.done[p.ds] === p.signature).map((p) => p.ds);
  await o.store.ensureTables([g]);

  // A tile is complete if it ends by the end of day `to` and not in the future.
  const cutoff = Math.min(Date.parse(`${to}T00:00:00Z`) + DAY_MS, o.now ?? Date.now());
  // And it is uploaded only if the online store would still keep it at the cutoff, had it been
  // written when it ended: tile_start + hop + the hop's TTL > cutoff (keptTilesStartAfter). An
  // older tile is in no window served from then on, nor within the grace for reads back in
  // time; written now, it would be kept a whole TTL more for nothing.
  const startAfter = g.kind === 'windowed'
    ? [...new Set(g.layout.aggregations.map((a) => a.hopMs))].flatMap((hopMs) => {
      const afterMs = keptTilesStartAfter(g.layout.online, hopMs, cutoff);
      return afterMs === null ? [] : [{ hopMs, afterMs }];
    })
    : [];
  const where: OfflineFilter | undefined = g.kind === 'windowed' ? { kind: 'tilesEndingBy', cutoffMs: cutoff, startAfter } : undefined;
  const counts: number[] = [];
  for (const p of todo) counts.push(await o.reader.count(table, p.ds, where));
  const progress = { partitionsDone: 0, partitionsTotal: todo.length, rowsDone: 0, rowsTotal: counts.reduce((a, b) => a + b, 0) };
  o.onProgress?.({ ...progress });

  const chunkRows = o.chunkRows ?? DEFAULTS[o.store.kind].chunkRows;
  const done = { ...checkpoint.done };
  let next = 0;
  let rows = 0;
  // A write may hold the rows of several consecutive partitions (SQLite: fewer, larger
  // transactions); a partition is recorded in the checkpoint only once all its rows are written.
  const worker = async (): Promise<void> => {
    let tiles: { key: readonly Value[]; row: TileRow }[] = [];
    let values: { key: readonly Value[]; row: ValueRow }[] = [];
    let read: OfflinePartition[] = [];
    const send = async (): Promise<void> => {
      const n = tiles.length + values.length;
      if (n > 0) {
        const [t, v] = [tiles, values];
        tiles = [];
        values = [];
        if (t.length > 0) await o.store.writeTiles(g, t);
        if (v.length > 0) await o.store.writeValues(g, v);
        rows += n;
        progress.rowsDone += n;
        o.onProgress?.({ ...progress });
      }
      if (read.length === 0) return;
      for (const p of read) done[p.ds] = p.signature;
      progress.partitionsDone += read.length;
      read = [];
      writeAtomically(o.checkpointPath, `${JSON.stringify({ table: table.table, version: g.version, done } satisfies Checkpoint, null, 1)}\n`);
      o.onProgress?.({ ...progress });
    };
    while (next < todo.length) {
      const p: OfflinePartition = todo[next++];
      for await (const chunk of o.reader.readPartition(table, p.ds, where)) {
        for (const r of chunk) {
          if (g.kind === 'windowed') tiles.push(tileRow(g, table, r));
          else values.push(valueRow(g, table, r, p.ds));
          if (tiles.length + values.length >= chunkRows) await send();
        }
      }
      read.push(p); // every row of p is written or waiting in this worker's next write
    }
    await send();
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? DEFAULTS[o.store.kind].concurrency, todo.length) }, worker));
  return { kind: g.kind === 'windowed' ? 'tiles' : 'values', partitions: todo.map((p) => p.ds), skipped, rows };
}

function readCheckpoint(path: string, table: OfflineTable, version: string, restart: boolean): Checkpoint {
  const empty = { table: table.table, version, done: {} };
  if (restart || !existsSync(path)) return empty;
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
    return c.table === table.table && c.version === version && typeof c.done === 'object' ? c : empty;
  } catch {
    return empty;
  }
}

/** An offline tile row (keys, hop_ms, tile_start, states...) as an online batch tile row. */
function tileRow(g: GroupRuntime, table: OfflineTable, r: Value[]): { key: Value[]; row: TileRow } {
  const nk = g.entity.keys.length;
  const states: Record<string, Value> = {};
  for (let i = nk + 2; i < table.columns.length; i++) if (r[i] !== null) states[table.columns[i].name] = r[i];
  return {
    key: r.slice(0, nk),
    row: { hopMs: r[nk] as number, tileStart: r[nk + 1] as number, streamPartition: BATCH_PARTITION, streamOffset: null, states, updatedAt: null },
  };
}

/** A daily row (keys, feature values...) as an online value row. */
function valueRow(g: GroupRuntime, table: OfflineTable, r: Value[], ds: string): { key: Value[]; row: ValueRow } {
  const nk = g.entity.keys.length;
  const values: Record<string, Value> = {};
  for (const f of g.layout.featureColumns) {
    const i = table.columns.findIndex((c) => c.name === f.column);
    values[f.feature] = i < 0 ? null : r[i];
  }
  return { key: r.slice(0, nk), row: { values, snapshotDs: ds, updatedAt: null } };
}
