-- Palette training set of geo.store_ops. Generated: do not edit.
-- Reads the table spine (__row BIGINT, __t TIMESTAMP, store_id, region) and
-- dim.stores, raw.visits (views over the partitions the spine's times need).
-- The last statement has one row per spine row: __row, store_profile.size_sqm, store_profile.age_days, store_profile.label, store_profile.large, visitors, spend_per_sqm.

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

-- --------------------------------------------------------------------------------------
-- spine rows as probes
CREATE OR REPLACE TEMP TABLE "__probes" AS
SELECT __row AS __pid, "store_id", "region", __t, epoch_ms(__t) AS __tms
FROM spine;

-- --------------------------------------------------------------------------------------
-- geo.store_profile: latest snapshot before each row's time
CREATE OR REPLACE TEMP TABLE "__g0" AS
WITH rows AS (
  -- one row per key and partition: duplicates resolved by the smallest feature values
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY "store_id", __snap ORDER BY "size_sqm", "age_days", "label", "large") AS __rn
    FROM (
      SELECT * FROM (
        SELECT CAST("id" AS BIGINT) AS "store_id",
               CAST("ds" AS DATE) AS __snap,
               CAST(COALESCE(CASE WHEN NOT isnan(CAST("sqm" AS DOUBLE)) THEN CAST("sqm" AS DOUBLE) END, CAST(0.0 AS DOUBLE)) AS DOUBLE) AS "size_sqm",
               CAST((CAST("ds" AS DATE) - CAST("opened" AS DATE)) AS INTEGER) AS "age_days",
               CAST((upper(replace(substring(CAST("name" AS VARCHAR), CASE WHEN 1 < 1 THEN 1 ELSE 1 END, CASE WHEN 3 < 0 THEN 0 ELSE 3 END), 'ß', 'SS')) || '-' || CAST("region" AS VARCHAR)) AS VARCHAR) AS "label",
               CAST(((COALESCE(CASE WHEN NOT isnan(CAST("sqm" AS DOUBLE)) THEN CAST("sqm" AS DOUBLE) END, CAST(0.0 AS DOUBLE))) > 500) AS BOOLEAN) AS "large"
        FROM "dim"."stores"
      )
      WHERE "store_id" IS NOT NULL
    )
  ) WHERE __rn = 1
),
snaps AS (
  SELECT __snap, CAST(__snap + 1 AS TIMESTAMP) AS __from
  FROM (SELECT DISTINCT CAST("ds" AS DATE) AS __snap FROM "dim"."stores")
),
pick AS (
  SELECT p.__pid, p."store_id", p.__tms, s.__snap
  FROM __probes p ASOF LEFT JOIN snaps s ON p.__t >= s.__from
)
SELECT pick.__pid, CASE WHEN pick.__tms < ((pick.__snap - DATE '1970-01-01') + 1) * 86400000 + 172800000 THEN r."size_sqm" END AS "size_sqm", CASE WHEN pick.__tms < ((pick.__snap - DATE '1970-01-01') + 1) * 86400000 + 172800000 THEN r."age_days" END AS "age_days", CASE WHEN pick.__tms < ((pick.__snap - DATE '1970-01-01') + 1) * 86400000 + 172800000 THEN r."label" END AS "label", CASE WHEN pick.__tms < ((pick.__snap - DATE '1970-01-01') + 1) * 86400000 + 172800000 THEN r."large" END AS "large"
FROM pick LEFT JOIN rows r
  ON r."store_id" = pick."store_id" AND r.__snap = pick.__snap;

-- --------------------------------------------------------------------------------------
-- geo.store_traffic: events
CREATE OR REPLACE TEMP TABLE "__g1_events" AS
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
-- geo.store_traffic: 2 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g1" AS
SELECT __pid, CAST(__a0 AS BIGINT) AS "visitors_1d",
       CAST(__a2 AS DOUBLE) AS "spend_1d"
FROM (
  SELECT "__pid", "__a0__v" AS "__a0",
         pal_finite("__a2__v") AS "__a2"
  FROM (
    SELECT "__pid", count(DISTINCT "__x0") OVER w0 AS "__a0__v",
           sum("__x2") OVER w0 AS "__a2__v"
    FROM (
      SELECT "store_id", "region", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x0", "__x2", 0 AS __off0
      FROM __g1_events
      WHERE ("store_id", "region") IN (SELECT DISTINCT "store_id", "region" FROM __probes)
      UNION ALL
      SELECT "store_id", "region", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x0", NULL AS "__x2", __tms - (pal_floor_to(__tms, 3600000)) + 86400000 AS __off0
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "store_id", "region" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

-- --------------------------------------------------------------------------------------
-- geo.store_ops: 6 feature(s) per spine row
CREATE OR REPLACE TEMP TABLE "__training_set" AS
SELECT __pid AS __row, __g0."size_sqm" AS "store_profile.size_sqm",
       __g0."age_days" AS "store_profile.age_days",
       __g0."label" AS "store_profile.label",
       __g0."large" AS "store_profile.large",
       __g1."visitors_1d" AS "visitors",
       CAST(pal_finite(__g1."spend_1d" / NULLIF(CASE WHEN (__g0."size_sqm" = 0) THEN NULL ELSE __g0."size_sqm" END, 0)) AS DOUBLE) AS "spend_per_sqm"
FROM __probes
LEFT JOIN __g0 USING (__pid)
LEFT JOIN __g1 USING (__pid)
ORDER BY __row;
