/**
 * Conformance, aggregations: for seeded random events (nulls, equal timestamps, events
 * exactly on window and hop edges, empty windows, negative values, non-ASCII strings) and
 * random query times, every aggregation of the first set over several windows and hops
 * (lifetime, explicit hops, hops that do not divide a day) agrees between
 *   - the TS runtime: tiles merged at query time with an exact head (runtime/windows
 *     computeAt, runtime/aggregations), features by the evaluator (runtime/expr);
 *   - DuckDB: the emitted training-set SQL run by the embedded engine over the same events
 *     written as Parquet, in both of its forms (window frames, and the portable range join);
 *   - a plain SQL query written here by hand from the definition in
 *     runtime/contracts/aggregation.ts (no tiles), for a sample of (key, time);
 * and the backfill's tiles and daily state agree with the runtime too: stored tiles read
 * back through Aggregator.fromFields and merged at query time (the sidecar's path) give the
 * runtime's values, and each daily row is the value at ds + 1 day.
 * Floats within 1e-9 relative; lists exactly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Group, Registry } from '../../compiler/ir/ir.js';
import { DuckDbDialect, DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { planBackfill, planTrainingSet } from '../../compiler/targets/sql/offline-jobs.js';
import type { AggregationSpec } from '../../runtime/contracts/aggregation.js';
import type { Value } from '../../runtime/contracts/types.js';
import { makeAggregator } from '../../runtime/aggregations/index.js';
import { compileExpr, compileRowPipeline, type Row } from '../../runtime/expr/index.js';
import { DuckDbOfflineEngine } from '../../runtime/offline/duckdb-engine.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { computeAt, floorTo, headState, TileSet, valueAt, type TimedValue } from '../../runtime/windows/index.js';
import { assertClose, pick, prng, randInt } from '../unit/runtime/helpers.js';
import { compilePal, dayOfMs, writePartitioned } from './helpers.js';

const PAL = `
namespace conf
entity user { key user_id: string }
source events {
  events
  table hive "raw.events" partition ds
  timestamp ts
  fields { user_id: string, ts: timestamp, x: double?, n: int?, s: string?, b: boolean? }
}
group g on user from events {
  where coalesce(s, "") != "skip"
  let y = x - cast(n as double)
  feature c_5m        = count() over 5m
  feature cx_1h       = count(x) over 1h
  feature sum_x_1h    = sum(x) over 1h every 10m
  feature sum_n_1d    = sum(n) over 1d
  feature avg_x_7d    = avg(x) over 7d
  feature avg_n_2d    = avg(n) over 2d every 6h
  feature min_x_1d    = min(x) over 1d
  feature max_s_3h    = max(s) over 3h
  feature min_ts_1d   = min(ts) over 1d
  feature first_s_1d  = first(s) over 1d
  feature first_x_2d  = first(x) over 2d
  feature last_s_all  = last(s) over all
  feature last_b_7d   = last(b) over 7d
  feature lastk_s_1d  = last_k(s, 3) over 1d
  feature lastk_x_all = last_k(x, 2) over all every 1h
  feature cd_s_7d     = count_distinct(s) over 7d
  feature cd_n_all    = count_distinct(n) over all
  feature var_x_1d    = variance(x) over 1d
  feature std_x_30d   = stddev(x) over 30d
  feature var_n_14d   = variance(n) over 14d every 7h
  feature c_14d_7h    = count() over 14d every 7h
  feature sum_y_36h   = sum(y) over 36h
  feature ratio_1h    = sum_x_1h / nullif(cast(cx_1h as double), 0)
}
model m { features g.* }
`;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2024-02-01T00:00:00Z');
const KEYS = ['u1', 'ü2', '😀3', 'k4'];
const STRINGS = ['a', 'b', 'B', 'é', '\uFFFF', '😀', '', 'abc', 'ab', 'skip', 'ñandú'];

interface Ev { user_id: string; ts: number; x: number | null; n: number | null; s: string | null; b: boolean | null }

/** Seeded events over 2024-02-01 .. 2024-03-10: many on hop and day edges, many at equal times. */
function makeEvents(): Ev[] {
  const rnd = prng(42);
  const out: Ev[] = [];
  const span = 39 * DAY;
  for (let i = 0; i < 2500; i++) {
    const r = rnd();
    let ts: number;
    if (r < 0.15 && out.length > 0) ts = pick(rnd, out).ts; // equal timestamps
    else if (r < 0.3) ts = T0 + randInt(rnd, 0, 38) * DAY; // midnight
    else if (r < 0.45) ts = T0 + randInt(rnd, 0, 39 * 24 - 1) * HOUR; // hour edges (also 7h and 6h edges)
    else if (r < 0.55) ts = T0 + randInt(rnd, 0, 39 * 288 - 1) * 300_000; // 5 minute edges
    else ts = T0 + Math.floor(rnd() * span);
    const nullish = (p: number) => rnd() < p;
    out.push({
      user_id: pick(rnd, KEYS),
      ts,
      x: nullish(0.15) ? null : rnd() < 0.3 ? randInt(rnd, -5, 5) : Math.round((rnd() - 0.4) * 1e6) / 1000,
      n: nullish(0.2) ? null : randInt(rnd, -20, 20),
      s: nullish(0.15) ? null : pick(rnd, STRINGS),
      b: nullish(0.2) ? null : rnd() < 0.5,
    });
  }
  return out;
}

