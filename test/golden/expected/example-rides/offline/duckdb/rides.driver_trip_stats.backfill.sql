-- Palette backfill of rides.driver_trip_stats (windowed), version ac60d2a6494a. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.trips: a view over the partitions the windows need (the engine checks them).
-- Writes palette_rides.driver_trip_stats_ac60d2a6_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_rides.driver_trip_stats_ac60d2a6_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

-- --------------------------------------------------------------------------------------
-- rides.driver_trip_stats: events of rides.trips
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("driver_id" AS VARCHAR) AS "driver_id",
         epoch_ms(CAST("event_time" AS TIMESTAMP)) AS __ts,
         CASE WHEN NOT isnan(CAST("fare" AS DOUBLE)) THEN CAST("fare" AS DOUBLE) END AS __x0,
         CAST("rating" AS BIGINT) AS __x1,
         CASE WHEN NOT isnan(CAST("distance_km" AS DOUBLE)) THEN CAST("distance_km" AS DOUBLE) END AS __x2
  FROM "raw"."trips"
  WHERE (CAST("status" AS VARCHAR) = 'completed')
)
WHERE "driver_id" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- rides.driver_trip_stats: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 300000 ms: count() over 1h every 5m
SELECT "driver_id",
       CAST(300000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(NULL AS DOUBLE) AS "a1_s",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(__p2_n AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(NULL AS DOUBLE) AS "a4_v",
       CAST(NULL AS DOUBLE) AS "a5_s",
       CAST(NULL AS DOUBLE) AS "a6_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "driver_id",
         __start,
         count(*) AS __p2_n
  FROM (SELECT *, pal_floor_to(__ts, 300000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "driver_id", __start
)
UNION ALL
-- hop 3600000 ms: avg(fare) over 7d every 1h; count() over 7d every 1h; max(distance_km) over 1d every 1h; sum(distance_km) over 7d every 1h; sum(fare) over 7d every 1h
SELECT "driver_id",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_s AS DOUBLE) AS "a0_s",
       CAST(__p0_n AS BIGINT) AS "a0_n",
       CAST(NULL AS DOUBLE) AS "a1_s",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(__p3_n AS BIGINT) AS "a3_n",
       CAST(__p4_v AS DOUBLE) AS "a4_v",
       CAST(__p5_s AS DOUBLE) AS "a5_s",
       CAST(__p6_s AS DOUBLE) AS "a6_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "driver_id",
         __start,
         CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         count(*) AS __p3_n,
         max("__x2") AS __p4_v,
         sum("__x2") AS __p5_s,
         sum("__x0") AS __p6_s
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "driver_id", __start
)
UNION ALL
-- hop 86400000 ms: avg(rating) over 30d every 1d
SELECT "driver_id",
       CAST(86400000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(__p1_s AS DOUBLE) AS "a1_s",
       CAST(__p1_n AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(NULL AS DOUBLE) AS "a4_v",
       CAST(NULL AS DOUBLE) AS "a5_s",
       CAST(NULL AS DOUBLE) AS "a6_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "driver_id",
         __start,
         CAST(sum("__x1") AS DOUBLE) AS __p1_s,
         count("__x1") AS __p1_n
  FROM (SELECT *, pal_floor_to(__ts, 86400000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "driver_id", __start
);

-- --------------------------------------------------------------------------------------
-- rides.driver_trip_stats: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "driver_id", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "driver_id", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, least(max(__day) + 29, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')) AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "driver_id" ORDER BY __day) AS __island
        FROM (SELECT *, CASE WHEN __day - lag(__day) OVER (PARTITION BY "driver_id" ORDER BY __day) < 30 THEN 0 ELSE 1 END AS __new FROM active))
  GROUP BY "driver_id", __island
),
grid AS (
  SELECT "driver_id", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
tail_3600000 AS (
  -- count() over 1h every 5m: the last 3600000 ms of day ds
  SELECT "driver_id", __day, count(__ts) AS __a2
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 3600000
  GROUP BY "driver_id", __day
),
tail_86400000 AS (
  -- max(distance_km) over 1d every 1h: the last 86400000 ms of day ds
  SELECT "driver_id", __day, max("__x2") AS __a4
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 86400000
  GROUP BY "driver_id", __day
),
day_partials AS (
  SELECT "driver_id", __day, CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         CAST(sum("__x1") AS DOUBLE) AS __p1_s,
         count("__x1") AS __p1_n,
         count(*) AS __p3_n,
         sum("__x2") AS __p5_s,
         sum("__x0") AS __p6_s
  FROM __events
  WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
  GROUP BY "driver_id", __day
),
day_frames AS (
  -- avg(fare) over 7d every 1h; avg(rating) over 30d every 1d; count() over 7d every 1h; sum(distance_km) over 7d every 1h; sum(fare) over 7d every 1h
  SELECT "driver_id", __day, pal_finite(__m0_s / NULLIF(__m0_n, 0)) AS __a0,
         pal_finite(__m1_s / NULLIF(__m1_n, 0)) AS __a1,
         coalesce(__m3_v, 0) AS __a3,
         pal_finite(__m5_v) AS __a5,
         pal_finite(__m6_v) AS __a6
  FROM (
    SELECT "driver_id", __day, sum(__p0_s) OVER d7 AS __m0_s,
           sum(__p0_n) OVER d7 AS __m0_n,
           sum(__p1_s) OVER d30 AS __m1_s,
           sum(__p1_n) OVER d30 AS __m1_n,
           sum(__p3_n) OVER d7 AS __m3_v,
           sum(__p5_s) OVER d7 AS __m5_v,
           sum(__p6_s) OVER d7 AS __m6_v
    FROM (SELECT "driver_id", __day FROM grid UNION SELECT "driver_id", __day FROM day_partials) r
    LEFT JOIN day_partials p USING ("driver_id", __day)
    WINDOW d7 AS (PARTITION BY "driver_id" ORDER BY __day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW),
           d30 AS (PARTITION BY "driver_id" ORDER BY __day RANGE BETWEEN 29 PRECEDING AND CURRENT ROW)
  )
),
aggregates AS (
  SELECT "driver_id", __day, __a0 AS __a0, __a1 AS __a1, coalesce(__a2, 0) AS __a2, coalesce(__a3, 0) AS __a3, __a4 AS __a4, __a5 AS __a5, __a6 AS __a6
  FROM grid
  LEFT JOIN tail_3600000 USING ("driver_id", __day)
  LEFT JOIN tail_86400000 USING ("driver_id", __day)
  LEFT JOIN day_frames USING ("driver_id", __day)
)
SELECT "driver_id",
       CAST(__a2 AS BIGINT) AS "trips_1h",
       CAST(__a3 AS BIGINT) AS "trips_7d",
       CAST(__a0 AS DOUBLE) AS "avg_fare_7d",
       CAST(__a4 AS DOUBLE) AS "max_distance_1d",
       CAST(__a1 AS DOUBLE) AS "avg_rating_30d",
       CAST(pal_finite(__a6 / NULLIF(CASE WHEN (__a5 = 0) THEN NULL ELSE __a5 END, 0)) AS DOUBLE) AS "fare_per_km_7d",
       CAST(pal_finite(CAST((__a2) AS DOUBLE) / NULLIF(CASE WHEN (pal_finite(CAST((__a3) AS DOUBLE) / NULLIF(CAST(168.0 AS DOUBLE), 0)) = 0) THEN NULL ELSE pal_finite(CAST((__a3) AS DOUBLE) / NULLIF(CAST(168.0 AS DOUBLE), 0)) END, 0)) AS DOUBLE) AS "busy_ratio_1h",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 IS NOT NULL
   OR __a1 IS NOT NULL
   OR __a2 > 0
   OR __a3 > 0
   OR __a4 IS NOT NULL
   OR __a5 IS NOT NULL
   OR __a6 IS NOT NULL;
