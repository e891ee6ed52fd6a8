-- Palette training set of rides.eta_v3. Generated: do not edit.
-- Reads the table spine (__row BIGINT, __t TIMESTAMP, driver_id) and
-- dim.drivers, raw.trips (views over the partitions the spine's times need).
-- The last statement has one row per spine row: __row, driver_trip_stats.trips_1h, driver_trip_stats.trips_7d, driver_trip_stats.avg_fare_7d, driver_trip_stats.max_distance_1d, driver_trip_stats.avg_rating_30d, driver_trip_stats.fare_per_km_7d, driver_trip_stats.busy_ratio_1h, driver_profile.vehicle_type.

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

-- --------------------------------------------------------------------------------------
-- spine rows as probes
CREATE OR REPLACE TEMP TABLE "__probes" AS
SELECT __row AS __pid, "driver_id", __t, epoch_ms(__t) AS __tms
FROM spine;

-- --------------------------------------------------------------------------------------
-- rides.driver_profile: latest snapshot before each row's time
CREATE OR REPLACE TEMP TABLE "__g0" AS
WITH rows AS (
  -- one row per key and partition: duplicates resolved by the smallest feature values
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY "driver_id", __snap ORDER BY "vehicle_type") AS __rn
    FROM (
      SELECT * FROM (
        SELECT CAST("driver_id" AS VARCHAR) AS "driver_id",
               CAST("ds" AS DATE) AS __snap,
               CAST(CAST("vehicle_type" AS VARCHAR) AS VARCHAR) AS "vehicle_type",
               CAST(CAST("city" AS VARCHAR) AS VARCHAR) AS "city",
               CAST((CAST("ds" AS DATE) - CAST("signup_date" AS DATE)) AS INTEGER) AS "tenure_days"
        FROM "dim"."drivers"
      )
      WHERE "driver_id" IS NOT NULL
    )
  ) WHERE __rn = 1
),
snaps AS (
  SELECT __snap, CAST(__snap + 1 AS TIMESTAMP) AS __from
  FROM (SELECT DISTINCT CAST("ds" AS DATE) AS __snap FROM "dim"."drivers")
),
pick AS (
  SELECT p.__pid, p."driver_id", p.__tms, s.__snap
  FROM __probes p ASOF LEFT JOIN snaps s ON p.__t >= s.__from
)
SELECT pick.__pid, CASE WHEN pick.__tms < ((pick.__snap - DATE '1970-01-01') + 1) * 86400000 + 259200000 THEN r."vehicle_type" END AS "vehicle_type"
FROM pick LEFT JOIN rows r
  ON r."driver_id" = pick."driver_id" AND r.__snap = pick.__snap;

-- --------------------------------------------------------------------------------------
-- rides.driver_trip_stats: events
CREATE OR REPLACE TEMP TABLE "__g1_events" AS
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
-- rides.driver_trip_stats: 7 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g1" AS
SELECT __pid, CAST(__a2 AS BIGINT) AS "trips_1h",
       CAST(__a3 AS BIGINT) AS "trips_7d",
       CAST(__a0 AS DOUBLE) AS "avg_fare_7d",
       CAST(__a4 AS DOUBLE) AS "max_distance_1d",
       CAST(__a1 AS DOUBLE) AS "avg_rating_30d",
       CAST(pal_finite(__a6 / NULLIF(CASE WHEN (__a5 = 0) THEN NULL ELSE __a5 END, 0)) AS DOUBLE) AS "fare_per_km_7d",
       CAST(pal_finite(CAST((__a2) AS DOUBLE) / NULLIF(CASE WHEN (pal_finite(CAST((__a3) AS DOUBLE) / NULLIF(CAST(168.0 AS DOUBLE), 0)) = 0) THEN NULL ELSE pal_finite(CAST((__a3) AS DOUBLE) / NULLIF(CAST(168.0 AS DOUBLE), 0)) END, 0)) AS DOUBLE) AS "busy_ratio_1h"
FROM (
  SELECT "__pid", pal_finite("__a0__v") AS "__a0",
         pal_finite("__a1__v") AS "__a1",
         "__a2__v" AS "__a2",
         "__a3__v" AS "__a3",
         "__a4__v" AS "__a4",
         pal_finite("__a5__v") AS "__a5",
         pal_finite("__a6__v") AS "__a6"
  FROM (
    SELECT "__pid", avg("__x0") OVER w0 AS "__a0__v",
           avg("__x1") OVER w1 AS "__a1__v",
           count(__ev) OVER w2 AS "__a2__v",
           count(__ev) OVER w0 AS "__a3__v",
           max("__x2") OVER w3 AS "__a4__v",
           sum("__x2") OVER w0 AS "__a5__v",
           sum("__x0") OVER w0 AS "__a6__v"
    FROM (
      SELECT "driver_id", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x0", "__x1", "__x2", 0 AS __off0, 0 AS __off1, 0 AS __off2, 0 AS __off3
      FROM __g1_events
      WHERE ("driver_id") IN (SELECT DISTINCT "driver_id" FROM __probes)
      UNION ALL
      SELECT "driver_id", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x0", NULL AS "__x1", NULL AS "__x2", __tms - (pal_floor_to(__tms, 3600000)) + 604800000 AS __off0, __tms - (pal_floor_to(__tms, 86400000)) + 2592000000 AS __off1, __tms - (pal_floor_to(__tms, 300000)) + 3600000 AS __off2, __tms - (pal_floor_to(__tms, 3600000)) + 86400000 AS __off3
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING),
           w1 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off1 PRECEDING AND 1 PRECEDING),
           w2 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off2 PRECEDING AND 1 PRECEDING),
           w3 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off3 PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

-- --------------------------------------------------------------------------------------
-- rides.eta_v3: 8 feature(s) per spine row
CREATE OR REPLACE TEMP TABLE "__training_set" AS
SELECT __pid AS __row, __g1."trips_1h" AS "driver_trip_stats.trips_1h",
       __g1."trips_7d" AS "driver_trip_stats.trips_7d",
       __g1."avg_fare_7d" AS "driver_trip_stats.avg_fare_7d",
       __g1."max_distance_1d" AS "driver_trip_stats.max_distance_1d",
       __g1."avg_rating_30d" AS "driver_trip_stats.avg_rating_30d",
       __g1."fare_per_km_7d" AS "driver_trip_stats.fare_per_km_7d",
       __g1."busy_ratio_1h" AS "driver_trip_stats.busy_ratio_1h",
       __g0."vehicle_type" AS "driver_profile.vehicle_type"
FROM __probes
LEFT JOIN __g0 USING (__pid)
LEFT JOIN __g1 USING (__pid)
ORDER BY __row;
