-- Palette training set of rides.pricing_v1. Generated: do not edit.
-- Reads the table spine (__row BIGINT, __t TIMESTAMP, driver_id, rider_id) and
-- raw.trips (views over the partitions the spine's times need).
-- The last statement has one row per spine row: __row, driver_trip_stats.trips_1h, driver_trip_stats.avg_fare_7d, driver_reliability.cancel_rate_7d, rider_activity.rides_7d, rider_spend_30d, demand_pressure.

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

-- --------------------------------------------------------------------------------------
-- spine rows as probes
CREATE OR REPLACE TEMP TABLE "__probes" AS
SELECT __row AS __pid, "driver_id", "rider_id", __t, epoch_ms(__t) AS __tms
FROM spine;

-- --------------------------------------------------------------------------------------
-- rides.driver_reliability: events
CREATE OR REPLACE TEMP TABLE "__g0_events" AS
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
-- rides.driver_reliability: 1 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g0" AS
SELECT __pid, CAST(__a0 AS DOUBLE) AS "cancel_rate_7d"
FROM (
  SELECT "__pid", pal_finite("__a0__v") AS "__a0"
  FROM (
    SELECT "__pid", avg("__x0") OVER w0 AS "__a0__v"
    FROM (
      SELECT "driver_id", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x0", 0 AS __off0
      FROM __g0_events
      WHERE ("driver_id") IN (SELECT DISTINCT "driver_id" FROM __probes)
      UNION ALL
      SELECT "driver_id", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x0", __tms - (pal_floor_to(__tms, 3600000)) + 604800000 AS __off0
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

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
-- rides.driver_trip_stats: 3 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g1" AS
SELECT __pid, CAST(__a2 AS BIGINT) AS "trips_1h",
       CAST(__a3 AS BIGINT) AS "trips_7d",
       CAST(__a0 AS DOUBLE) AS "avg_fare_7d"
FROM (
  SELECT "__pid", pal_finite("__a0__v") AS "__a0",
         "__a2__v" AS "__a2",
         "__a3__v" AS "__a3"
  FROM (
    SELECT "__pid", avg("__x0") OVER w0 AS "__a0__v",
           count(__ev) OVER w1 AS "__a2__v",
           count(__ev) OVER w0 AS "__a3__v"
    FROM (
      SELECT "driver_id", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x0", 0 AS __off0, 0 AS __off1
      FROM __g1_events
      WHERE ("driver_id") IN (SELECT DISTINCT "driver_id" FROM __probes)
      UNION ALL
      SELECT "driver_id", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x0", __tms - (pal_floor_to(__tms, 3600000)) + 604800000 AS __off0, __tms - (pal_floor_to(__tms, 300000)) + 3600000 AS __off1
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING),
           w1 AS (PARTITION BY "driver_id" ORDER BY __o RANGE BETWEEN __off1 PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

-- --------------------------------------------------------------------------------------
-- rides.rider_activity: events
CREATE OR REPLACE TEMP TABLE "__g2_events" AS
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
-- rides.rider_activity: 2 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g2" AS
SELECT __pid, CAST(__a2 AS BIGINT) AS "rides_7d",
       CAST(__a3 AS DOUBLE) AS "spend_30d"
FROM (
  SELECT "__pid", "__a2__v" AS "__a2",
         pal_finite("__a3__v") AS "__a3"
  FROM (
    SELECT "__pid", count(__ev) OVER w0 AS "__a2__v",
           sum("__x2") OVER w1 AS "__a3__v"
    FROM (
      SELECT "rider_id", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x2", 0 AS __off0, 0 AS __off1
      FROM __g2_events
      WHERE ("rider_id") IN (SELECT DISTINCT "rider_id" FROM __probes)
      UNION ALL
      SELECT "rider_id", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x2", __tms - (pal_floor_to(__tms, 3600000)) + 604800000 AS __off0, __tms - (pal_floor_to(__tms, 86400000)) + 2592000000 AS __off1
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "rider_id" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING),
           w1 AS (PARTITION BY "rider_id" ORDER BY __o RANGE BETWEEN __off1 PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

-- --------------------------------------------------------------------------------------
-- rides.pricing_v1: 6 feature(s) per spine row
CREATE OR REPLACE TEMP TABLE "__training_set" AS
SELECT __pid AS __row, __g1."trips_1h" AS "driver_trip_stats.trips_1h",
       __g1."avg_fare_7d" AS "driver_trip_stats.avg_fare_7d",
       __g0."cancel_rate_7d" AS "driver_reliability.cancel_rate_7d",
       __g2."rides_7d" AS "rider_activity.rides_7d",
       __g2."spend_30d" AS "rider_spend_30d",
       CAST(pal_finite(CAST(__g2."rides_7d" AS DOUBLE) / NULLIF(CAST(CASE WHEN (__g1."trips_7d" = 0) THEN NULL ELSE __g1."trips_7d" END AS DOUBLE), 0)) AS DOUBLE) AS "demand_pressure"
FROM __probes
LEFT JOIN __g0 USING (__pid)
LEFT JOIN __g1 USING (__pid)
LEFT JOIN __g2 USING (__pid)
ORDER BY __row;
