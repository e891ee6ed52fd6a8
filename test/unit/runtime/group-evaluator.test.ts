/**
 * GroupEvaluator: feature values from online tile rows equal the runtime computed from raw
 * events, streaming rows of several partitions merge, and a batch row supersedes the
 * streaming rows of its tile.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSources } from '../../../compiler/compile.js';
import { runtimeGroup } from '../../../compiler/targets/runtime-group.js';
import { makeAggregator } from '../../../runtime/aggregations/index.js';
import { BATCH_PARTITION, type Value } from '../../../runtime/contracts/index.js';
import { GroupEvaluator } from '../../../runtime/serving/group-evaluator.js';
import type { TileRow } from '../../../runtime/stores/online-store.js';
import { computeAt, floorTo, windowStart } from '../../../runtime/windows/index.js';

const SRC = `namespace t
entity u { key user_id: string }
source ev { events  table hive "raw.ev"  timestamp ts  fields { user_id: string, amount: double?, ts: timestamp } }
group g on u from ev {
  feature n_1h   = count() over 1h
  feature sum_1d = sum(amount) over 1d
  feature avg_1d = avg(amount) over 1d
  feature last_a = last(amount) over 1d
  feature ratio  = sum_1d / nullif(cast(n_1h as double), 0)
}
`;

const result = compileSources([{ path: 'g.pal', text: SRC }]);
assert.ok(result.registry, JSON.stringify(result.diagnostics));
const group = runtimeGroup(result.registry, result.registry.groups[0]);

interface Ev { ts: number; amount: number | null; partition: number }

/** Tile rows as a materializer would write them: one row per (hop, tile start, partition). */
function rowsFor(events: Ev[], g = group): TileRow[] {
  const rows = new Map<string, { hopMs: number; tileStart: number; streamPartition: number; states: Record<string, Value> }>();
  const aggs = g.aggregations.map((a) => makeAggregator(a));
  const states = new Map<string, unknown>();
  for (const e of events) {
    for (const storage of g.layout.aggregations) {
      const spec = g.aggregations[storage.aggregationIndex];
      const start = floorTo(e.ts, storage.hopMs);
      const k = `${storage.aggregationIndex}:${start}:${e.partition}`;
      const agg = aggs[spec.index];
      if (!states.has(k)) states.set(k, agg.create());
      agg.update(states.get(k) as never, spec.input ? e.amount : null, e.ts);
      const rk = `${storage.hopMs}:${start}:${e.partition}`;
      if (!rows.has(rk)) rows.set(rk, { hopMs: storage.hopMs, tileStart: start, streamPartition: e.partition, states: {} });
      const fields = agg.toFields(states.get(k) as never);
      storage.columns.forEach((c, i) => { rows.get(rk)!.states[c.column] = fields[i] as Value; });
    }
  }
  return [...rows.values()].map((r) => ({ ...r, streamOffset: null, updatedAt: null }));
}

function expected(events: Ev[], t: number): Record<string, Value> {
  const vals = group.aggregations.map((a) => computeAt(events.map((e) => ({ ts: e.ts, value: a.input ? e.amount : null })), a, t));
  const agg = (feature: string) => {
    const f = group.features.find((x) => x.name === feature)!;
    assert.equal(f.expr.kind, 'aggregate');
    return vals[(f.expr as { index: number }).index];
  };
  const n = agg('n_1h') as number;
  const sum = agg('sum_1d') as number | null;
  return { n_1h: n, sum_1d: sum, avg_1d: agg('avg_1d'), last_a: agg('last_a'), ratio: sum === null || n === 0 ? null : sum / n };
}

