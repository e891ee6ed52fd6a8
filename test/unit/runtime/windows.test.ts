import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGG_FNS, DAY_MS, HOUR_MS, MINUTE_MS, type AggFn, type AggregationSpec, type Window } from '../../../runtime/contracts/aggregation.js';
import type { ScalarTypeName, Value } from '../../../runtime/contracts/types.js';
import {
  TileSet, computeAt, floorTo, headState, inWindow, naiveValueAt, tileStart, valueAt, windowRange, windowStart,
  type TimedValue,
} from '../../../runtime/windows/index.js';
import { aggSpec, assertClose, pick, prng, randInt, randomValue } from './helpers.js';

const sliding = (sizeMs: number, hopMs: number): Window => ({ kind: 'sliding', sizeMs, hopMs });
const lifetime = (hopMs: number): Window => ({ kind: 'lifetime', hopMs });

describe('hop arithmetic', () => {
  it('floorTo rounds towards minus infinity', () => {
    assert.equal(floorTo(0, 10), 0);
    assert.equal(floorTo(9, 10), 0);
    assert.equal(floorTo(10, 10), 10);
    assert.equal(floorTo(-1, 10), -10);
    assert.equal(floorTo(-10, 10), -10);
    assert.equal(floorTo(-11, 10), -20);
    assert.equal(floorTo(Date.UTC(2024, 0, 1, 13, 7), HOUR_MS), Date.UTC(2024, 0, 1, 13));
    assert.equal(floorTo(Date.UTC(1969, 11, 31, 23, 59, 59, 999), DAY_MS), Date.UTC(1969, 11, 31));
    assert.equal(floorTo(Date.UTC(1900, 5, 15, 6), DAY_MS), Date.UTC(1900, 5, 15));
  });

  it('tileStart and windowRange', () => {
    assert.equal(tileStart(-1, 5 * MINUTE_MS), -5 * MINUTE_MS);
    const t = Date.UTC(2024, 0, 8, 10, 30);
    const r = windowRange(sliding(7 * DAY_MS, HOUR_MS), t);
    assert.equal(r.from, Date.UTC(2024, 0, 1, 10));
    assert.equal(r.headStart, Date.UTC(2024, 0, 8, 10));
    assert.equal(r.end, t);
    assert.equal(windowRange(lifetime(DAY_MS), t).from, -Infinity);
    assert.equal(windowStart(sliding(90 * MINUTE_MS, HOUR_MS), Date.UTC(2024, 0, 1, 10, 30)), Date.UTC(2024, 0, 1, 9));
  });

  it('inWindow: the tail is aligned to the hop, the head is exact', () => {
    const w = sliding(HOUR_MS, 5 * MINUTE_MS);
    const t = Date.UTC(2024, 0, 1, 10, 7);
    const start = Date.UTC(2024, 0, 1, 9, 5);
    assert.ok(inWindow(w, start, t));
    assert.ok(!inWindow(w, start - 1, t));
    assert.ok(inWindow(w, t - 1, t));
    assert.ok(!inWindow(w, t, t));
    assert.ok(inWindow(lifetime(DAY_MS), -1e15, t));
    assert.ok(!inWindow(lifetime(DAY_MS), t, t));
  });
});

/** Events of one aggregation: [ts, value]. */
function ev(...pairs: [number, Value][]): TimedValue[] {
  return pairs.map(([ts, value]) => ({ ts, value }));
}

function tilesOf(spec: AggregationSpec, events: readonly TimedValue[]): TileSet {
  const tiles = new TileSet([spec]);
  for (const e of events) tiles.update(spec.index, e.ts, e.value);
  return tiles;
}

