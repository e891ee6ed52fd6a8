/**
 * Conformance, part 2 (real Spark + Hive on 127.0.0.1): on seeded random events with nulls,
 * equal timestamps, events on hop and day edges, empty windows and non-ASCII strings, the
 * generated Spark jobs give
 *   - the same tiles and daily state as the DuckDB engine (every row, every column), and
 *     daily values equal to the TS runtime's at ds + 1 day;
 *   - the same training set as DuckDB and as the TS runtime (tiles merged at t with an
 *     exact head), for every aggregation of the first set, lifetime windows, explicit hops
 *     and hops that do not divide a day;
 * floats within 1e-9 relative, lists exactly. Part 1 (test/conformance/) holds DuckDB to the
 * runtime with more events; this part keeps Spark small (two spark-submit runs).
 * A snapshot group is covered by the bad-input test (spark-bad-input.test.ts) only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createOfflineTableHql } from '../../compiler/targets/hive-ddl-target.js';
import { DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { ExprPrinter } from '../../compiler/targets/sql/expr-sql.js';
import { planBackfill, planTrainingSet } from '../../compiler/targets/sql/offline-jobs.js';
import { SPARK } from '../../compiler/targets/sql/spark-dialect.js';
import { sparkBackfill, sparkTrainingSet } from '../../compiler/cli/spark-offline.js';
import { loadConfig } from '../../runtime/config/palette-config.js';
import type { PalType, Value } from '../../runtime/contracts/types.js';
import { compileExpr, compileRowPipeline, type Row } from '../../runtime/expr/index.js';
import { DuckDbOfflineEngine } from '../../runtime/offline/duckdb-engine.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { HiveClient, type HiveValue } from '../../runtime/offline/hive-client.js';
import { computeAt, type TimedValue } from '../../runtime/windows/index.js';
import { compilePal, dayOfMs, writePartitioned } from '../conformance/helpers.js';
import { assertClose, pick, prng, randInt } from '../unit/runtime/helpers.js';

const PAL = `
namespace sconf
entity user { key user_id: string }
source events {
  events
  table hive "sconf_raw.events" partition ds
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
const DAYS = 20;
const KEYS = ['u1', 'ü2', '😀3', 'k4'];
const STRINGS = ['a', 'b', 'B', 'é', '\uFFFF', '😀', '', 'abc', "it's", 'back\\slash', 'skip', 'ñandú'];

interface Ev { user_id: string; ts: number; x: number | null; n: number | null; s: string | null; b: boolean | null }

function makeEvents(): Ev[] {
  const rnd = prng(4242);
  const out: Ev[] = [];
  for (let i = 0; i < 1200; i++) {
    const r = rnd();
    let ts: number;
    if (r < 0.15 && out.length > 0) ts = pick(rnd, out).ts;
    else if (r < 0.3) ts = T0 + randInt(rnd, 0, DAYS - 1) * DAY;
    else if (r < 0.45) ts = T0 + randInt(rnd, 0, DAYS * 24 - 1) * HOUR;
    else if (r < 0.55) ts = T0 + randInt(rnd, 0, DAYS * 288 - 1) * 300_000;
    else ts = T0 + Math.floor(rnd() * DAYS * DAY);
    const nullish = (p: number) => rnd() < p;
    out.push({
      user_id: pick(rnd, KEYS), ts,
      x: nullish(0.15) ? null : rnd() < 0.3 ? randInt(rnd, -5, 5) : Math.round((rnd() - 0.4) * 1e6) / 1000,
      n: nullish(0.2) ? null : randInt(rnd, -20, 20),
      s: nullish(0.15) ? null : pick(rnd, STRINGS),
      b: nullish(0.2) ? null : rnd() < 0.5,
    });
  }
  return out;
}

function makeQueries(): { user_id: string; ts: number }[] {
  const rnd = prng(77);
  const out: { user_id: string; ts: number }[] = [];
  for (let i = 0; i < 200; i++) {
    const r = rnd();
    const ts = r < 0.4 ? T0 + Math.floor(rnd() * DAYS * DAY) : r < 0.7 ? T0 + randInt(rnd, 1, DAYS) * DAY : T0 + randInt(rnd, 1, DAYS * 24) * HOUR;
    out.push({ user_id: pick(rnd, [...KEYS, 'absent']), ts: Math.min(ts, T0 + DAYS * DAY) });
  }
  return out;
}

const config = loadConfig(null, mkdtempSync(join(tmpdir(), 'palette-spark-conf-cfg-')));
const registry = compilePal(PAL);
const group = registry.groups[0];
const events = makeEvents();
const queries = makeQueries();
let root: string;
let session: DuckDbSession;
let hive: HiveClient;

/** Spark SQL literal of a runtime value. */
function sparkLiteral(v: Value, t: PalType): string {
  return new ExprPrinter(SPARK, { column: () => '' }).literal(v as string | number | boolean | null, t);
}

