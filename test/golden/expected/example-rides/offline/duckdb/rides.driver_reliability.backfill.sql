-- Palette backfill of rides.driver_reliability (windowed), version d1c978dccc30. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.trips: a view over the partitions the windows need (the engine checks them).
-- Writes palette_rides.driver_reliability_d1c978dc_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_rides.driver_reliability_d1c978dc_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

-- --------------------------------------------------------------------------------------
-- rides.driver_reliability: events of rides.trips
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("driver_id" AS VARCHAR) AS "driver_id",
         epoch_ms(CAST("event_time" AS TIMESTAMP)) AS __ts,
         (CASE WHEN (CAST("status" AS VARCHAR) = 'cancelled') THEN 1 ELSE 0 END) AS __x0,
         CAST("rider_id" AS VARCHAR) AS __x1,
         CAST("status" AS VARCHAR) AS __x2,
         CASE WHEN NOT isnan(CAST("fare" AS DOUBLE)) THEN CAST("fare" AS DOUBLE) END AS __x3
  FROM "raw"."trips"
)
WHERE "driver_id" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- rides.driver_reliability: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 3600000 ms: avg(cancelled) over 7d every 1h; count_distinct(rider_id) over 7d every 1h; last(status) over 1d every 1h; last_k(fare, 5) over 1d every 1h; stddev(fare) over 7d every 1h
SELECT "driver_id",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_s AS DOUBLE) AS "a0_s",
       CAST(__p0_n AS BIGINT) AS "a0_n",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(__p2_l AS VARCHAR[]) AS "a2_v",
       CAST(epoch_ms(__p3_p.ts) AS TIMESTAMP) AS "a3_ts",
       CAST(__p3_p.v AS VARCHAR) AS "a3_v",
       CAST(list_transform(__p4_l, p -> epoch_ms(p.ts)) AS TIMESTAMP[]) AS "a4_ts",
       CAST(list_transform(__p4_l, p -> p.v) AS DOUBLE[]) AS "a4_v",
       CAST(__p5_n AS BIGINT) AS "a5_n",
       CAST(__p5_mean AS DOUBLE) AS "a5_mean",
       CAST(__p5_m2 AS DOUBLE) AS "a5_m2",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "driver_id",
         __start,
         CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         list(DISTINCT "__x1" ORDER BY "__x1") FILTER (WHERE "__x1" IS NOT NULL) AS __p2_l,
         max(struct_pack(ts := __ts, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) AS __p3_p,
         max_by(struct_pack(ts := __ts, v := "__x3"), struct_pack(ts := __ts, v := "__x3"), 5) FILTER (WHERE "__x3" IS NOT NULL) AS __p4_l,
         count("__x3") AS __p5_n,
         avg("__x3") AS __p5_mean,
         var_pop("__x3") * count("__x3") AS __p5_m2
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "driver_id", __start
)
UNION ALL
-- hop 86400000 ms: count() over all every 1d
SELECT "driver_id",
       CAST(86400000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(__p1_n AS BIGINT) AS "a1_n",
       CAST(NULL AS VARCHAR[]) AS "a2_v",
       CAST(NULL AS TIMESTAMP) AS "a3_ts",
       CAST(NULL AS VARCHAR) AS "a3_v",
       CAST(NULL AS TIMESTAMP[]) AS "a4_ts",
       CAST(NULL AS DOUBLE[]) AS "a4_v",
       CAST(NULL AS BIGINT) AS "a5_n",
       CAST(NULL AS DOUBLE) AS "a5_mean",
       CAST(NULL AS DOUBLE) AS "a5_m2",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "driver_id",
         __start,
         count(*) AS __p1_n
  FROM (SELECT *, pal_floor_to(__ts, 86400000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "driver_id", __start
);

-- --------------------------------------------------------------------------------------
-- rides.driver_reliability: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "driver_id", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "driver_id", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "driver_id" ORDER BY __day) AS __island
        FROM (SELECT *, 0 AS __new FROM active))
  GROUP BY "driver_id", __island
),
grid AS (
  SELECT "driver_id", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
tail_86400000 AS (
  -- last(status) over 1d every 1h; last_k(fare, 5) over 1d every 1h: the last 86400000 ms of day ds
  SELECT "driver_id", __day, arg_max("__x2", struct_pack(ts := __ts, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) AS __a3, list_transform(max_by(struct_pack(ts := __ts, v := "__x3"), struct_pack(ts := __ts, v := "__x3"), 5) FILTER (WHERE "__x3" IS NOT NULL), p -> p.v) AS __a4
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 86400000
  GROUP BY "driver_id", __day
),
day_partials AS (
  SELECT "driver_id", __day, CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         count(*) AS __p1_n,
         list(DISTINCT "__x1" ORDER BY "__x1") FILTER (WHERE "__x1" IS NOT NULL) AS __p2_l,
         count("__x3") AS __p5_n,
         avg("__x3") AS __p5_mean,
         var_pop("__x3") * count("__x3") AS __p5_m2
  FROM __events
  WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
  GROUP BY "driver_id", __day
),
day_frames AS (
  -- avg(cancelled) over 7d every 1h; count() over all every 1d; count_distinct(rider_id) over 7d every 1h; stddev(fare) over 7d every 1h
  SELECT "driver_id", __day, pal_finite(__m0_s / NULLIF(__m0_n, 0)) AS __a0,
         coalesce(__m1_v, 0) AS __a1,
         coalesce(length(list_distinct(__m2_v)), 0) AS __a2,
         pal_finite(sqrt(CASE WHEN __m5_v.n >= 2 THEN greatest(__m5_v.m2, 0) / (__m5_v.n - 1) END)) AS __a5
  FROM (
    SELECT "driver_id", __day, sum(__p0_s) OVER d7 AS __m0_s,
           sum(__p0_n) OVER d7 AS __m0_n,
           sum(__p1_n) OVER dall AS __m1_v,
           flatten(list(__p2_l) FILTER (WHERE __p2_l IS NOT NULL) OVER d7) AS __m2_v,
           list_reduce(list(struct_pack(n := CAST(__p5_n AS DOUBLE), mean := __p5_mean, m2 := __p5_m2)) FILTER (WHERE __p5_n > 0) OVER d7, (a, b) -> struct_pack(n := a.n + b.n, mean := a.mean + (b.mean - a.mean) * (b.n / (a.n + b.n)), m2 := a.m2 + b.m2 + (b.mean - a.mean) * (b.mean - a.mean) * (a.n * b.n / (a.n + b.n))), struct_pack(n := CAST(0 AS DOUBLE), mean := CAST(0 AS DOUBLE), m2 := CAST(0 AS DOUBLE))) AS __m5_v
    FROM (SELECT "driver_id", __day FROM grid UNION SELECT "driver_id", __day FROM day_partials) r
    LEFT JOIN day_partials p USING ("driver_id", __day)
    WINDOW d7 AS (PARTITION BY "driver_id" ORDER BY __day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW),
           dall AS (PARTITION BY "driver_id" ORDER BY __day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
),
aggregates AS (
  SELECT "driver_id", __day, __a0 AS __a0, coalesce(__a1, 0) AS __a1, coalesce(__a2, 0) AS __a2, __a3 AS __a3, __a4 AS __a4, __a5 AS __a5
  FROM grid
  LEFT JOIN tail_86400000 USING ("driver_id", __day)
  LEFT JOIN day_frames USING ("driver_id", __day)
)
SELECT "driver_id",
       CAST(__a0 AS DOUBLE) AS "cancel_rate_7d",
       CAST(__a1 AS BIGINT) AS "lifetime_trips",
       CAST(__a3 AS VARCHAR) AS "last_status",
       CAST(__a4 AS DOUBLE[]) AS "last_5_fares",
       CAST(__a2 AS BIGINT) AS "distinct_riders_7d",
       CAST(__a5 AS DOUBLE) AS "fare_stddev_7d",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 IS NOT NULL
   OR __a1 > 0
   OR __a2 > 0
   OR __a3 IS NOT NULL
   OR __a4 IS NOT NULL
   OR __a5 IS NOT NULL;
