/**
 * A group's feature values at a time t from the online rows of one entity: the read side
 * of the online store, shared by the sidecar, `palette fetch` and `palette verify`.
 *
 * Batch and streaming tiles: for each (hop, tile start), if a batch row exists
 * (stream_partition = -1, uploaded from the offline store for a complete tile) it is used
 * alone, because it was computed from the complete offline data of that tile; otherwise the
 * rows of every stream partition are merged (each holds the events of one partition).
 * The merge and finalize functions are the runtime's (runtime/aggregations), the same ones
 * the offline engines are checked against by the conformance suite.
 *
 * Each tile's state is merged straight into the window state of every aggregation whose
 * window at t holds it (windowStart(window, t) <= tile start < t: the full tiles and the
 * stored head, window-eval.ts), with no per-key tile set in between, as the store decodes it
 * (TileMerge, a TileSink for OnlineStore.scanTiles: no row or state object per tile). This is
 * the sidecar's per-request path; merges are associative and commutative (exact but for float
 * rounding, aggregators.ts), so the order tiles arrive in does not change the values beyond that.
 */
import { type AggState, type Aggregator, makeAggregator } from '../aggregations/index.js';
import type { GroupRuntime } from '../contracts/group-runtime.js';
import { BATCH_PARTITION, hopStateColumns } from '../contracts/layout.js';
import type { Value } from '../contracts/types.js';
import { type CompiledExpr, compileExpr } from '../expr/index.js';
import { type TileRow, type TileSink, type ValueRow, scanTileRows } from '../stores/online-store.js';
import { floorTo, windowStart } from '../windows/index.js';

export interface GroupValues {
  /** Feature name (local) → value. */
  readonly values: Record<string, Value>;
  /** Newest tile start or snapshot time seen (epoch ms), for freshness; null if no data. */
  readonly newestData: number | null;
  /** True when the entity has no row at all. */
  readonly empty: boolean;
  /** Newest write among the rows read (epoch ms), when the store records it. */
  readonly updatedAt: number | null;
}

/**
 * Per hop: the aggregations stored with it, where their fields sit in a tile, and a scratch
 * array for one aggregation's fields (mergeFields keeps none of it, and a merge is synchronous,
 * so every merge of the evaluator shares it).
 */
interface HopAggregations {
  /** The hop's position among the evaluator's hops (TileMerge's per-hop arrays). */
  readonly position: number;
  /** The hop's bit in TileMerge's mask of hops with stream tiles seen. */
  readonly bit: number;
  readonly aggs: readonly { readonly index: number; readonly offset: number; readonly fields: Value[] }[];
}

export class GroupEvaluator {
  /** Shared with the evaluator's merges (TileMerge), as are byHop and finalize. */
  readonly aggregators: readonly Aggregator[];
  private readonly features: { name: string; fn: CompiledExpr }[];
  readonly byHop = new Map<number, HopAggregations>();

  constructor(readonly group: GroupRuntime) {
    this.aggregators = group.aggregations.map((a) => makeAggregator(a));
    this.features = group.features.map((f) => ({ name: f.name, fn: compileExpr(f.expr) }));
    for (const [hopMs, hop] of hopStateColumns(group.layout)) {
      if (this.byHop.size >= 31) throw new Error(`palette: ${group.name} has more than 31 hops`);
      this.byHop.set(hopMs, { position: this.byHop.size, bit: 1 << this.byHop.size, aggs: hop.aggregations.map((a) => ({ index: a.aggregationIndex, offset: a.offset, fields: new Array(a.width) })) });
    }
  }

  /** The oldest tile start any window needs at t (for a range read); null for lifetime windows. */
  oldestTileNeeded(t: number): number | null {
    let oldest = Infinity;
    for (const a of this.group.aggregations) {
      const s = windowStart(a.window, t);
      if (!Number.isFinite(s)) return null;
      oldest = Math.min(oldest, s);
    }
    return Number.isFinite(oldest) ? oldest : null;
  }

  /**
   * A merge of one entity's tiles at t: hand it to OnlineStore.scanTiles (it is a TileSink),
   * then take `values()`. One per read; not shared between reads.
   */
  merge(t: number): TileMerge {
    return new TileMerge(this, t);
  }

  /** Feature values at t from one entity's tile rows (windowed groups), in any order. */
  fromTiles(rows: readonly TileRow[], t: number): GroupValues {
    const m = this.merge(t);
    scanTileRows(rows, this.group.layout, m);
    return m.values();
  }

  /** Feature values from a snapshot group's value row (already computed at upload). */
  fromValues(row: ValueRow | null): GroupValues {
    const values: Record<string, Value> = {};
    for (const f of this.group.features) values[f.name] = row ? row.values[f.name] ?? null : null;
    const newest = row?.snapshotDs ? Date.parse(`${row.snapshotDs}T00:00:00Z`) + 86_400_000 : null;
    return { values, newestData: newest, empty: row === null, updatedAt: row?.updatedAt ?? null };
  }

