/**
 * Offline engine benchmarks (issue 3), on the embedded engine (DuckDB over Parquet):
 *
 *   node --import tsx bench/offline-bench.ts [events=10000000] [spineRows=1000000]
 *
 * 1. Backfill of `events` trip events (60 days, 10,000 drivers) into a group of 6 windowed
 *    features (count 1d, count 7d, avg 7d, sum 30d, max 1d, stddev 7d): `palette backfill`'s
 *    engine for the whole range (tiles and daily state written as Parquet partitions),
 *    against hand-written DuckDB queries computing the same daily values (day partials and
 *    window frames over days), alone and together with the same tiles. Goal: within 1.5x.
 * 2. Training set of `spineRows` spine rows (random drivers and times in the last 30 days)
 *    over the same events: `palette training-set`'s engine against a hand-written
 *    point-in-time query (events and spine rows in one stream, window frames per row).
 * Both hand-written outputs are checked against Palette's (same rows, same values).
 * Figures go to bench/results/offline-backfill.json and offline-training-set.json.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSources } from '../compiler/compile.js';
import { DUCKDB } from '../compiler/targets/sql/duckdb-dialect.js';
import { planBackfill, planTrainingSet } from '../compiler/targets/sql/offline-jobs.js';
import { DuckDbOfflineEngine } from '../runtime/offline/duckdb-engine.js';
import { DuckDbSession } from '../runtime/offline/duckdb-session.js';
import { writeResults } from './lib/results.js';

const EVENTS = Number(process.argv[2] ?? 10_000_000);
const SPINE = Number(process.argv[3] ?? 1_000_000);
const DAYS = 60;
const DRIVERS = 10_000;
const START = '2026-01-01';
const END = '2026-03-01';
const work = join(tmpdir(), `palette-offline-bench-${EVENTS}`);
const offline = join(work, 'offline');
const spinePath = join(work, `spine-${SPINE}.parquet`);

const PAL = `
namespace bench
entity driver { key driver_id: string }
source trips {
  events
  table hive "raw.trips" partition ds
  timestamp event_time
  fields { driver_id: string, fare: double, distance_km: double, event_time: timestamp }
}
group stats on driver from trips {
  feature trips_1d    = count() over 1d
  feature trips_7d    = count() over 7d
  feature avg_fare_7d = avg(fare) over 7d
  feature fare_30d    = sum(fare) over 30d
  feature max_dist_1d = max(distance_km) over 1d
  feature fare_std_7d = stddev(fare) over 7d
}
model m { features stats.* }
`;

const secs = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function timed<T>(what: string, f: () => Promise<T>): Promise<{ s: number; r: T }> {
  const t0 = performance.now();
  const r = await f();
  const s = secs(t0);
  console.log(`${what}: ${s.toFixed(2)} s`);
  return { s, r };
}

const session = await DuckDbSession.open();
const reg = compileSources([{ path: 'bench.pal', text: PAL }]);
if (!reg.registry) throw new Error(reg.diagnostics.map((d) => d.message).join('\n'));
const registry = reg.registry;
const group = registry.groups[0];

// ------------------------------------------------------------------ data (kept between runs)
const marker = join(work, 'generated.json');
if (!existsSync(marker)) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(offline, 'raw', 'trips'), { recursive: true });
  await timed(`generate ${fmt(EVENTS)} events`, async () => {
    await session.run(`CREATE OR REPLACE TEMP MACRO u(i, k) AS (CAST(hash(i, k, 42) >> 11 AS DOUBLE) / 9007199254740992.0)`);
    await session.run(`COPY (
      SELECT 'd' || lpad(CAST(CAST(floor(u(i, 1) * ${DRIVERS}) AS INTEGER) AS VARCHAR), 5, '0') AS driver_id,
             round(3 + u(i, 2) * 40, 2) AS fare, round(0.5 - ln(1 - u(i, 3)) * 5, 2) AS distance_km,
             TIMESTAMP '${START}' + to_milliseconds(CAST(floor(u(i, 4) * ${DAYS} * 86400000) AS BIGINT)) AS event_time,
             strftime(TIMESTAMP '${START}' + to_milliseconds(CAST(floor(u(i, 4) * ${DAYS} * 86400000) AS BIGINT)), '%Y-%m-%d') AS ds
      FROM range(${EVENTS}) t(i)) TO '${join(offline, 'raw', 'trips')}' (FORMAT parquet, PARTITION_BY (ds), OVERWRITE_OR_IGNORE true)`);
  });
  writeFileSync(marker, JSON.stringify({ events: EVENTS, days: DAYS, drivers: DRIVERS }));
}
if (!existsSync(spinePath)) {
  await timed(`generate a spine of ${fmt(SPINE)} rows`, async () => {
    await session.run(`CREATE OR REPLACE TEMP MACRO u(i, k) AS (CAST(hash(i, k, 43) >> 11 AS DOUBLE) / 9007199254740992.0)`);
    await session.run(`COPY (
      SELECT 'd' || lpad(CAST(CAST(floor(u(i, 1) * ${DRIVERS}) AS INTEGER) AS VARCHAR), 5, '0') AS driver_id,
             TIMESTAMP '${START}' + INTERVAL 30 DAY + to_milliseconds(CAST(floor(u(i, 2) * 30 * 86400000) AS BIGINT)) AS ts,
             round(u(i, 3) * 60, 1) AS label
      FROM range(${SPINE}) t(i)) TO '${spinePath}' (FORMAT parquet)`);
  });
}

// ------------------------------------------------------------------ 1. backfill
const engine = new DuckDbOfflineEngine(offline);
const palette = await timed('palette backfill (tiles + daily, 60 days)', () => engine.backfill(planBackfill(DUCKDB, registry, group, START, END)));
const dailyDir = join(offline, group.layout.offline.daily.database, group.layout.offline.daily.table);
const tilesTable = group.layout.offline.tiles!;

const hand = join(work, 'hand');
rmSync(hand, { recursive: true, force: true });
mkdirSync(hand, { recursive: true });
const trips = `read_parquet('${join(offline, 'raw', 'trips')}/*/*.parquet')`;
// The same daily values, written by hand: partials per driver and day, frames over days.
const handDaily = `COPY (
  WITH d AS (
    SELECT driver_id, CAST(event_time AS DATE) AS day, count(*) AS n, sum(fare) AS s, sum(fare * fare) AS q, max(distance_km) AS mx
    FROM ${trips} GROUP BY ALL
  ),
  grid AS (
    SELECT driver_id, day FROM (SELECT driver_id, min(day) AS first FROM d GROUP BY 1),
      LATERAL (SELECT CAST(unnest(generate_series(first, DATE '${END}', INTERVAL 1 DAY)) AS DATE) AS day)
  ),
  f AS (
    SELECT driver_id, day, n, mx,
           sum(n) OVER w7 AS n7, sum(s) OVER w7 AS s7, sum(q) OVER w7 AS q7, sum(s) OVER w30 AS s30, sum(n) OVER w30 AS n30
    FROM grid LEFT JOIN d USING (driver_id, day)
    WINDOW w7 AS (PARTITION BY driver_id ORDER BY day RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW),
           w30 AS (PARTITION BY driver_id ORDER BY day RANGE BETWEEN INTERVAL 29 DAY PRECEDING AND CURRENT ROW)
  )
  SELECT driver_id, coalesce(n, 0) AS trips_1d, coalesce(n7, 0) AS trips_7d, s7 / n7 AS avg_fare_7d, s30 AS fare_30d, mx AS max_dist_1d,
         CASE WHEN n7 >= 2 THEN sqrt(greatest(q7 - s7 * s7 / n7, 0) / (n7 - 1)) END AS fare_std_7d, strftime(day, '%Y-%m-%d') AS ds
  FROM f WHERE n30 > 0
) TO '${join(hand, 'daily')}' (FORMAT parquet, PARTITION_BY (ds))`;
const handTiles = `COPY (
  SELECT driver_id, CAST(3600000 AS BIGINT) AS hop_ms, date_trunc('hour', event_time) AS tile_start,
         count(*) AS a0_n, CAST(sum(fare) AS DOUBLE) AS a1_s, count(fare) AS a1_n, NULL::DOUBLE AS a2_s, count(*) AS a3_n,
         max(distance_km) AS a4_v, count(fare) AS a5_n, avg(fare) AS a5_mean, var_pop(fare) * count(fare) AS a5_m2,
         strftime(date_trunc('hour', event_time), '%Y-%m-%d') AS ds
  FROM ${trips} GROUP BY driver_id, date_trunc('hour', event_time)
  UNION ALL
  SELECT driver_id, CAST(86400000 AS BIGINT), date_trunc('day', event_time), NULL, NULL, NULL, sum(fare), NULL, NULL, NULL, NULL, NULL,
         strftime(date_trunc('day', event_time), '%Y-%m-%d')
  FROM ${trips} GROUP BY driver_id, date_trunc('day', event_time)
) TO '${join(hand, 'tiles')}' (FORMAT parquet, PARTITION_BY (ds))`;
const handA = await timed('hand-written daily values', () => session.run(handDaily));
const handT = await timed('hand-written tiles', () => session.run(handTiles));