type Rec = Record<string, Value | HiveValue>;

async function hiveRows(sql: string): Promise<Rec[]> {
  const r = await hive.query(sql);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

async function duckRows(sql: string): Promise<Rec[]> {
  const r = await session.query(sql);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

function sameRows(spark: Rec[], duck: Rec[], keyOf: (r: Rec) => string, what: string): void {
  const dm = new Map(duck.map((r) => [keyOf(r), r]));
  assert.equal(spark.length, duck.length, `${what}: Spark wrote ${spark.length} rows, DuckDB ${duck.length}`);
  for (const s of spark) {
    const d = dm.get(keyOf(s));
    assert.ok(d, `${what}: Spark has a row ${keyOf(s)} that DuckDB does not`);
    for (const [c, v] of Object.entries(d)) assertClose(s[c] as Value, v as Value, `${what} ${keyOf(s)} column ${c}:`);
  }
}

/** The TS runtime's aggregates at t (tiles merged with an exact head), then the features. */
function runtimeFeatures(key: string, t: number): Record<string, Value> {
  const pipeline = compileRowPipeline(group.lets, group.filter);
  const inputs = group.aggregations.map((a) => (a.input === null ? null : compileExpr(a.input)));
  const lists: TimedValue[][] = group.aggregations.map(() => []);
  for (const e of events) {
    if (e.user_id !== key) continue;
    const row: Row = { ...e };
    if (!pipeline(row)) continue;
    group.aggregations.forEach((a, i) => lists[i].push({ ts: e.ts, value: inputs[i] === null ? 1 : inputs[i]!(row) }));
  }
  const aggregates = group.aggregations.map((a, i) => computeAt(lists[i], a, t));
  const values: Record<string, Value> = {};
  for (const f of group.features) values[f.localName] = compileExpr(f.expr)({}, { aggregates, features: values });
  return values;
}

describe('Spark = DuckDB = TS runtime (real Spark + HiveServer2)', { timeout: 900_000 }, () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'palette-spark-conf-'));
    session = await DuckDbSession.open({ threads: 2 });
    hive = new HiveClient(config.offline.hive);
    // Source events: Parquet for DuckDB, a Hive table for Spark (inserted through HiveServer2).
    const fields = registry.sources[0].fields;
    await writePartitioned(session, join(root, 'offline'), 'sconf_raw', 'events', 'ds', fields, events as unknown as Record<string, Value>[], (r) => dayOfMs(r.ts as number));
    await hive.run('CREATE DATABASE IF NOT EXISTS sconf_raw');
    await hive.run('DROP TABLE IF EXISTS sconf_raw.events');
    await hive.run('CREATE TABLE sconf_raw.events (user_id STRING, ts TIMESTAMP, x DOUBLE, n INT, s STRING, b BOOLEAN) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    await hive.run('SET hive.exec.dynamic.partition.mode=nonstrict');
    for (let i = 0; i < events.length; i += 400) {
      const values = events.slice(i, i + 400).map((e) => `(${fields.map((f) => sparkLiteral((e as unknown as Record<string, Value>)[f.name], f.type)).join(', ')}, '${dayOfMs(e.ts)}')`);
      await hive.run(`INSERT INTO sconf_raw.events PARTITION (ds) VALUES ${values.join(', ')}`);
    }
    // Palette's tables, fresh.
    await hive.run(`CREATE DATABASE IF NOT EXISTS ${group.layout.offline.daily.database}`);
    for (const t of [group.layout.offline.tiles!, group.layout.offline.daily]) {
      await hive.run(`DROP TABLE IF EXISTS ${t.database}.${t.table}`);
      await hive.run(createOfflineTableHql(t, 'conformance').replace(/;\s*$/, ''));
    }
    // Spine: a Parquet file for both engines.
    const spineFields = [{ name: 'user_id', type: fields[0].type }, { name: 'ts', type: fields[1].type }, { name: 'label', type: fields[3].type }];
    await writePartitioned(session, root, 'spine', 'q', 'part', spineFields, queries.map((q, i) => ({ ...q, label: i })), () => 'all');
  });
  after(async () => {
    session?.close();
    await hive?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('backfill: tiles and daily state equal DuckDB\'s, daily values equal the runtime at ds + 1 day', async () => {
    const from = '2024-02-08';
    const to = '2024-02-19';
    const duck = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    await duck.backfill(planBackfill(DUCKDB, registry, group, from, to));
    const r = await sparkBackfill({ ...config, build: join(root, 'build') }, registry, group, from, to, () => {});
    assert.equal((r.done as { days: number }).days, 12);

    const tiles = group.layout.offline.tiles!;
    const daily = group.layout.offline.daily;
    const parquet = (t: { database: string; table: string }) => `read_parquet('${join(root, 'offline', t.database, t.table)}/*/*.parquet', hive_partitioning = true)`;
    const tileKey = (x: Rec) => `${String(x.user_id)}|${String(x.hop_ms)}|${String(x.tile_start)}`;
    const sparkTiles = await hiveRows(`SELECT * FROM ${tiles.database}.${tiles.table}`);
    sameRows(sparkTiles, await duckRows(`SELECT * FROM ${parquet(tiles)}`), tileKey, 'tiles');
    assert.ok(sparkTiles.length > 500, `only ${sparkTiles.length} tiles`);

    const sparkDaily = await hiveRows(`SELECT * FROM ${daily.database}.${daily.table}`);
    sameRows(sparkDaily, await duckRows(`SELECT * FROM ${parquet(daily)}`), (x) => `${String(x.user_id)}|${String(x.ds)}`, 'daily');
    for (const row of sparkDaily) {
      const expected = runtimeFeatures(row.user_id as string, Date.parse(`${String(row.ds)}T00:00:00Z`) + DAY);
      for (const f of group.features) assertClose(row[f.localName] as Value, expected[f.localName], `daily ${f.localName} ${String(row.user_id)} ${String(row.ds)} vs runtime:`);
    }
    for (const f of group.features) assert.ok(sparkDaily.some((x) => x[f.localName] !== null && x[f.localName] !== 0), `daily ${f.localName} is always empty`);
  });

  it('training set: Spark = DuckDB = runtime for every feature at every spine row', async () => {
    const spine = join(root, 'spine/q/part=all/data_0.parquet');
    const duckOut = join(root, 'duck.parquet');
    const duck = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    await duck.trainingSet(planTrainingSet(DUCKDB, registry, 'sconf.m'), { spine, atColumn: 'ts', out: duckOut });
    const sparkOut = join(root, 'spark.parquet');
    const r = await sparkTrainingSet({ ...config, build: join(root, 'build') }, registry, registry.models[0],
      { spine, atColumn: 'ts', outputTable: 'palette_sconf.training_m', out: sparkOut }, () => {});
    assert.equal(r.exported, queries.length);
    // The exported file keeps spine order; compare it (and so the Hive table) with DuckDB's.
    const sparkRows = await duckRows(`SELECT * FROM read_parquet('${sparkOut}')`);
    const duckRowsOut = await duckRows(`SELECT * FROM read_parquet('${duckOut}')`);
    assert.equal(sparkRows.length, queries.length);
    sparkRows.forEach((row, i) => {
      assert.equal(Number(row.label), i, `Spark row ${i} is out of spine order`);
      const q = queries[i];
      const expected = runtimeFeatures(q.user_id, q.ts);
      for (const f of group.features) {
        const out = registry.models[0].features.find((m) => m.feature === f.name)!.outputName;
        assertClose(row[out] as Value, duckRowsOut[i][out] as Value, `training set ${out} row ${i} Spark vs DuckDB:`);
        assertClose(row[out] as Value, expected[f.localName], `training set ${out} row ${i} (${q.user_id} at ${new Date(q.ts).toISOString()}) Spark vs runtime:`);
      }
    });
  });
});
