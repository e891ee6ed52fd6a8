/**
 * TileSet: the tiles of one entity key, per (aggregation index, tile start), in memory.
 * The streaming materializer fills it from events; tiles can also be put or merged in
 * (putTile / mergeTile) and read at a query time (window-eval.ts). The sidecar does not use
 * it: it merges the tiles it reads straight into window states (serving/group-evaluator.ts).
 */
import type { AggregationSpec } from '../contracts/aggregation.js';
import type { Value } from '../contracts/types.js';
import { makeAggregator, type AggState, type Aggregator } from '../aggregations/aggregators.js';
import { floorTo } from './window-math.js';

/** What valueAt needs to read tiles: the aggregator and the tiles of an aggregation. */
export interface TileSource {
  aggregator(index: number): Aggregator;
  /** Tile start → partial state, for the aggregation's hop; undefined if none. */
  tiles(index: number): ReadonlyMap<number, AggState> | undefined;
}

export class TileSet implements TileSource {
  private readonly aggs: Aggregator[] = [];
  private readonly hops: number[] = [];
  private readonly maps: Map<number, AggState>[] = [];
  /** The tile updated last, per aggregation: events mostly land in the same tile. */
  private readonly lastStart: number[] = [];
  private readonly lastState: (AggState | null)[] = [];

  /**
   * specs: the aggregations to hold (by spec.index). Pass `aggregators` (by spec.index)
   * to share aggregators made once per group across many TileSets (one per key).
   */
  constructor(readonly specs: readonly AggregationSpec[], aggregators?: readonly Aggregator[]) {
    for (const spec of specs) {
      const i = spec.index;
      this.aggs[i] = aggregators?.[i] ?? makeAggregator(spec);
      this.hops[i] = spec.window.hopMs;
      this.maps[i] = new Map();
      this.lastStart[i] = NaN;
      this.lastState[i] = null;
    }
  }

  aggregator(index: number): Aggregator {
    const a = this.aggs[index];
    if (a === undefined) throw new Error(`palette: no aggregation ${index} in this tile set`);
    return a;
  }

  hopMs(index: number): number {
    this.aggregator(index);
    return this.hops[index];
  }

  tiles(index: number): ReadonlyMap<number, AggState> | undefined {
    return this.maps[index];
  }

  tile(index: number, start: number): AggState | undefined {
    return this.maps[index]?.get(start);
  }

  /** Adds one input value (already evaluated from the event) at ts to its tile. */
  update(index: number, ts: number, value: Value): void {
    const h = this.hops[index];
    if (h === undefined) this.aggregator(index);
    const start = floorTo(ts, h);
    let st = this.lastState[index];
    if (st === null || this.lastStart[index] !== start) {
      const map = this.maps[index];
      st = map.get(start) ?? null;
      if (st === null) {
        st = this.aggs[index].create();
        map.set(start, st);
      }
      this.lastStart[index] = start;
      this.lastState[index] = st;
    }
    this.aggs[index].update(st, value, ts);
  }

  /** Adds one event to every aggregation: values[i] is the input of specs[i]. */
  updateAll(ts: number, values: readonly Value[]): void {
    const specs = this.specs;
    for (let i = 0; i < specs.length; i++) this.update(specs[i].index, ts, values[i]);
  }

  /** Replaces a tile (e.g. one read from a store). The state becomes owned by the set. */
  putTile(index: number, start: number, state: AggState): void {
    this.checkStart(index, start);
    this.maps[index].set(start, state);
    this.forget(index);
  }

  /** Merges a state into a tile (e.g. a batch tile and a streaming tile of the same start). */
  mergeTile(index: number, start: number, state: AggState): void {
    this.checkStart(index, start);
    const map = this.maps[index];
    const cur = map.get(start);
    if (cur === undefined) map.set(start, this.aggs[index].clone(state));
    else this.aggs[index].mergeInto(cur, state);
  }

  /** Drops tiles with start < before (retention); returns how many. */
  deleteTilesBefore(index: number, before: number): number {
    this.aggregator(index);
    let n = 0;
    for (const start of this.maps[index].keys()) {
      if (start < before) {
        this.maps[index].delete(start);
        n++;
      }
    }
    this.forget(index);
    return n;
  }

  private forget(index: number): void {
    this.lastStart[index] = NaN;
    this.lastState[index] = null;
  }

  private checkStart(index: number, start: number): void {
    const h = this.hopMs(index);
    if (floorTo(start, h) !== start) throw new Error(`palette: tile start ${start} is not a multiple of hop ${h}`);
  }
}
