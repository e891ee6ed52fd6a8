-- Palette backfill of geo.store_traffic (windowed), version 42ab29b596a4. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.visits: a view over the partitions the windows need (the engine checks them).
-- Writes palette_geo.store_traffic_42ab29b5_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_geo.store_traffic_42ab29b5_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

-- --------------------------------------------------------------------------------------
-- geo.store_traffic: events of geo.visits
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("store" AS BIGINT) AS "store_id",
         CAST("region" AS VARCHAR) AS "region",
         epoch_ms(CAST("at" AS TIMESTAMP)) AS __ts,
         CAST("visitor" AS VARCHAR) AS __x0,
         hour(epoch_ms(epoch_ms(CAST("at" AS TIMESTAMP)))) AS __x1,
         CASE WHEN NOT isnan(CAST("spent" AS DOUBLE)) THEN CAST("spent" AS DOUBLE) END AS __x2
  FROM "raw"."visits"
)
WHERE "store_id" IS NOT NULL AND "region" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- geo.store_traffic: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 3600000 ms: count_distinct(visitor) over 1d every 1h; max(hour_of_day(at)) over 1d every 1h; sum(spent) over 1d every 1h
SELECT "store_id",
       "region",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_l AS VARCHAR[]) AS "a0_v",
       CAST(__p1_v AS INTEGER) AS "a1_v",
       CAST(__p2_s AS DOUBLE) AS "a2_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "store_id",
         "region",
         __start,
         list(DISTINCT "__x0" ORDER BY "__x0") FILTER (WHERE "__x0" IS NOT NULL) AS __p0_l,
         max("__x1") AS __p1_v,
         sum("__x2") AS __p2_s
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "store_id", "region", __start
);

-- --------------------------------------------------------------------------------------
-- geo.store_traffic: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "store_id", "region", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "store_id", "region", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, least(max(__day) + 0, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')) AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "store_id", "region" ORDER BY __day) AS __island
        FROM (SELECT *, CASE WHEN __day - lag(__day) OVER (PARTITION BY "store_id", "region" ORDER BY __day) < 1 THEN 0 ELSE 1 END AS __new FROM active))
  GROUP BY "store_id", "region", __island
),
grid AS (
  SELECT "store_id", "region", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
tail_86400000 AS (
  -- count_distinct(visitor) over 1d every 1h; max(hour_of_day(at)) over 1d every 1h; sum(spent) over 1d every 1h: the last 86400000 ms of day ds
  SELECT "store_id", "region", __day, count(DISTINCT "__x0") AS __a0, max("__x1") AS __a1, pal_finite(sum("__x2")) AS __a2
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 86400000
  GROUP BY "store_id", "region", __day
),
aggregates AS (
  SELECT "store_id", "region", __day, coalesce(__a0, 0) AS __a0, __a1 AS __a1, __a2 AS __a2
  FROM grid
  LEFT JOIN tail_86400000 USING ("store_id", "region", __day)
)
SELECT "store_id",
       "region",
       CAST(__a0 AS BIGINT) AS "visitors_1d",
       CAST(__a2 AS DOUBLE) AS "spend_1d",
       CAST(__a1 AS INTEGER) AS "peak_hour",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 > 0
   OR __a1 IS NOT NULL
   OR __a2 IS NOT NULL;
