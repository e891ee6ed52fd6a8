-- Palette backfill of geo.store_profile (snapshot), version 23708baf7e9b. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads dim.stores: a view over the partitions the windows need (the engine checks them).
-- Writes palette_geo.store_profile_23708baf_daily: partitions ds in [from_ds, to_ds] from __daily.

-- --------------------------------------------------------------------------------------
-- geo.store_profile: feature values of each partition
CREATE OR REPLACE TEMP TABLE "__daily" AS
SELECT "store_id", "size_sqm", "age_days", "label", "large", strftime(__snap, '%Y-%m-%d') AS "ds"
FROM (
  SELECT * FROM (
    SELECT CAST("id" AS BIGINT) AS "store_id",
           CAST("ds" AS DATE) AS __snap,
           CAST(COALESCE(CASE WHEN NOT isnan(CAST("sqm" AS DOUBLE)) THEN CAST("sqm" AS DOUBLE) END, CAST(0.0 AS DOUBLE)) AS DOUBLE) AS "size_sqm",
           CAST((CAST("ds" AS DATE) - CAST("opened" AS DATE)) AS INTEGER) AS "age_days",
           CAST((upper(replace(substring(CAST("name" AS VARCHAR), CASE WHEN 1 < 1 THEN 1 ELSE 1 END, CASE WHEN 3 < 0 THEN 0 ELSE 3 END), 'ß', 'SS')) || '-' || CAST("region" AS VARCHAR)) AS VARCHAR) AS "label",
           CAST(((COALESCE(CASE WHEN NOT isnan(CAST("sqm" AS DOUBLE)) THEN CAST("sqm" AS DOUBLE) END, CAST(0.0 AS DOUBLE))) > 500) AS BOOLEAN) AS "large"
    FROM "dim"."stores"
    WHERE CAST("ds" AS DATE) BETWEEN CAST(getvariable('from_ds') AS DATE) AND CAST(getvariable('to_ds') AS DATE)
  )
  WHERE "store_id" IS NOT NULL
);

-- --------------------------------------------------------------------------------------
-- Check (must return no rows): dim.stores: a snapshot must have one row per store_id in each partition
SELECT "store_id", __snap, count(*) AS rows
FROM (
  SELECT * FROM (
    SELECT CAST("id" AS BIGINT) AS "store_id",
           CAST("ds" AS DATE) AS __snap,
           CAST(COALESCE(CASE WHEN NOT isnan(CAST("sqm" AS DOUBLE)) THEN CAST("sqm" AS DOUBLE) END, CAST(0.0 AS DOUBLE)) AS DOUBLE) AS "size_sqm",
           CAST((CAST("ds" AS DATE) - CAST("opened" AS DATE)) AS INTEGER) AS "age_days",
           CAST((upper(replace(substring(CAST("name" AS VARCHAR), CASE WHEN 1 < 1 THEN 1 ELSE 1 END, CASE WHEN 3 < 0 THEN 0 ELSE 3 END), 'ß', 'SS')) || '-' || CAST("region" AS VARCHAR)) AS VARCHAR) AS "label",
           CAST(((COALESCE(CASE WHEN NOT isnan(CAST("sqm" AS DOUBLE)) THEN CAST("sqm" AS DOUBLE) END, CAST(0.0 AS DOUBLE))) > 500) AS BOOLEAN) AS "large"
    FROM "dim"."stores"
    WHERE CAST("ds" AS DATE) BETWEEN CAST(getvariable('from_ds') AS DATE) AND CAST(getvariable('to_ds') AS DATE)
  )
  WHERE "store_id" IS NOT NULL
)
GROUP BY "store_id", __snap
HAVING count(*) > 1
ORDER BY __snap, "store_id"
LIMIT 5;