describe('window edges', () => {
  const H = 5 * MINUTE_MS;
  const spec = aggSpec('sum', 'int', { window: sliding(HOUR_MS, H) });
  const t = Date.UTC(2024, 0, 1, 10, 7);
  const from = Date.UTC(2024, 0, 1, 9, 5);
  const events = ev([from - 1, 1], [from, 10], [from + H, 100], [floorTo(t, H), 1000], [t - 1, 10_000], [t, 100_000], [t + H, 1_000_000]);

  it('counts events on the window start and just before t, not at t or earlier than the start', () => {
    assert.equal(naiveValueAt(events, spec, t), 11_110);
    assert.equal(computeAt(events, spec, t), 11_110);
    assert.equal(valueAt(tilesOf(spec, events), spec, t, headState(events, spec, t)), 11_110);
  });

  it('t on a hop boundary: the head is empty and the stored tile at t is not used', () => {
    const ta = floorTo(t, H);
    const tiles = tilesOf(spec, events);
    // Window at ta: [floor(ta - 1h, H), ta) = [09:05, 10:05).
    assert.equal(naiveValueAt(events, spec, ta), 110);
    assert.equal(valueAt(tiles, spec, ta), 110);
    assert.equal(valueAt(tiles, spec, ta, headState(events, spec, ta)), 110);
  });

  it('stored head at t = now is exact when the tiles hold no event at or after now', () => {
    const now = t;
    const past = events.filter((e) => e.ts < now);
    assert.equal(valueAt(tilesOf(spec, past), spec, now), naiveValueAt(events, spec, now));
    // With an event from the future in the head tile, only an explicit head is exact.
    const withFuture = past.concat(ev([now + 1, 5]));
    assert.notEqual(valueAt(tilesOf(spec, withFuture), spec, now), naiveValueAt(withFuture, spec, now));
    assert.equal(valueAt(tilesOf(spec, withFuture), spec, now, headState(withFuture, spec, now)), naiveValueAt(withFuture, spec, now));
  });

  it('pre-1970 timestamps and windows across the epoch', () => {
    const w = sliding(DAY_MS, HOUR_MS);
    const s = aggSpec('count', null, { window: w });
    const t0 = 30 * MINUTE_MS; // 1970-01-01T00:30Z
    const evs = ev([-DAY_MS - 1, 1], [-DAY_MS, 1], [-1, 1], [0, 1], [t0 - 1, 1], [t0, 1]);
    // floor(t0 - 1d, 1h) = -1d: includes -1d, -1, 0, t0 - 1.
    assert.equal(naiveValueAt(evs, s, t0), 4);
    assert.equal(computeAt(evs, s, t0), 4);
    const tn = Date.UTC(1969, 6, 20, 20, 17, 40);
    const e2 = ev([tn - 1, 1], [floorTo(tn - DAY_MS, HOUR_MS), 1], [floorTo(tn - DAY_MS, HOUR_MS) - 1, 1]);
    assert.equal(computeAt(e2, s, tn), 2);
  });

  it('lifetime windows cover every earlier event', () => {
    const s = aggSpec('min', 'int', { window: lifetime(DAY_MS) });
    const evs = ev([-50 * DAY_MS, -7], [3 * DAY_MS + 5, 2], [10 * DAY_MS, -100]);
    assert.equal(computeAt(evs, s, 3 * DAY_MS + 6), -7);
    assert.equal(valueAt(tilesOf(s, evs), s, 10 * DAY_MS), -7);
    assert.equal(computeAt(evs, s, 10 * DAY_MS + 1), -100);
    assert.equal(computeAt(evs, s, -50 * DAY_MS), null);
  });

  it('empty windows: count 0, others null', () => {
    const evs = ev([0, 5]);
    assert.equal(computeAt(evs, aggSpec('count', 'int', { window: sliding(HOUR_MS, H) }), 10 * HOUR_MS), 0);
    assert.equal(computeAt(evs, aggSpec('count_distinct', 'int', { window: sliding(HOUR_MS, H) }), 10 * HOUR_MS), 0);
    assert.equal(computeAt(evs, aggSpec('avg', 'int', { window: sliding(HOUR_MS, H) }), 10 * HOUR_MS), null);
    assert.equal(computeAt([], aggSpec('last_k', 'int', { window: sliding(HOUR_MS, H) }), 0), null);
  });
});

describe('TileSet', () => {
  it('keeps tiles per aggregation and hop; put, merge, delete', () => {
    const a = aggSpec('count', null, { index: 0, window: sliding(HOUR_MS, 5 * MINUTE_MS) });
    const b = aggSpec('sum', 'int', { index: 1, window: sliding(DAY_MS, HOUR_MS) });
    const tiles = new TileSet([a, b]);
    tiles.updateAll(HOUR_MS + 1, [null, 4]);
    tiles.updateAll(HOUR_MS + 6 * MINUTE_MS, [null, 5]);
    assert.deepEqual([...tiles.tiles(0)!.keys()], [HOUR_MS, HOUR_MS + 5 * MINUTE_MS]);
    assert.deepEqual([...tiles.tiles(1)!.keys()], [HOUR_MS]);
    assert.deepEqual(tiles.aggregator(1).toFields(tiles.tile(1, HOUR_MS)!), [9]);
    const agg = tiles.aggregator(1);
    tiles.mergeTile(1, HOUR_MS, agg.fromFields([1]));
    assert.deepEqual(agg.toFields(tiles.tile(1, HOUR_MS)!), [10]);
    tiles.putTile(1, 0, agg.fromFields([100]));
    tiles.update(1, 5, 1); // lands in the put tile, not a cached one
    assert.deepEqual(agg.toFields(tiles.tile(1, 0)!), [101]);
    assert.equal(valueAt(tiles, b, 2 * HOUR_MS), 111);
    assert.throws(() => tiles.putTile(1, 5, agg.create()), /multiple of hop/);
    assert.throws(() => tiles.update(7, 0, 1), /no aggregation 7/);
    assert.equal(tiles.deleteTilesBefore(1, HOUR_MS), 1);
    assert.equal(valueAt(tiles, b, 2 * HOUR_MS), 10);
  });

  it('valueAt does not modify the tiles', () => {
    const s = aggSpec('last_k', 'int', { k: 2 });
    const tiles = tilesOf(s, ev([0, 1], [1, 2], [2, 3]));
    const before = tiles.aggregator(0).toFields(tiles.tile(0, 0)!);
    valueAt(tiles, s, HOUR_MS, headState(ev([HOUR_MS - 1, 9]), s, HOUR_MS));
    assert.deepEqual(tiles.aggregator(0).toFields(tiles.tile(0, 0)!), before);
  });
});

