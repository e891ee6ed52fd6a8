/**
 * Spark backfill benchmark (issue 5): on one generated data set, the generated backfill job
 * (build/spark/backfill_*.py) against a hand-written Spark SQL job computing the same
 * tiles and daily state, side by side in one run, plus the training-set job's time.
 *
 *   node --import tsx bench/spark-backfill-bench.ts [--events 20000000] [--days 30] [--keys 100000] [--spine 100000]
 *
 * Needs the local services (`npm run services -- up metastore spark`). The events are
 * generated inside Spark (spark.range, seeded rand) into Hive table bench_raw.trips; every
 * job is a separate spark-submit with the same master (PALETTE_SPARK_MASTER or local[2]) and
 * settings, timed wall-clock from submit to exit (JVM start included for both). The first
 * backfilled day is --days/2 (so 7-day windows have history); both jobs write the same days.
 * Results: bench/results/spark-backfill.json.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sparkSubmitArgs, serviceConfig } from '../scripts/services/config.mjs';
import { compileSources } from '../compiler/compile.js';
import { createOfflineTableHql } from '../compiler/targets/hive-ddl-target.js';
import { backfillJob, trainingSetJob } from '../compiler/targets/spark-jobs-target.js';
import { HiveClient } from '../runtime/offline/hive-client.js';
import { runSparkJob, type SparkSubmitOptions } from '../runtime/offline/spark-submit.js';
import { writeResults } from './lib/results.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000000' },
    days: { type: 'string', default: '30' },
    keys: { type: 'string', default: '100000' },
    spine: { type: 'string', default: '100000' },
    'skip-data': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
  },
});
const EVENTS = Number(values.events);
const DAYS = Number(values.days);
const KEYS = Number(values.keys);
const SPINE = Number(values.spine);
const T0 = Date.parse('2024-01-01T00:00:00Z');
const day = (i: number) => new Date(T0 + i * 86_400_000).toISOString().slice(0, 10);
const FROM = day(Math.floor(DAYS / 2));
const TO = day(DAYS - 1);

const PAL = `
namespace bench
entity driver { key driver_id: string }
source trips {
  events
  table hive "bench_raw.trips" partition ds
  timestamp event_time
  fields { trip_id: string, driver_id: string, status: string, fare: double, distance_km: double, rating: int?, event_time: timestamp }
}
group trip_stats on driver from trips {
  where status == "completed"
  feature trips_1h        = count() over 1h
  feature trips_7d        = count() over 7d
  feature avg_fare_7d     = avg(fare) over 7d
  feature max_distance_1d = max(distance_km) over 1d
  feature avg_rating_7d   = avg(rating) over 7d
  feature fare_per_km_7d  = sum(fare) over 7d / nullif(sum(distance_km) over 7d, 0)
}
model eta { features trip_stats.* }
`;

const registry = compileSources([{ path: 'bench.pal', text: PAL }]).registry!;
const group = registry.groups[0];
const tiles = group.layout.offline.tiles!;
const daily = group.layout.offline.daily;

const work = mkdtempSync(join(tmpdir(), 'palette-spark-bench-'));
const services = serviceConfig();
const options: SparkSubmitOptions = {
  sparkSubmit: services.spark.sparkSubmit, master: services.spark.master, conf: { ...services.spark.conf, 'spark.sql.shuffle.partitions': '8' },
  env: services.spark.env, driverClassPath: services.spark.driverClassPath, driverMemory: '6g',
};
void sparkSubmitArgs;

function script(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

const GENERATE = `
import sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.enableHiveSupport().config("spark.sql.session.timeZone", "UTC").getOrCreate()
spark.sparkContext.setLogLevel("WARN")
events, days, keys, spine = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0 = ${T0 / 1000}
spark.sql("CREATE DATABASE IF NOT EXISTS bench_raw")
spark.sql("DROP TABLE IF EXISTS bench_raw.trips")
spark.sql("CREATE TABLE bench_raw.trips (trip_id STRING, driver_id STRING, status STRING, fare DOUBLE, distance_km DOUBLE, rating INT, event_time TIMESTAMP) PARTITIONED BY (ds STRING) STORED AS PARQUET")
df = (spark.range(events)
      .withColumn("secs", F.lit(t0) + (F.rand(1) * days * 86400).cast("long"))
      .withColumn("millis", (F.rand(2) * 1000).cast("long"))
      .select(F.concat(F.lit("t"), F.col("id").cast("string")).alias("trip_id"),
              F.concat(F.lit("d"), (F.pow(F.rand(3), 2) * keys).cast("long").cast("string")).alias("driver_id"),
              F.when(F.rand(4) < 0.9, F.lit("completed")).otherwise(F.lit("cancelled")).alias("status"),
              F.round(F.rand(5) * 60 + 3, 2).alias("fare"),
              F.round(F.rand(6) * 30, 3).alias("distance_km"),
              F.when(F.rand(7) < 0.3, F.lit(None)).otherwise((F.rand(8) * 5 + 1).cast("int")).alias("rating"),
              F.timestamp_millis(F.col("secs") * 1000 + F.col("millis")).alias("event_time"))
      .withColumn("ds", F.date_format("event_time", "yyyy-MM-dd")))
spark.conf.set("hive.exec.dynamic.partition.mode", "nonstrict")
df.repartition("ds").write.insertInto("bench_raw.trips", overwrite=True)
spark.sql("DROP TABLE IF EXISTS bench_raw.spine")
(spark.table("bench_raw.trips").sample(False, min(1.0, spine * 1.2 / events), 9).limit(spine)
 .select("driver_id", (F.col("event_time") + F.expr("INTERVAL 30 MINUTES")).alias("ts"))
 .write.format("parquet").saveAsTable("bench_raw.spine"))
print("PALETTE " + '{"event": "done", "rows": %d}' % spark.table("bench_raw.trips").count())
`;

/**
 * The same tiles and daily state, written by hand the way a data engineer would: tiles as
 * a GROUP BY per hop, the daily state from per-day partials merged over a 7-day frame, the
 * 1h and 1d windows from the last hour/day of each day. Same rows as the generated job for
 * keys active in the window (checked below); writes with one dynamic INSERT OVERWRITE.
 */