/** Query times: random, on hop/day edges, at event times, one hop/window after edge events. */
function makeQueries(events: readonly Ev[], group: Group): { user_id: string; ts: number }[] {
  const rnd = prng(7);
  const out: { user_id: string; ts: number }[] = [];
  const specs = group.aggregations.filter((a) => a.window.kind === 'sliding');
  for (let i = 0; i < 500; i++) {
    const r = rnd();
    const e = pick(rnd, events);
    let ts: number;
    if (r < 0.2) ts = T0 + Math.floor(rnd() * 39 * DAY);
    else if (r < 0.35) ts = T0 + randInt(rnd, 1, 39) * DAY;
    else if (r < 0.45) ts = T0 + randInt(rnd, 1, 39 * 24) * HOUR;
    else if (r < 0.55) ts = e.ts + (rnd() < 0.5 ? 0 : 1);
    else {
      // Put e exactly on the tail edge floor(t - W, H) of some window, t anywhere in that hop.
      const s = pick(rnd, specs);
      const w = s.window as { sizeMs: number; hopMs: number };
      ts = floorTo(e.ts, w.hopMs) + w.sizeMs + randInt(rnd, 0, w.hopMs - 1);
      if (rnd() < 0.3) ts = floorTo(e.ts, w.hopMs) + w.sizeMs + w.hopMs; // ... or one hop later (e just left)
    }
    // The source has partitions up to T0 + 38 days: later times would need missing days.
    out.push({ user_id: r < 0.55 || rnd() < 0.1 ? pick(rnd, [...KEYS, 'absent']) : e.user_id, ts: Math.min(ts, T0 + 39 * DAY) });
  }
  return out;
}

/** The TS runtime's view of the group: events after lets/filter, per key, per aggregation. */
class RuntimeModel {
  private readonly perKey = new Map<string, TimedValue[][]>();
  private readonly features: { name: string; fn: ReturnType<typeof compileExpr> }[];

  constructor(readonly group: Group, events: readonly Ev[]) {
    const pipeline = compileRowPipeline(group.lets, group.filter);
    const inputs = group.aggregations.map((a) => (a.input === null ? null : compileExpr(a.input)));
    for (const e of events) {
      const row: Row = { ...e };
      if (!pipeline(row)) continue;
      const key = String(row.user_id);
      let lists = this.perKey.get(key);
      if (!lists) this.perKey.set(key, (lists = group.aggregations.map(() => [])));
      group.aggregations.forEach((a, i) => lists![i].push({ ts: e.ts, value: inputs[i] === null ? 1 : inputs[i]!(row) }));
    }
    this.features = group.features.map((f) => ({ name: f.localName, fn: compileExpr(f.expr) }));
  }

  events(key: string, index: number): readonly TimedValue[] {
    return this.perKey.get(key)?.[index] ?? [];
  }

  /** Aggregates through tiles merged at t with an exact head (computeAt). */
  aggregatesAt(key: string, t: number): Value[] {
    return this.group.aggregations.map((a, i) => computeAt(this.events(key, i), a, t));
  }

  featuresFrom(aggregates: readonly Value[]): Record<string, Value> {
    const values: Record<string, Value> = {};
    for (const f of this.features) values[f.name] = f.fn({}, { aggregates, features: values });
    return values;
  }
}

function featureOf(group: Group, spec: AggregationSpec): string {
  return group.features.find((f) => f.expr.kind === 'aggregate' && f.expr.index === spec.index)!.localName;
}

let root: string;
let session: DuckDbSession;
let registry: Registry;
let group: Group;
let events: Ev[];
let queries: { user_id: string; ts: number }[];
let model: RuntimeModel;