// Same rows and values?
const cmp = await session.query(`
  WITH p AS (SELECT * FROM read_parquet('${dailyDir}/*/*.parquet', hive_partitioning = true)),
       h AS (SELECT * FROM read_parquet('${join(hand, 'daily')}/*/*.parquet', hive_partitioning = true))
  SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM h), count(*),
         max(abs(p.trips_7d - h.trips_7d)) + max(abs(p.trips_1d - h.trips_1d)),
         max(abs(p.avg_fare_7d - h.avg_fare_7d) / greatest(abs(h.avg_fare_7d), 1)), max(abs(p.fare_30d - h.fare_30d) / greatest(abs(h.fare_30d), 1)),
         max(abs(p.max_dist_1d - h.max_dist_1d)), max(abs(p.fare_std_7d - h.fare_std_7d) / greatest(h.fare_std_7d, 1)),
         count(*) FILTER (WHERE (p.avg_fare_7d IS NULL) <> (h.avg_fare_7d IS NULL) OR (p.fare_30d IS NULL) <> (h.fare_30d IS NULL)
           OR (p.max_dist_1d IS NULL) <> (h.max_dist_1d IS NULL) OR (p.fare_std_7d IS NULL) <> (h.fare_std_7d IS NULL))
  FROM p JOIN h USING (driver_id, ds)`);
