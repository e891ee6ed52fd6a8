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
 * stored head, window-eval.ts), with no per-key tile set in between. This is the sidecar's
 * per-request path; merges are associative and commutative (exact but for float rounding,
 * aggregators.ts), so the order rows arrive in does not change the values beyond that.
 */
import { type AggState, type Aggregator, makeAggregator } from '../aggregations/index.js';
import type { GroupRuntime } from '../contracts/group-runtime.js';
import { BATCH_PARTITION } from '../contracts/layout.js';
import type { Value } from '../contracts/types.js';
import { type CompiledExpr, compileExpr } from '../expr/index.js';
import type { TileRow, ValueRow } from '../stores/online-store.js';
import { floorTo, windowStart } from '../windows/index.js';

export interface GroupValues {
  /** Feature name (local) → value. */
  readonly values: Record<string, Value>;
  /** Newest tile start or snapshot time seen (epoch ms), for freshness; null if no data. */
  readonly newestData: number | null;
  /** True when the entity has no row at all. */
  readonly empty: boolean;
}

export class GroupEvaluator {
  private readonly aggregators: Aggregator[];
  private readonly features: { name: string; fn: CompiledExpr }[];
  /**
   * Per hop: the aggregations stored with that hop, their state columns, and a scratch array
   * for one tile's fields (fromFields reads it and keeps none of it, so it is reused).
   */
  private readonly byHop = new Map<number, { index: number; columns: string[]; fields: unknown[] }[]>();

  constructor(readonly group: GroupRuntime) {
    this.aggregators = group.aggregations.map((a) => makeAggregator(a));
    this.features = group.features.map((f) => ({ name: f.name, fn: compileExpr(f.expr) }));
    for (const s of group.layout.aggregations) {
      const list = this.byHop.get(s.hopMs) ?? [];
      list.push({ index: s.aggregationIndex, columns: s.columns.map((c) => c.column), fields: new Array(s.columns.length) });
      this.byHop.set(s.hopMs, list);
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

  /** Feature values at t from one entity's tile rows (windowed groups). */
  fromTiles(rows: readonly TileRow[], t: number): GroupValues {
    const specs = this.group.aggregations;
    const aggregators = this.aggregators;
    // Per aggregation (by index): its window state at t, and the oldest tile start the window holds.
    const states: AggState[] = new Array(specs.length);
    const from: number[] = new Array(specs.length);
    for (const a of specs) {
      states[a.index] = aggregators[a.index].create();
      from[a.index] = windowStart(a.window, t);
    }
    // Made only when there are batch rows (uploaded tiles): the streaming-only case is the common one.
    let batchTiles: Set<string> | null = null;
    for (const r of rows) if (r.streamPartition === BATCH_PARTITION) (batchTiles ??= new Set()).add(`${r.hopMs}:${r.tileStart}`);
    let newest: number | null = null;
    for (const r of rows) {
      // (No key string per row in the common case of no batch rows: this is the sidecar's hot loop.)
      if (batchTiles !== null && r.streamPartition !== BATCH_PARTITION && batchTiles.has(`${r.hopMs}:${r.tileStart}`)) continue;
      const aggs = this.byHop.get(r.hopMs);
      if (!aggs) continue; // a hop this version does not use: ignore
      if (floorTo(r.tileStart, r.hopMs) !== r.tileStart) throw new Error(`palette: tile start ${r.tileStart} is not a multiple of hop ${r.hopMs}`);
      newest = newest === null ? r.tileStart : Math.max(newest, r.tileStart);
      if (r.tileStart >= t) continue; // after t: in no window at t
      for (const a of aggs) {
        if (r.tileStart < from[a.index]) continue; // before this aggregation's window
        const fields = a.fields;
        let any = false;
        for (let i = 0; i < fields.length; i++) {
          const v = r.states[a.columns[i]] ?? null;
          fields[i] = v;
          if (v !== null) any = true;
        }
        if (!any) continue;
        aggregators[a.index].mergeFields(states[a.index], fields);
      }
    }
    const aggregates = specs.map((a) => aggregators[a.index].finalize(states[a.index]));
    return { values: this.finalize(aggregates, null), newestData: newest, empty: rows.length === 0 };
  }

  /** Feature values from a snapshot group's value row (already computed at upload). */
  fromValues(row: ValueRow | null): GroupValues {
    const values: Record<string, Value> = {};
    for (const f of this.group.features) values[f.name] = row ? row.values[f.name] ?? null : null;
    const newest = row?.snapshotDs ? Date.parse(`${row.snapshotDs}T00:00:00Z`) + 86_400_000 : null;
    return { values, newestData: newest, empty: row === null };
  }

  /** Features in dependency order over the finalized aggregates. */
  private finalize(aggregates: readonly Value[], snapshotDate: string | null): Record<string, Value> {
    const values: Record<string, Value> = {};
    const ctx = { aggregates, features: values, snapshotDate };
    for (const f of this.features) values[f.name] = f.fn({}, ctx);
    return values;
  }
}
