-- Palette backfill of rides.rider_activity (windowed), version 3bf9a1c04181. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.trips: a view over the partitions the windows need (the engine checks them).
-- Writes palette_rides.rider_activity_3bf9a1c0_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_rides.rider_activity_3bf9a1c0_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

-- --------------------------------------------------------------------------------------
-- rides.rider_activity: events of rides.trips
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("rider_id" AS VARCHAR) AS "rider_id",
         epoch_ms(CAST("event_time" AS TIMESTAMP)) AS __ts,
         CASE WHEN NOT isnan(CAST("distance_km" AS DOUBLE)) THEN CAST("distance_km" AS DOUBLE) END AS __x0,
         CASE WHEN ((hour(epoch_ms(epoch_ms(CAST("event_time" AS TIMESTAMP)))) >= 22) OR (hour(epoch_ms(epoch_ms(CAST("event_time" AS TIMESTAMP)))) < 5)) THEN CAST(1.0 AS DOUBLE) ELSE CAST(0.0 AS DOUBLE) END AS __x1,
         CASE WHEN NOT isnan(CAST("fare" AS DOUBLE)) THEN CAST("fare" AS DOUBLE) END AS __x2
  FROM "raw"."trips"
)
WHERE "rider_id" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- rides.rider_activity: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 3600000 ms: avg(distance_km) over 7d every 1h; avg(if(hour_of_day(event_time) >= 22 or hour_of_day(event_time) < 5, 1.0, 0.0)) over 7d every 1h; count() over 7d every 1h
SELECT "rider_id",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_s AS DOUBLE) AS "a0_s",
       CAST(__p0_n AS BIGINT) AS "a0_n",
       CAST(__p1_s AS DOUBLE) AS "a1_s",
       CAST(__p1_n AS BIGINT) AS "a1_n",
       CAST(__p2_n AS BIGINT) AS "a2_n",
       CAST(NULL AS DOUBLE) AS "a3_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "rider_id",
         __start,
         CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         CAST(sum("__x1") AS DOUBLE) AS __p1_s,
         count("__x1") AS __p1_n,
         count(*) AS __p2_n
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "rider_id", __start
)
UNION ALL
-- hop 86400000 ms: sum(fare) over 30d every 1d
SELECT "rider_id",
       CAST(86400000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(NULL AS DOUBLE) AS "a1_s",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(__p3_s AS DOUBLE) AS "a3_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "rider_id",
         __start,
         sum("__x2") AS __p3_s
  FROM (SELECT *, pal_floor_to(__ts, 86400000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "rider_id", __start
);

-- --------------------------------------------------------------------------------------
-- rides.rider_activity: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "rider_id", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "rider_id", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, least(max(__day) + 29, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')) AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "rider_id" ORDER BY __day) AS __island
        FROM (SELECT *, CASE WHEN __day - lag(__day) OVER (PARTITION BY "rider_id" ORDER BY __day) < 30 THEN 0 ELSE 1 END AS __new FROM active))
  GROUP BY "rider_id", __island
),
grid AS (
  SELECT "rider_id", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
day_partials AS (
  SELECT "rider_id", __day, CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         CAST(sum("__x1") AS DOUBLE) AS __p1_s,
         count("__x1") AS __p1_n,
         count(*) AS __p2_n,
         sum("__x2") AS __p3_s
  FROM __events
  WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
  GROUP BY "rider_id", __day
),
day_frames AS (
  -- avg(distance_km) over 7d every 1h; avg(if(hour_of_day(event_time) >= 22 or hour_of_day(event_time) < 5, 1.0, 0.0)) over 7d every 1h; count() over 7d every 1h; sum(fare) over 30d every 1d
  SELECT "rider_id", __day, pal_finite(__m0_s / NULLIF(__m0_n, 0)) AS __a0,
         pal_finite(__m1_s / NULLIF(__m1_n, 0)) AS __a1,
         coalesce(__m2_v, 0) AS __a2,
         pal_finite(__m3_v) AS __a3
  FROM (
    SELECT "rider_id", __day, sum(__p0_s) OVER d7 AS __m0_s,
           sum(__p0_n) OVER d7 AS __m0_n,
           sum(__p1_s) OVER d7 AS __m1_s,
           sum(__p1_n) OVER d7 AS __m1_n,
           sum(__p2_n) OVER d7 AS __m2_v,
           sum(__p3_s) OVER d30 AS __m3_v
    FROM (SELECT "rider_id", __day FROM grid UNION SELECT "rider_id", __day FROM day_partials) r
    LEFT JOIN day_partials p USING ("rider_id", __day)
    WINDOW d7 AS (PARTITION BY "rider_id" ORDER BY __day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW),
           d30 AS (PARTITION BY "rider_id" ORDER BY __day RANGE BETWEEN 29 PRECEDING AND CURRENT ROW)
  )
),
aggregates AS (
  SELECT "rider_id", __day, __a0 AS __a0, __a1 AS __a1, coalesce(__a2, 0) AS __a2, __a3 AS __a3
  FROM grid
  LEFT JOIN day_frames USING ("rider_id", __day)
)
SELECT "rider_id",
       CAST(__a2 AS BIGINT) AS "rides_7d",
       CAST(__a3 AS DOUBLE) AS "spend_30d",
       CAST(__a0 AS DOUBLE) AS "avg_distance_7d",
       CAST(__a1 AS DOUBLE) AS "night_share_7d",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 IS NOT NULL
   OR __a1 IS NOT NULL
   OR __a2 > 0
   OR __a3 IS NOT NULL;