const HAND = `
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.enableHiveSupport().config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.sources.partitionOverwriteMode", "dynamic").getOrCreate())
spark.sparkContext.setLogLevel("WARN")
spark.conf.set("hive.exec.dynamic.partition.mode", "nonstrict")
frm, to = sys.argv[1], sys.argv[2]
spark.sql(f"""
CREATE OR REPLACE TEMP VIEW ev AS
SELECT driver_id, unix_millis(event_time) AS ts, CAST(floor(unix_millis(event_time) / 86400000) AS BIGINT) AS day, fare, distance_km, rating
FROM bench_raw.trips
WHERE ds BETWEEN date_format(date_sub(DATE '{frm}', 8), 'yyyy-MM-dd') AND '{to}' AND status = 'completed' AND driver_id IS NOT NULL
""")
spark.sql(f"""
INSERT OVERWRITE TABLE bench_hand.tiles PARTITION (ds)
SELECT driver_id, 3600000L AS hop_ms, timestamp_millis(t) AS tile_start,
       count(*) AS n, sum(fare) AS fare_s, count(fare) AS fare_n, max(distance_km) AS dist_max,
       CAST(sum(rating) AS DOUBLE) AS rating_s, count(rating) AS rating_n, sum(distance_km) AS dist_s,
       date_format(timestamp_millis(t), 'yyyy-MM-dd') AS ds
FROM (SELECT *, ts - ts % 3600000 AS t FROM ev)
WHERE t >= unix_millis(CAST(DATE '{frm}' AS TIMESTAMP)) AND t < unix_millis(CAST(date_add(DATE '{to}', 1) AS TIMESTAMP))
GROUP BY driver_id, t
UNION ALL
SELECT driver_id, 300000L AS hop_ms, timestamp_millis(t) AS tile_start, count(*) AS n, NULL, NULL, NULL, NULL, NULL, NULL,
       date_format(timestamp_millis(t), 'yyyy-MM-dd') AS ds
FROM (SELECT *, ts - ts % 300000 AS t FROM ev)
WHERE t >= unix_millis(CAST(DATE '{frm}' AS TIMESTAMP)) AND t < unix_millis(CAST(date_add(DATE '{to}', 1) AS TIMESTAMP))
GROUP BY driver_id, t
""")
spark.sql(f"""
INSERT OVERWRITE TABLE bench_hand.daily PARTITION (ds)
WITH parts AS (
  SELECT driver_id, day, count(*) AS n, sum(fare) AS fs, count(fare) AS fn, sum(distance_km) AS ds_, CAST(sum(rating) AS DOUBLE) AS rs, count(rating) AS rn,
         max(CASE WHEN ts >= (day + 1) * 86400000 - 86400000 THEN distance_km END) AS dmax,
         count(CASE WHEN ts >= (day + 1) * 86400000 - 3600000 THEN 1 END) AS n1h
  FROM ev GROUP BY driver_id, day
),
grid AS (
  SELECT driver_id, explode(sequence(greatest(min(day), datediff(DATE '{frm}', DATE '1970-01-01')), least(max(day) + 6, datediff(DATE '{to}', DATE '1970-01-01')))) AS day
  FROM parts GROUP BY driver_id
),
framed AS (
  SELECT g.driver_id, g.day,
         sum(p.n) OVER w AS n7, sum(p.fs) OVER w AS fs7, sum(p.fn) OVER w AS fn7, sum(p.ds_) OVER w AS ds7,
         sum(p.rs) OVER w AS rs7, sum(p.rn) OVER w AS rn7, p.dmax, p.n1h
  FROM (SELECT driver_id, day FROM grid UNION SELECT driver_id, day FROM parts) g LEFT JOIN parts p USING (driver_id, day)
  WINDOW w AS (PARTITION BY g.driver_id ORDER BY g.day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW)
)
SELECT driver_id, fs7 / NULLIF(fn7, 0) AS avg_fare_7d, rs7 / NULLIF(rn7, 0) AS avg_rating_7d,
       fs7 / NULLIF(ds7, 0) AS fare_per_km_7d, dmax AS max_distance_1d, coalesce(n1h, 0) AS trips_1h, coalesce(n7, 0) AS trips_7d,
       date_format(timestamp_millis(day * 86400000), 'yyyy-MM-dd') AS ds
FROM framed
WHERE day BETWEEN datediff(DATE '{frm}', DATE '1970-01-01') AND datediff(DATE '{to}', DATE '1970-01-01') AND coalesce(n7, 0) > 0
""")
print("PALETTE " + '{"event": "done"}')
`;

