-- Palette backfill of rides.driver_profile (snapshot), version c31f3da32897. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads dim.drivers: a view over the partitions the windows need (the engine checks them).
-- Writes palette_rides.driver_profile_c31f3da3_daily: partitions ds in [from_ds, to_ds] from __daily.

-- --------------------------------------------------------------------------------------
-- rides.driver_profile: feature values of each partition
CREATE OR REPLACE TEMP TABLE "__daily" AS
SELECT "driver_id", "vehicle_type", "city", "tenure_days", strftime(__snap, '%Y-%m-%d') AS "ds"
FROM (
  SELECT * FROM (
    SELECT CAST("driver_id" AS VARCHAR) AS "driver_id",
           CAST("ds" AS DATE) AS __snap,
           CAST(CAST("vehicle_type" AS VARCHAR) AS VARCHAR) AS "vehicle_type",
           CAST(CAST("city" AS VARCHAR) AS VARCHAR) AS "city",
           CAST((CAST("ds" AS DATE) - CAST("signup_date" AS DATE)) AS INTEGER) AS "tenure_days"
    FROM "dim"."drivers"
    WHERE CAST("ds" AS DATE) BETWEEN CAST(getvariable('from_ds') AS DATE) AND CAST(getvariable('to_ds') AS DATE)
  )
  WHERE "driver_id" IS NOT NULL
);

-- --------------------------------------------------------------------------------------
-- Check (must return no rows): dim.drivers: a snapshot must have one row per driver_id in each partition
SELECT "driver_id", __snap, count(*) AS rows
FROM (
  SELECT * FROM (
    SELECT CAST("driver_id" AS VARCHAR) AS "driver_id",
           CAST("ds" AS DATE) AS __snap,
           CAST(CAST("vehicle_type" AS VARCHAR) AS VARCHAR) AS "vehicle_type",
           CAST(CAST("city" AS VARCHAR) AS VARCHAR) AS "city",
           CAST((CAST("ds" AS DATE) - CAST("signup_date" AS DATE)) AS INTEGER) AS "tenure_days"
    FROM "dim"."drivers"
    WHERE CAST("ds" AS DATE) BETWEEN CAST(getvariable('from_ds') AS DATE) AND CAST(getvariable('to_ds') AS DATE)
  )
  WHERE "driver_id" IS NOT NULL
)
GROUP BY "driver_id", __snap
HAVING count(*) > 1
ORDER BY __snap, "driver_id"
LIMIT 5;