// ------------------------------------------------------------------ tiles == definition

const TYPES_OF: Record<AggFn, (ScalarTypeName | null)[]> = {
  count: [null, 'double'], sum: ['int', 'double'], avg: ['int', 'double'], variance: ['double', 'int'],
  stddev: ['double'], min: ['double', 'string'], max: ['int', 'string', 'boolean'], first: ['int', 'string'],
  last: ['double', 'date'], last_k: ['int', 'string'], count_distinct: ['int', 'string'],
};

const WINDOWS: Window[] = [
  sliding(HOUR_MS, 5 * MINUTE_MS),
  sliding(90 * MINUTE_MS, HOUR_MS), // W not a multiple of H
  sliding(HOUR_MS, HOUR_MS),
  sliding(2 * DAY_MS, DAY_MS),
  lifetime(DAY_MS),
  lifetime(HOUR_MS),
];

describe('valueAt over tiles (exact head) equals naiveValueAt (random, seeded)', () => {
  for (const [wi, window] of WINDOWS.entries()) {
    const label = window.kind === 'sliding' ? `over ${window.sizeMs / MINUTE_MS}m every ${window.hopMs / MINUTE_MS}m` : `over all every ${window.hopMs / MINUTE_MS}m`;
    it(label, () => {
      const rnd = prng(4242 + wi);
      const H = window.hopMs;
      const specs: AggregationSpec[] = [];
      for (const fn of AGG_FNS) {
        for (const type of TYPES_OF[fn]) specs.push(aggSpec(fn, type, { window, index: specs.length, k: 3 }));
      }
      const span = 3 * DAY_MS;
      for (let round = 0; round < 4; round++) {
        // Events around the epoch, many on hop edges, with equal timestamps.
        const times: number[] = [];
        for (let i = 0; i < 250; i++) {
          const r = rnd();
          if (r < 0.3) times.push(floorTo(randInt(rnd, -span, span), H));
          else if (r < 0.4) times.push(floorTo(randInt(rnd, -span, span), H) + pick(rnd, [-1, 1]));
          else if (r < 0.55 && times.length > 0) times.push(pick(rnd, times));
          else times.push(randInt(rnd, -span, span));
        }
        const eventsBySpec = specs.map((s) => {
          const type = s.input === null ? null : (s.input.type.kind === 'scalar' ? s.input.type.name : null);
          return times.map((ts) => ({ ts, value: randomValue(rnd, type) }));
        });
        const tiles = new TileSet(specs);
        // Arrival order differs from time order.
        const order = times.map((_, i) => i).sort(() => rnd() - 0.5);
        for (const i of order) tiles.updateAll(times[i], eventsBySpec.map((evs) => evs[i].value));

        const queries: number[] = [];
        for (let q = 0; q < 40; q++) {
          const r = rnd();
          if (r < 0.25) queries.push(floorTo(randInt(rnd, -span, span), H));
          else if (r < 0.5) queries.push(pick(rnd, times) + pick(rnd, [0, 1]));
          else queries.push(randInt(rnd, -span - DAY_MS, span + DAY_MS));
        }
        for (const q of queries) {
          for (const [i, spec] of specs.entries()) {
            const events = eventsBySpec[i];
            const expected = naiveValueAt(events, spec, q);
            const got = valueAt(tiles, spec, q, headState(events, spec, q));
            assertClose(got, expected, `${spec.display} ${JSON.stringify(spec.input?.type)} at ${q}`);
          }
        }
        // Streaming: tiles hold only events before now, so the stored head tile is exact.
        for (let k = 0; k < 3; k++) {
          const now = pick(rnd, queries);
          const live = new TileSet(specs);
          for (const i of order) {
            if (times[i] < now) live.updateAll(times[i], eventsBySpec.map((evs) => evs[i].value));
          }
          for (const [i, spec] of specs.entries()) {
            assertClose(valueAt(live, spec, now), naiveValueAt(eventsBySpec[i], spec, now), `${spec.display} stored head at ${now}`);
          }
        }
        // computeAt (tiles from the events, then merge) agrees too.
        for (const [i, spec] of specs.entries()) {
          const q = pick(rnd, queries);
          assertClose(computeAt(eventsBySpec[i], spec, q), naiveValueAt(eventsBySpec[i], spec, q));
        }
      }
    });
  }
});