async function timed(what: string, file: string, args: string[]): Promise<number> {
  const started = Date.now();
  process.stderr.write(`${what}...\n`);
  await runSparkJob(options, file, args, (e) => {
    if (e.event === 'step' || e.event === 'note') process.stderr.write(`  ${'description' in e ? e.description : e.message}\n`);
  });
  const s = (Date.now() - started) / 1000;
  process.stderr.write(`${what}: ${s.toFixed(1)} s\n`);
  return s;
}

async function main(): Promise<void> {
  const hive = new HiveClient({ host: services.hive.host, port: services.hive.port, auth: 'none' });
  try {
    const genSeconds = values['skip-data'] ? null : await timed(`generating ${EVENTS} events over ${DAYS} days, ${KEYS} keys`, script('generate.py', GENERATE), [String(EVENTS), String(DAYS), String(KEYS), String(SPINE)]);
    await hive.run(`CREATE DATABASE IF NOT EXISTS ${daily.database}`);
    for (const t of [tiles, daily]) {
      await hive.run(`DROP TABLE IF EXISTS ${t.database}.${t.table}`);
      await hive.run(createOfflineTableHql(t, 'bench').replace(/;\s*$/, ''));
    }
    await hive.run('CREATE DATABASE IF NOT EXISTS bench_hand');
    await hive.run('DROP TABLE IF EXISTS bench_hand.tiles');
    await hive.run('DROP TABLE IF EXISTS bench_hand.daily');
    await hive.run(`CREATE TABLE bench_hand.tiles (driver_id STRING, hop_ms BIGINT, tile_start TIMESTAMP, n BIGINT, fare_s DOUBLE, fare_n BIGINT, dist_max DOUBLE, rating_s DOUBLE, rating_n BIGINT, dist_s DOUBLE) PARTITIONED BY (ds STRING) STORED AS PARQUET`);
    await hive.run(`CREATE TABLE bench_hand.daily (driver_id STRING, avg_fare_7d DOUBLE, avg_rating_7d DOUBLE, fare_per_km_7d DOUBLE, max_distance_1d DOUBLE, trips_1h BIGINT, trips_7d BIGINT) PARTITIONED BY (ds STRING) STORED AS PARQUET`);

    const generated = script('backfill_bench_trip_stats.py', backfillJob(registry, group));
    const hand = script('hand_written.py', HAND);
    // Alternate the order over rounds (ABBA) so page cache and warm disks favour neither.
    const genTimes: number[] = [];
    const handTimes: number[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      const gen = () => timed(`generated backfill job (${round + 1})`, generated, ['--from', FROM, '--to', TO]).then((t) => genTimes.push(t));
      const hw = () => timed(`hand-written Spark SQL job (${round + 1})`, hand, [FROM, TO]).then((t) => handTimes.push(t));
      if (round % 2 === 0) { await gen(); await hw(); } else { await hw(); await gen(); }
    }

    // Same answer: the daily tables agree (row count and 7-day sums).
    const q = async (sql: string) => (await hive.query(sql)).rows[0];
    const g = await q(`SELECT count(*), sum(trips_7d), sum(trips_1h), sum(avg_fare_7d) FROM ${daily.database}.${daily.table}`);
    const h = await q('SELECT count(*), sum(trips_7d), sum(trips_1h), sum(avg_fare_7d) FROM bench_hand.daily');
    const inputRows = (await q(`SELECT count(*) FROM bench_raw.trips`))[0];
    const tileRows = (await q(`SELECT count(*) FROM ${tiles.database}.${tiles.table}`))[0];
    const handTileRows = (await q('SELECT count(*) FROM bench_hand.tiles'))[0];
    const close = (x: unknown, y: unknown) => Math.abs(Number(x) - Number(y)) <= 1e-9 * Math.max(1, Math.abs(Number(x)));
    const agree = g.every((v, i) => close(v, h[i])) && tileRows === handTileRows;
    process.stderr.write(`daily generated ${JSON.stringify(g)} hand ${JSON.stringify(h)}; tiles ${String(tileRows)} vs ${String(handTileRows)}\n`);

    const generatedSeconds = Math.min(...genTimes);
    const handSeconds = Math.min(...handTimes);
    const cmd = `node --import tsx bench/spark-backfill-bench.ts --events ${EVENTS} --days ${DAYS} --keys ${KEYS} --spine ${SPINE} --rounds ${values.rounds}${values['skip-data'] ? ' --skip-data' : ''}`;
    const backfillFigures = {
      events: inputRows, days: DAYS, keys: KEYS, backfilled: `${FROM}..${TO}`, master: options.master,
      generateDataSeconds: genSeconds,
      generatedJobSeconds: genTimes, handWrittenJobSeconds: handTimes,
      ratioGeneratedOverHand: Number((generatedSeconds / handSeconds).toFixed(3)),
      goal: '<= 1.2',
      sameDailyResult: agree, dailyGenerated: g, dailyHand: h, tileRows,
    };
    // Written now, so a failure of the training set keeps the backfill figures.
    writeResults('spark-backfill', cmd, { ...backfillFigures, trainingSetSeconds: null });

    // Spine rows whose time lies inside the generated days (a later time would need a day that does not exist).
    await hive.run('DROP TABLE IF EXISTS bench_raw.spine_in_range');
    await hive.run(`CREATE TABLE bench_raw.spine_in_range STORED AS PARQUET AS SELECT driver_id, ts FROM bench_raw.spine WHERE ts < TIMESTAMP '${day(DAYS)} 00:00:00'`);
    const spineRows = Number((await q('SELECT count(*) FROM bench_raw.spine_in_range'))[0]);
    const ts = script('training_set_bench_eta.py', trainingSetJob(registry, registry.models[0]));
    const trainingSeconds = await timed(`training set (${spineRows} spine rows)`, ts, ['--spine', 'bench_raw.spine_in_range', '--at', 'ts', '--output-table', 'bench_raw.training_eta']);

    const figures = {
      ...backfillFigures,
      trainingSetSpineRows: spineRows, trainingSetSeconds: trainingSeconds,
    };
    const path = writeResults('spark-backfill', cmd, figures);
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\nwritten to ${path}\n`);
  } finally {
    await hive.close();
  }
}

await main();