const [pRows, hRows, joined, countDiff, avgRel, sumRel, maxDiff, stdRel, nullDiff] = cmp.rows[0] as number[];
console.log(`daily rows: palette ${fmt(pRows)}, hand-written ${fmt(hRows)}, matched ${fmt(joined)}; count diff ${countDiff}, avg rel ${avgRel}, sum rel ${sumRel}, max diff ${maxDiff}, stddev rel ${stdRel}, null mismatches ${nullDiff}`);
if (pRows !== hRows || joined !== pRows || countDiff !== 0 || maxDiff !== 0 || nullDiff !== 0 || !(avgRel < 1e-9 && sumRel < 1e-9 && stdRel < 1e-6)) {
  throw new Error('the hand-written daily values differ from Palette\'s');
}
const tileRows = palette.r.written.find((w) => w.table.endsWith('_tiles'))!.rows;
const ratioDaily = palette.s / handA.s;
const ratioAll = palette.s / (handA.s + handT.s);
console.log(`backfill: ${fmt(EVENTS / palette.s)} events/s; ${ratioDaily.toFixed(2)}x the hand-written daily query, ${ratioAll.toFixed(2)}x hand-written daily + tiles`);
writeResults('offline-backfill', `node --import tsx bench/offline-bench.ts ${EVENTS} ${SPINE}`, {
  events: EVENTS, days: DAYS, drivers: DRIVERS, features: group.features.map((f) => `${f.localName} = ${f.expr.kind === 'aggregate' ? group.aggregations[f.expr.index].display : 'derived'}`),
  paletteSeconds: palette.s, eventsPerSecond: Math.round(EVENTS / palette.s),
  tilesRows: tileRows, dailyRows: pRows, tilesTable: `${tilesTable.database}.${tilesTable.table}`,
  handWrittenDailySeconds: handA.s, handWrittenTilesSeconds: handT.s,
  ratioVsHandWrittenDaily: Number(ratioDaily.toFixed(3)), ratioVsHandWrittenDailyAndTiles: Number(ratioAll.toFixed(3)),
  goal: 'within 1.5x of the hand-written query',
  sameValues: { rows: pRows, maxRelativeDifference: { avg_fare_7d: avgRel, fare_30d: sumRel, fare_std_7d: stdRel } },
});

// ------------------------------------------------------------------ 2. training set
const tsOut = join(work, 'training.parquet');
const pt = await timed(`palette training-set (${fmt(SPINE)} spine rows)`, () =>
  engine.trainingSet(planTrainingSet(DUCKDB, registry, 'bench.m'), { spine: spinePath, atColumn: 'ts', out: tsOut }));
