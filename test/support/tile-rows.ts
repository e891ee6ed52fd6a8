/**
 * Online tile rows for test and benchmark data, made the way the materializer makes them:
 * each event goes through the group's lets and filter (compileRowPipeline), each
 * aggregation's input (compileExpr) and its aggregator, into one row per (entity key, hop,
 * tile start, stream partition) holding the partial states in their storage form
 * (`toFields`, in the layout's column order).
 */
import { type AggState, type Aggregator, makeAggregator } from '../../runtime/aggregations/index.js';
import type { MaterializedGroup } from '../../runtime/contracts/plan.js';
import type { Value } from '../../runtime/contracts/types.js';
import { type CompiledExpr, type Row, compileExpr, compileRowPipeline } from '../../runtime/expr/index.js';
import type { TileRow } from '../../runtime/stores/online-store.js';
import { floorTo } from '../../runtime/windows/index.js';

export interface KeyedTileRow {
  readonly key: Value[];
  readonly row: TileRow;
}

/**
 * Tile rows of one windowed group from events (source rows with the source's fields and
 * its timestamp field as epoch ms). `partitionOf` says which stream partition an event came
 * through (default: all in partition 0); use BATCH_PARTITION (-1) for uploaded batch tiles.
 */
export function tileRowsFor(
  mg: MaterializedGroup, events: readonly Row[], timestampField: string,
  opts: { partitionOf?: (e: Row, i: number) => number; updatedAt?: number } = {},
): KeyedTileRow[] {
  const g = mg.group;
  const pipeline = compileRowPipeline(mg.lets, mg.filter);
  const aggs: Aggregator[] = g.aggregations.map((a) => makeAggregator(a));
  const inputs: (CompiledExpr | null)[] = g.aggregations.map((a) => (a.input ? compileExpr(a.input) : null));
  const rows = new Map<string, { key: Value[]; hopMs: number; tileStart: number; partition: number; states: Map<number, AggState> }>();
  events.forEach((ev, i) => {
    const row: Row = { ...ev };
    if (!pipeline(row)) return;
    const key = mg.keyColumns.map((c) => (row[c] ?? null) as Value);
    if (key.some((k) => k === null)) return;
    const ts = row[timestampField] as number;
    const partition = opts.partitionOf?.(ev, i) ?? 0;
    for (const s of g.layout.aggregations) {
      const start = floorTo(ts, s.hopMs);
      const id = `${JSON.stringify(key)}|${s.hopMs}|${start}|${partition}`;
      let r = rows.get(id);
      if (!r) { r = { key, hopMs: s.hopMs, tileStart: start, partition, states: new Map() }; rows.set(id, r); }
      const agg = aggs[s.aggregationIndex];
      let st = r.states.get(s.aggregationIndex);
      if (!st) { st = agg.create(); r.states.set(s.aggregationIndex, st); }
      const input = inputs[s.aggregationIndex];
      agg.update(st, input ? input(row) : null, ts);
    }
  });
  const out: KeyedTileRow[] = [];
  for (const r of rows.values()) {
    const states: Record<string, Value> = {};
    for (const s of g.layout.aggregations) {
      if (s.hopMs !== r.hopMs) continue;
      const st = r.states.get(s.aggregationIndex);
      if (!st) continue;
      const fields = aggs[s.aggregationIndex].toFields(st);
      s.columns.forEach((c, i) => { if (fields[i] !== null && fields[i] !== undefined) states[c.column] = fields[i] as Value; });
    }
    out.push({
      key: r.key,
      row: { hopMs: r.hopMs, tileStart: r.tileStart, streamPartition: r.partition, streamOffset: r.partition < 0 ? null : 0, states, updatedAt: opts.updatedAt ?? null },
    });
  }
  return out;
}