test('values from streaming rows of two partitions equal the runtime over raw events', () => {
  const t0 = Date.UTC(2026, 0, 10);
  const events: Ev[] = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 400; i++) events.push({ ts: t0 - Math.floor(rnd() * 2 * 86_400_000), amount: rnd() < 0.1 ? null : Math.round(rnd() * 10000) / 100, partition: i % 2 });
  const now = t0; // every event is before now: the stored head tile is exact
  const ev = new GroupEvaluator(group);
  const got = ev.fromTiles(rowsFor(events), now);
  const want = expected(events, now);
  for (const k of Object.keys(want)) {
    const a = got.values[k];
    const b = want[k];
    if (typeof a === 'number' && typeof b === 'number') assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${k}: ${a} vs ${b}`);
    else assert.deepEqual(a, b, k);
  }
  assert.equal(got.empty, false);
  assert.equal(ev.fromTiles([], now).values.n_1h, 0);
  assert.equal(ev.fromTiles([], now).values.sum_1d, null);
});

test('a batch row supersedes the streaming rows of the same tile', () => {
  const t = Date.UTC(2026, 0, 10, 12);
  const ts = t - 30 * 60_000;
  const streaming = rowsFor([{ ts, amount: 5, partition: 0 }, { ts, amount: 7, partition: 1 }]);
  const batch = rowsFor([{ ts, amount: 5, partition: BATCH_PARTITION }, { ts, amount: 7, partition: BATCH_PARTITION }]);
  const ev = new GroupEvaluator(group);
  assert.equal(ev.fromTiles(streaming, t).values.sum_1d, 12);
  assert.equal(ev.fromTiles([...streaming, ...batch], t).values.sum_1d, 12, 'not 24: the batch row replaces the streaming rows');
  assert.equal(ev.fromTiles(batch, t).values.n_1h, 2);
});

test('merge (the scanTiles sink): the same values as fromTiles; a batch tile after a stream tile of its hop is an error', () => {
  const t = Date.UTC(2026, 0, 10, 12);
  const ts = t - 30 * 60_000;
  const streaming = rowsFor([{ ts, amount: 5, partition: 0 }, { ts: ts - 3 * 3_600_000, amount: 7, partition: 1 }]);
  const batch = rowsFor([{ ts, amount: 4, partition: BATCH_PARTITION }]);
  const ev = new GroupEvaluator(group);
  const hopColumns = (hopMs: number) => group.layout.aggregations.filter((a) => a.hopMs === hopMs).flatMap((a) => a.columns.map((c) => c.column));
  const feed = (m: ReturnType<GroupEvaluator['merge']>, rows: TileRow[]) => {
    for (const r of rows) m.tile(r.hopMs, r.tileStart, r.streamPartition, r.updatedAt, hopColumns(r.hopMs).map((c) => r.states[c] ?? null));
    return m;
  };
  const inOrder = feed(ev.merge(t), [...batch, ...streaming]).values();
  const want = ev.fromTiles([...streaming, ...batch], t);
  assert.deepEqual(inOrder, want);
  assert.equal(inOrder.values.sum_1d, 4 + 7, 'the batch tile replaced the stream tile of its hour, the other stream tile counted');
  assert.equal(inOrder.empty, false);
  assert.equal(feed(ev.merge(t), []).values().empty, true);
  // Stream first: the batch tile would come too late to replace it.
  const late = ev.merge(t);
  feed(late, streaming.filter((r) => r.hopMs === batch[0].hopMs));
  assert.throws(() => feed(late, batch), /handed a batch tile of hop \d+ ms after stream tiles of that hop/);
});

test('at any query time: tiles before a window or after t are left out, the head tile is used up to t', () => {
  const t0 = Date.UTC(2026, 0, 10);
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const events: Ev[] = [];
  for (let i = 0; i < 600; i++) events.push({ ts: t0 - Math.floor(rnd() * 3 * 86_400_000), amount: rnd() < 0.1 ? null : Math.round(rnd() * 10000) / 100, partition: i % 3 });
  const ev = new GroupEvaluator(group);
  const maxHop = Math.max(...group.layout.aggregations.map((a) => a.hopMs));
  // Query times on and off hop boundaries, within and past the events.
  const times = [t0, t0 - 3_600_000, t0 - 86_400_000, t0 + 7 * 60_000];
  for (let i = 0; i < 30; i++) times.push(t0 - Math.floor(rnd() * 3 * 86_400_000));
  let checked = 0;
  for (const t of times) {
    // The rows a materializer has at t, plus the tiles that start at or after t (as when
    // reading back in time): the head tile holds only events before t, later tiles none.
    const nextBoundary = Math.ceil(t / maxHop) * maxHop;
    const visible = events.filter((e) => e.ts < t || e.ts >= nextBoundary);
    const got = ev.fromTiles(rowsFor(visible), t);
    const want = expected(events.filter((e) => e.ts < t), t);
    for (const k of Object.keys(want)) {
      const a = got.values[k];
      const b = want[k];
      if (typeof a === 'number' && typeof b === 'number') assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `t=${t} ${k}: ${a} vs ${b}`);
      else assert.equal(a, b, `t=${t} ${k}`);
      checked++;
    }
  }
  assert.equal(checked, times.length * 5);
});

// Two windows on one hop (1d and 2d, both hourly): a tile is wanted while the longer one holds it.
const WIDE = compileSources([{ path: 'w.pal', text: SRC.replace('feature last_a = last(amount) over 1d', 'feature sum_2d = sum(amount) over 2d') }]);
assert.ok(WIDE.registry, JSON.stringify(WIDE.diagnostics));
const wide = runtimeGroup(WIDE.registry, WIDE.registry.groups[0]);

for (const [label, g] of [['one window per hop', group], ['two windows on a hop', wide]] as const) test(`merge (${label}): tiles no window of their hop holds at t are not wanted (not decoded), and leave values, freshness and emptiness as a merge of every tile`, () => {
  const t0 = Date.UTC(2026, 0, 10);
  let seed = 5;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const events: Ev[] = [];
  for (let i = 0; i < 300; i++) events.push({ ts: t0 - Math.floor(rnd() * 2 * 86_400_000), amount: Math.round(rnd() * 1000) / 100, partition: i % 2 });
  const rows = rowsFor(events, g).map((r, i) => ({ ...r, updatedAt: t0 - i }));
  const ev = new GroupEvaluator(g);
  const hopColumns = (hopMs: number) => g.layout.aggregations.filter((a) => a.hopMs === hopMs).flatMap((a) => a.columns.map((c) => c.column));
  // Every tile with its states, as a sink without `wants` is fed.
  const everyTile = (t: number) => {
    const m = ev.merge(t);
    for (const r of rows) m.tile(r.hopMs, r.tileStart, r.streamPartition, r.updatedAt, hopColumns(r.hopMs).map((c) => r.states[c] ?? null));
    return m.values();
  };
  // Within the events (the newest tiles after t), and after every window has passed them.
  for (const t of [t0 - 86_400_000 + 17 * 60_000, t0 - 3_600_000, t0 + 3 * 86_400_000]) {
    const m = ev.merge(t);
    const unwanted = rows.filter((r) => !m.wants(r.hopMs, r.tileStart));
    if (t > t0 + 2 * 86_400_000) assert.equal(unwanted.length, rows.length, `t=${t}: every window has passed every tile`);
    else assert.ok(unwanted.length > 0 && unwanted.length < rows.length, `t=${t}: some tiles wanted, some not (${unwanted.length} of ${rows.length} not)`);
    // Exactly the tiles some window of their hop holds at t are wanted.
    for (const r of rows) {
      const windows = g.layout.aggregations.filter((a) => a.hopMs === r.hopMs).map((a) => g.aggregations[a.aggregationIndex].window);
      const held = r.tileStart < t && windows.some((w) => r.tileStart >= windowStart(w, t));
      assert.equal(m.wants(r.hopMs, r.tileStart), held, `t=${t}: tile ${r.hopMs}:${r.tileStart}`);
    }
    const got = ev.fromTiles(rows, t); // scanTileRows: asks `wants`, hands the others without states
    assert.deepEqual(got, everyTile(t), `t=${t}`);
  }
  const late = ev.fromTiles(rows, t0 + 3 * 86_400_000);
  assert.equal(late.empty, false, 'rows exist, even if no window holds them');
  assert.equal(late.newestData, Math.max(...rows.map((r) => r.tileStart)));
  assert.equal(late.values.n_1h, 0);
});