// The same features by hand: spine rows and events in one stream per driver, window frames
// [floor(t, H) - W, t) per row (hops: 1d and 7d windows 1 h, 30d window 1 day).
const off = (h: number, w: number) => `t - (t - (((t % ${h}) + ${h}) % ${h})) + ${w}`;
const handTs = `COPY (
  WITH s AS (SELECT row_number() OVER () AS rn, * FROM read_parquet('${spinePath}')),
  u AS (
    SELECT driver_id, epoch_ms(event_time) AS t, NULL::BIGINT AS rn, fare, distance_km, 0 AS o1, 0 AS o7, 0 AS o30 FROM ${trips}
    UNION ALL
    SELECT driver_id, t, rn, NULL, NULL, ${off(3600000, 86400000)}, ${off(3600000, 604800000)}, ${off(86400000, 2592000000)}
    FROM (SELECT driver_id, epoch_ms(ts) AS t, rn FROM s)
  ),
  f AS (
    SELECT rn, count(fare) OVER w1 AS trips_1d, count(fare) OVER w7 AS trips_7d, avg(fare) OVER w7 AS avg_fare_7d,
           sum(fare) OVER w30 AS fare_30d, max(distance_km) OVER w1 AS max_dist_1d, stddev_samp(fare) OVER w7 AS fare_std_7d
    FROM u
    WINDOW w1 AS (PARTITION BY driver_id ORDER BY t RANGE BETWEEN o1 PRECEDING AND 1 PRECEDING),
           w7 AS (PARTITION BY driver_id ORDER BY t RANGE BETWEEN o7 PRECEDING AND 1 PRECEDING),
           w30 AS (PARTITION BY driver_id ORDER BY t RANGE BETWEEN o30 PRECEDING AND 1 PRECEDING)
    QUALIFY rn IS NOT NULL
  )
  SELECT s.driver_id, s.ts, s.label, f.* EXCLUDE (rn) FROM s JOIN f USING (rn) ORDER BY rn
) TO '${join(work, 'training-hand.parquet')}' (FORMAT parquet)`;
const ht = await timed('hand-written point-in-time query', () => session.run(handTs));
const tcmp = await session.query(`
  WITH p AS (SELECT row_number() OVER () AS rn, * FROM read_parquet('${tsOut}')),
       h AS (SELECT row_number() OVER () AS rn, * FROM read_parquet('${join(work, 'training-hand.parquet')}'))
  SELECT count(*), max(abs(p."stats.trips_7d" - h.trips_7d)) + max(abs(p."stats.trips_1d" - h.trips_1d)),
         max(abs(p."stats.avg_fare_7d" - h.avg_fare_7d) / greatest(h.avg_fare_7d, 1)), max(abs(p."stats.fare_30d" - h.fare_30d) / greatest(h.fare_30d, 1)),
         max(abs(p."stats.fare_std_7d" - h.fare_std_7d) / greatest(h.fare_std_7d, 1)),
         count(*) FILTER (WHERE p.driver_id <> h.driver_id OR p.ts <> h.ts OR (p."stats.fare_std_7d" IS NULL) <> (h.fare_std_7d IS NULL)
           OR (p."stats.max_dist_1d" IS DISTINCT FROM h.max_dist_1d) OR (p."stats.fare_30d" IS NULL) <> (h.fare_30d IS NULL))
  FROM p JOIN h USING (rn)`);
const [tRows, tCount, tAvg, tSum, tStd, tOrder] = tcmp.rows[0] as number[];
console.log(`training rows ${fmt(tRows)}; count diff ${tCount}, avg rel ${tAvg}, sum rel ${tSum}, stddev rel ${tStd}, order/null/max mismatches ${tOrder}`);
if (tRows !== SPINE || tCount !== 0 || tOrder !== 0 || !(tAvg < 1e-9 && tSum < 1e-9 && tStd < 1e-9)) throw new Error('the hand-written training set differs from Palette\'s');
console.log(`training set: ${fmt(SPINE / pt.s)} rows/s; ${(pt.s / ht.s).toFixed(2)}x the hand-written query`);
writeResults('offline-training-set', `node --import tsx bench/offline-bench.ts ${EVENTS} ${SPINE}`, {
  events: EVENTS, spineRows: SPINE, features: group.features.length,
  paletteSeconds: pt.s, rowsPerSecond: Math.round(SPINE / pt.s),
  handWrittenSeconds: ht.s, ratioVsHandWritten: Number((pt.s / ht.s).toFixed(3)),
  sameValues: { rows: tRows, maxRelativeDifference: { avg_fare_7d: tAvg, fare_30d: tSum, fare_std_7d: tStd } },
});
session.close();
