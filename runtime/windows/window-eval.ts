/**
 * The value of a windowed aggregation at a query time t: merge the window's full tiles and
 * the head (window-math.ts), then finalize.
 *
 * The head [floor(t, H), t) must hold only events with ts < t. Two ways to get it:
 *   - 'stored' (the default): the stored tile that starts at floor(t, H). Exact when that
 *     tile only holds events before t: the case of a streaming tile read at t = now (the
 *     materializer has not seen events from the future). For t in the past, it is not.
 *   - an explicit state, e.g. headState(events, spec, t) built from raw events: exact at
 *     any t. computeAt does this for a list of events.
 * When t is on a hop boundary the head is empty and no stored tile is used as head.
 */
import type { AggregationSpec } from '../contracts/aggregation.js';
import type { Value } from '../contracts/types.js';
import { makeAggregator, type AggState } from '../aggregations/aggregators.js';
import { TileSet, type TileSource } from './tile-set.js';
import { floorTo, inWindow, windowRange } from './window-math.js';

/** An event reduced to what one aggregation needs: its time and its input value. */
export interface TimedValue {
  readonly ts: number;
  /** The aggregation's input (ignored by count()). */
  readonly value: Value;
}

/** The merged (not finalized) state of the window at t. A new state: tiles are untouched. */
export function stateAt(
  tiles: TileSource, spec: AggregationSpec, t: number, head: AggState | 'stored' = 'stored',
): AggState {
  const agg = tiles.aggregator(spec.index);
  const map = tiles.tiles(spec.index);
  const out = agg.create();
  const r = windowRange(spec.window, t);
  const h = r.hopMs;
  // The head first, then full tiles newest first: last_k can then skip older tiles once full.
  if (head === 'stored') {
    if (r.headStart < t && map !== undefined) {
      const st = map.get(r.headStart);
      if (st !== undefined) agg.mergeInto(out, st);
    }
  } else {
    agg.mergeInto(out, head);
  }
  if (map !== undefined && map.size > 0) {
    if (spec.window.kind === 'sliding' && (r.headStart - r.from) / h <= map.size) {
      // Fewer tile starts in the window than stored tiles: look each one up.
      for (let s = r.headStart - h; s >= r.from; s -= h) {
        const st = map.get(s);
        if (st !== undefined) agg.mergeInto(out, st);
      }
    } else {
      // forEach, not for-of: for-of makes an entry array per tile (the sidecar's hot path).
      const from = r.from;
      const headStart = r.headStart;
      map.forEach((st, s) => {
        if (s >= from && s < headStart) agg.mergeInto(out, st);
      });
    }
  }
  return out;
}

/** The finalized value of the window at t (see the head rules above). */
export function valueAt(
  tiles: TileSource, spec: AggregationSpec, t: number, head: AggState | 'stored' = 'stored',
): Value {
  return tiles.aggregator(spec.index).finalize(stateAt(tiles, spec, t, head));
}

/** The exact head at t from raw events: the events with floor(t, H) <= ts < t. */
export function headState(events: Iterable<TimedValue>, spec: AggregationSpec, t: number): AggState {
  const agg = makeAggregator(spec);
  const st = agg.create();
  const from = floorTo(t, spec.window.hopMs);
  for (const e of events) {
    if (e.ts >= from && e.ts < t) agg.update(st, e.value, e.ts);
  }
  return st;
}

/**
 * The value at t through the tile path, exact at any t: full tiles built from the events
 * before floor(t, H), the head from the raw events in [floor(t, H), t).
 */
export function computeAt(events: Iterable<TimedValue>, spec: AggregationSpec, t: number): Value {
  const tiles = new TileSet([spec]);
  const headFrom = floorTo(t, spec.window.hopMs);
  const list = Array.isArray(events) ? (events as readonly TimedValue[]) : Array.from(events);
  for (const e of list) {
    if (e.ts < headFrom) tiles.update(spec.index, e.ts, e.value);
  }
  return valueAt(tiles, spec, t, headState(list, spec, t));
}

/**
 * Reference implementation, straight from the definition (no tiles): aggregate the events
 * with floor(t - W, H) <= ts < t (ts < t for lifetime windows). For tests and conformance.
 */
export function naiveValueAt(events: Iterable<TimedValue>, spec: AggregationSpec, t: number): Value {
  const agg = makeAggregator(spec);
  const st = agg.create();
  for (const e of events) {
    if (inWindow(spec.window, e.ts, t)) agg.update(st, e.value, e.ts);
  }
  return agg.finalize(st);
}