  /** Features in dependency order over the finalized aggregates. */
  finalize(aggregates: readonly Value[], snapshotDate: string | null): Record<string, Value> {
    const values: Record<string, Value> = {};
    const ctx = { aggregates, features: values, snapshotDate };
    for (const f of this.features) values[f.name] = f.fn({}, ctx);
    return values;
  }
}

/**
 * One entity's window states at t, fed tile by tile (TileSink). Each tile's state is merged
 * straight into the window state of every aggregation whose window at t holds it
 * (windowStart(window, t) <= tile start < t). A batch tile (stream_partition -1) replaces the
 * stream tiles of the same (hop, tile start); scanTiles hands a hop's batch tiles in before its
 * stream tiles, so those are skipped as they come. A batch tile after a stream tile of its hop
 * would have come too late to replace it: that is an error, never a double count.
 */
export class TileMerge implements TileSink {
  private readonly states: AggState[];
  /** Per aggregation (by index): the oldest tile start its window holds at t. */
  private readonly from: number[];
  /** Per hop (HopAggregations.position): the oldest tile start any of its windows holds at t. */
  private readonly hopFrom: number[];
  /** `${hop}:${start}` of the batch tiles seen; made only when there are any (streaming-only is the common case). */
  private batchTiles: Set<string> | null = null;
  /** Bits (HopAggregations.bit) of the hops whose stream tiles were handed in. */
  private streamHops = 0;
  private newest: number | null = null;
  private updatedAt: number | null = null;
  private tiles = 0;

  constructor(private readonly evaluator: GroupEvaluator, private readonly t: number) {
    const specs = evaluator.group.aggregations;
    this.states = new Array(specs.length);
    this.from = new Array(specs.length);
    for (const a of specs) {
      this.states[a.index] = evaluator.aggregators[a.index].create();
      this.from[a.index] = windowStart(a.window, t);
    }
    this.hopFrom = new Array(evaluator.byHop.size).fill(Infinity);
    evaluator.byHop.forEach((hop) => {
      for (const a of hop.aggs) this.hopFrom[hop.position] = Math.min(this.hopFrom[hop.position], this.from[a.index]);
    });
  }

  /** A tile is merged only if some window of its hop holds it at t: the others need no decoding. */
  wants(hopMs: number, tileStart: number): boolean {
    const hop = this.evaluator.byHop.get(hopMs);
    return hop !== undefined && tileStart >= this.hopFrom[hop.position] && tileStart < this.t;
  }

  /**
   * One tile. Every tile counts for freshness (newest tile start, newest write) and emptiness;
   * only those with `fields` (the ones `wants` said yes to) are merged. Whether a tile is
   * wanted depends on its hop and start alone, so a batch tile and the stream tiles it
   * replaces are either all wanted or none.
   */
  tile(hopMs: number, tileStart: number, streamPartition: number, updatedAt: number | null, fields: readonly Value[] | null): void {
    const hop = this.evaluator.byHop.get(hopMs);
    if (!hop) return; // a hop this version does not use: ignore
    if (floorTo(tileStart, hopMs) !== tileStart) throw new Error(`palette: tile start ${tileStart} is not a multiple of hop ${hopMs}`);
    if (updatedAt !== null && (this.updatedAt === null || updatedAt > this.updatedAt)) this.updatedAt = updatedAt;
    if (streamPartition === BATCH_PARTITION) {
      if ((this.streamHops & hop.bit) !== 0) throw new Error(`palette: the online store handed a batch tile of hop ${hopMs} ms after stream tiles of that hop (OnlineStore.scanTiles order)`);
      if (fields !== null) (this.batchTiles ??= new Set()).add(`${hopMs}:${tileStart}`);
    } else {
      this.streamHops |= hop.bit;
      // (No key string per tile in the common case of no batch tiles: this is the sidecar's hot loop.)
      if (fields !== null && this.batchTiles !== null && this.batchTiles.has(`${hopMs}:${tileStart}`)) return;
    }
    this.tiles++;
    if (this.newest === null || tileStart > this.newest) this.newest = tileStart;
    if (fields === null || tileStart >= this.t) return; // not wanted, or after t: in no window at t
    const aggregators = this.evaluator.aggregators;
    for (const a of hop.aggs) {
      if (tileStart < this.from[a.index]) continue; // before this aggregation's window
      const own = a.fields;
      let any = false;
      for (let i = 0; i < own.length; i++) {
        const v = fields[a.offset + i];
        own[i] = v;
        if (v !== null) any = true;
      }
      if (any) aggregators[a.index].mergeFields(this.states[a.index], own);
    }
  }

  /** The group's feature values at t from the tiles handed in. */
  values(): GroupValues {
    const specs = this.evaluator.group.aggregations;
    const aggregates = specs.map((a) => this.evaluator.aggregators[a.index].finalize(this.states[a.index]));
    return { values: this.evaluator.finalize(aggregates, null), newestData: this.newest, empty: this.tiles === 0, updatedAt: this.updatedAt };
  }
}