describe('aggregations: TS runtime = DuckDB = the definition', () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'palette-conformance-'));
    session = await DuckDbSession.open({ threads: 2 });
    registry = compilePal(PAL);
    group = registry.groups[0];
    events = makeEvents();
    queries = makeQueries(events, group);
    model = new RuntimeModel(group, events);
    const fields = registry.sources[0].fields;
    await writePartitioned(session, join(root, 'offline'), 'raw', 'events', 'ds', fields, events as unknown as Record<string, Value>[], (r) => dayOfMs(r.ts as number));
    const spineFields = [{ name: 'user_id', type: fields[0].type }, { name: 'ts', type: fields[1].type }, { name: 'label', type: fields[3].type }];
    await writePartitioned(session, root, 'spine', 'q', 'part', spineFields, queries.map((q, i) => ({ ...q, label: i })), () => 'all');
  });
  after(() => {
    session?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function trainingSet(dialect: DuckDbDialect, name: string): Promise<Record<string, Value>[]> {
    const engine = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    const job = planTrainingSet(dialect, registry, 'conf.m');
    const out = join(root, `${name}.parquet`);
    const result = await engine.trainingSet(job, { spine: join(root, 'spine/q/part=all/data_0.parquet'), atColumn: 'ts', out });
    assert.equal(result.rows, queries.length);
    const r = await session.query(`SELECT * FROM read_parquet('${out}')`);
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
  }

  function compareWithRuntime(rows: Record<string, Value>[], what: string): void {
    assert.equal(rows.length, queries.length);
    let nonEmpty = 0;
    rows.forEach((row, i) => {
      const q = queries[i];
      assert.equal(row.user_id, q.user_id, `${what}: row ${i} is out of spine order`);
      assert.equal(row.label, i);
      const expected = model.featuresFrom(model.aggregatesAt(q.user_id, q.ts));
      for (const f of group.features) {
        const out = registry.models[0].features.find((m) => m.feature === f.name)!.outputName;
        assertClose(row[out], expected[f.localName], `${what}: ${f.localName} for ${q.user_id} at ${new Date(q.ts).toISOString()}:`);
        if (expected[f.localName] !== null && expected[f.localName] !== 0) nonEmpty++;
      }
    });
    assert.ok(nonEmpty > rows.length, `${what}: too few non-empty values (${nonEmpty}) for the test to mean much`);
  }

  it('training set (window frames) = TS runtime, every feature at every query', async () => {
    compareWithRuntime(await trainingSet(DUCKDB, 'frames'), 'frames');
  });

  it('training set (portable range join) = TS runtime', async () => {
    class RangeJoinDuckDb extends DuckDbDialect {
      override readonly variableFrames = false;
      override readonly asofJoin = false;
    }
    compareWithRuntime(await trainingSet(new RangeJoinDuckDb(), 'range-join'), 'range join');
  });

  it('a plain SQL query written from the definition agrees with the runtime', async () => {
    await session.run(`CREATE OR REPLACE VIEW ev AS SELECT user_id, epoch_ms(ts) AS t, x, n, s, b, x - CAST(n AS DOUBLE) AS y
      FROM read_parquet('${join(root, 'offline/raw/events')}/*/*.parquet') WHERE coalesce(s, '') <> 'skip'`);
    // The input of each aggregation, by hand (the group's lets: y = x - n).
    const input: Record<string, string> = { x: 'x', n: 'n', s: 's', b: 'b', ts: 'ts', y: 'y' };
    const colOf = (a: AggregationSpec) => (a.input === null ? '*' : a.input.kind === 'column' ? input[a.input.name] : 'y');
    const rnd = prng(99);
    for (let i = 0; i < 40; i++) {
      const q = pick(rnd, queries);
      const expected = model.aggregatesAt(q.user_id, q.ts);
      const parts = group.aggregations.map((a) => {
        // The window straight from the definition: floor(t - W, H) <= e.ts < t.
        const from = a.window.kind === 'lifetime' ? -8.64e15 : floorTo(q.ts - a.window.sizeMs, a.window.hopMs);
        const w = `FROM ev WHERE user_id = '${q.user_id}' AND t >= ${from} AND t < ${q.ts}`;
        const x = colOf(a) === 'ts' ? 'epoch_ms(t)' : colOf(a);
        switch (a.fn) {
          case 'count': return `(SELECT count(${x}) ${w})`;
          case 'sum': return `(SELECT sum(${x}) ${w})`;
          case 'avg': return `(SELECT avg(${x}) ${w})`;
          case 'min': return `(SELECT min(${x}) ${w})`;
          case 'max': return `(SELECT max(${x}) ${w})`;
          case 'first': return `(SELECT ${x} ${w} AND ${x} IS NOT NULL ORDER BY t, ${x} LIMIT 1)`;
          case 'last': return `(SELECT ${x} ${w} AND ${x} IS NOT NULL ORDER BY t DESC, ${x} DESC LIMIT 1)`;
          case 'last_k': return `(SELECT list(${x} ORDER BY t DESC, ${x} DESC)[1:${a.k}] ${w} AND ${x} IS NOT NULL)`;
          case 'count_distinct': return `(SELECT count(DISTINCT ${x}) ${w})`;
          case 'variance': return `(SELECT var_samp(${x}) ${w})`;
          case 'stddev': return `(SELECT stddev_samp(${x}) ${w})`;
        }
      });
      const r = await session.query(`SELECT ${parts.join(', ')}`);
      group.aggregations.forEach((a, j) => {
        let v = r.rows[0][j];
        if (a.fn === 'last_k' && Array.isArray(v) && v.length === 0) v = null;
        assertClose(v, expected[j], `definition vs runtime: ${a.display} for ${q.user_id} at ${new Date(q.ts).toISOString()}:`);
      });
    }
  });

  it('backfill: stored tiles merged at query time and the daily state equal the runtime', async () => {
    const from = '2024-02-20';
    const to = '2024-03-06';
    const engine = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    await engine.backfill(planBackfill(DUCKDB, registry, group, from, to));
    const tilesTable = group.layout.offline.tiles!;
    const dailyTable = group.layout.offline.daily;
    const read = async (t: { database: string; table: string }) => {
      const r = await session.query(`SELECT * FROM read_parquet('${join(root, 'offline', t.database, t.table)}/*/*.parquet', hive_partitioning = true)`);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    };

    // Daily: every row is the value at ds + 1 day; a missing (key, ds) has only empty aggregations.
    const daily = await read(dailyTable);
    const seen = new Set(daily.map((r) => `${r.user_id}|${r.ds}`));
    for (const r of daily) {
      const t = Date.parse(`${r.ds as string}T00:00:00Z`) + DAY;
      const expected = model.featuresFrom(model.aggregatesAt(r.user_id as string, t));
      for (const f of group.features) assertClose(r[f.localName], expected[f.localName], `daily ${f.localName} ${r.user_id} ${r.ds}:`);
    }
    for (const key of KEYS) {
      for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += DAY) {
        if (seen.has(`${key}|${dayOfMs(d)}`)) continue;
        const aggs = model.aggregatesAt(key, d + DAY);
        group.aggregations.forEach((a, i) => assert.ok(aggs[i] === null || aggs[i] === 0, `daily row ${key} ${dayOfMs(d)} is missing but ${a.display} = ${JSON.stringify(aggs[i])}`));
      }
    }
    assert.ok(daily.length > 40);

    // Tiles: read back as partial states and merged at t with an exact head (the sidecar's path).
    const tiles = await read(tilesTable);
    const perKey = new Map<string, TileSet>();
    for (const r of tiles) {
      const key = r.user_id as string;
      if (!perKey.has(key)) perKey.set(key, new TileSet(group.aggregations));
      for (const storage of group.layout.aggregations) {
        if (storage.hopMs !== r.hop_ms) continue;
        const agg = makeAggregator(group.aggregations[storage.aggregationIndex]);
        perKey.get(key)!.putTile(storage.aggregationIndex, r.tile_start as number, agg.fromFields(storage.columns.map((c) => r[c.column])));
      }
    }
    const rnd = prng(5);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const key = pick(rnd, KEYS);
      const t = Date.parse(`${from}T00:00:00Z`) + Math.floor(rnd() * (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) + DAY));
      for (const a of group.aggregations) {
        // Only windows that lie inside the backfilled tiles.
        if (a.window.kind === 'lifetime' || floorTo(t - a.window.sizeMs, a.window.hopMs) < Date.parse(`${from}T00:00:00Z`)) continue;
        const evs = model.events(key, a.index);
        const ts = perKey.get(key) ?? new TileSet(group.aggregations);
        const merged = valueAt(ts, a, t, headState(evs, a, t));
        assertClose(merged, computeAt(evs, a, t), `tiles ${a.display} ${key} at ${new Date(t).toISOString()}:`);
        checked++;
      }
    }
    assert.ok(checked > 300, `only ${checked} tile merges checked`);
    // Each aggregation's feature shows up non-empty somewhere in the daily state.
    for (const a of group.aggregations) {
      const f = featureOf(group, a);
      assert.ok(daily.some((r) => r[f] !== null && r[f] !== 0), `daily ${f} is always empty`);
    }
  });
});
