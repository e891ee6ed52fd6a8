-- Palette backfill of payments.fraud.card_velocity (windowed), version 3a0a9ac5d3c2. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.authorizations: a view over the partitions the windows need (the engine checks them).
-- Writes palette_payments_fraud.card_velocity_3a0a9ac5_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_payments_fraud.card_velocity_3a0a9ac5_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_velocity: events of payments.fraud.authorizations
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("card" AS VARCHAR) AS "card_id",
         epoch_ms(CAST("auth_time" AS TIMESTAMP)) AS __ts,
         CASE WHEN CAST("is_card_present" AS BOOLEAN) THEN CAST(0.0 AS DOUBLE) ELSE CAST(1.0 AS DOUBLE) END AS __x0,
         CAST("decline_reason" AS VARCHAR) AS __x1,
         CAST("country" AS VARCHAR) AS __x2,
         (pal_finite(CAST(CAST("amount_cents" AS BIGINT) AS DOUBLE) / NULLIF(CAST(100.0 AS DOUBLE), 0))) AS __x3
  FROM "raw"."authorizations"
)
WHERE "card_id" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_velocity: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 60000 ms: count() over 10m every 1m
SELECT "card_id",
       CAST(60000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(__p1_n AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(NULL AS VARCHAR[]) AS "a4_v",
       CAST(NULL AS TIMESTAMP) AS "a5_ts",
       CAST(NULL AS VARCHAR) AS "a5_v",
       CAST(NULL AS DOUBLE) AS "a6_v",
       CAST(NULL AS BIGINT) AS "a7_n",
       CAST(NULL AS DOUBLE) AS "a7_mean",
       CAST(NULL AS DOUBLE) AS "a7_m2",
       CAST(NULL AS DOUBLE) AS "a8_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "card_id",
         __start,
         count(*) AS __p1_n
  FROM (SELECT *, pal_floor_to(__ts, 60000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "card_id", __start
)
UNION ALL
-- hop 300000 ms: count() over 1h every 5m; count(decline_reason) over 1h every 5m
SELECT "card_id",
       CAST(300000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(__p2_n AS BIGINT) AS "a2_n",
       CAST(__p3_n AS BIGINT) AS "a3_n",
       CAST(NULL AS VARCHAR[]) AS "a4_v",
       CAST(NULL AS TIMESTAMP) AS "a5_ts",
       CAST(NULL AS VARCHAR) AS "a5_v",
       CAST(NULL AS DOUBLE) AS "a6_v",
       CAST(NULL AS BIGINT) AS "a7_n",
       CAST(NULL AS DOUBLE) AS "a7_mean",
       CAST(NULL AS DOUBLE) AS "a7_m2",
       CAST(NULL AS DOUBLE) AS "a8_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "card_id",
         __start,
         count(*) AS __p2_n,
         count("__x1") AS __p3_n
  FROM (SELECT *, pal_floor_to(__ts, 300000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "card_id", __start
)
UNION ALL
-- hop 3600000 ms: avg(case when is_card_present then 0.0 else 1.0 end) over 1d every 1h; count_distinct(country) over 1d every 1h; last(country) over 7d every 1h; max(amount) over 7d every 1h; stddev(amount) over 7d every 1h; sum(amount) over 1d every 1h
SELECT "card_id",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_s AS DOUBLE) AS "a0_s",
       CAST(__p0_n AS BIGINT) AS "a0_n",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(__p4_l AS VARCHAR[]) AS "a4_v",
       CAST(epoch_ms(__p5_p.ts) AS TIMESTAMP) AS "a5_ts",
       CAST(__p5_p.v AS VARCHAR) AS "a5_v",
       CAST(__p6_v AS DOUBLE) AS "a6_v",
       CAST(__p7_n AS BIGINT) AS "a7_n",
       CAST(__p7_mean AS DOUBLE) AS "a7_mean",
       CAST(__p7_m2 AS DOUBLE) AS "a7_m2",
       CAST(__p8_s AS DOUBLE) AS "a8_s",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "card_id",
         __start,
         CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         list(DISTINCT "__x2" ORDER BY "__x2") FILTER (WHERE "__x2" IS NOT NULL) AS __p4_l,
         max(struct_pack(ts := __ts, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) AS __p5_p,
         max("__x3") AS __p6_v,
         count("__x3") AS __p7_n,
         avg("__x3") AS __p7_mean,
         var_pop("__x3") * count("__x3") AS __p7_m2,
         sum("__x3") AS __p8_s
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "card_id", __start
);

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_velocity: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "card_id", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "card_id", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, least(max(__day) + 6, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')) AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "card_id" ORDER BY __day) AS __island
        FROM (SELECT *, CASE WHEN __day - lag(__day) OVER (PARTITION BY "card_id" ORDER BY __day) < 7 THEN 0 ELSE 1 END AS __new FROM active))
  GROUP BY "card_id", __island
),
grid AS (
  SELECT "card_id", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
tail_86400000 AS (
  -- avg(case when is_card_present then 0.0 else 1.0 end) over 1d every 1h; count_distinct(country) over 1d every 1h; sum(amount) over 1d every 1h: the last 86400000 ms of day ds
  SELECT "card_id", __day, pal_finite(avg("__x0")) AS __a0, count(DISTINCT "__x2") AS __a4, pal_finite(sum("__x3")) AS __a8
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 86400000
  GROUP BY "card_id", __day
),
tail_600000 AS (
  -- count() over 10m every 1m: the last 600000 ms of day ds
  SELECT "card_id", __day, count(__ts) AS __a1
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 600000
  GROUP BY "card_id", __day
),
tail_3600000 AS (
  -- count() over 1h every 5m; count(decline_reason) over 1h every 5m: the last 3600000 ms of day ds
  SELECT "card_id", __day, count(__ts) AS __a2, count("__x1") AS __a3
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 3600000
  GROUP BY "card_id", __day
),
day_partials AS (
  SELECT "card_id", __day, max(struct_pack(ts := __ts, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) AS __p5_p,
         max("__x3") AS __p6_v,
         count("__x3") AS __p7_n,
         avg("__x3") AS __p7_mean,
         var_pop("__x3") * count("__x3") AS __p7_m2
  FROM __events
  WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
  GROUP BY "card_id", __day
),
day_frames AS (
  -- last(country) over 7d every 1h; max(amount) over 7d every 1h; stddev(amount) over 7d every 1h
  SELECT "card_id", __day, (__m5_v).v AS __a5,
         __m6_v AS __a6,
         pal_finite(sqrt(CASE WHEN __m7_v.n >= 2 THEN greatest(__m7_v.m2, 0) / (__m7_v.n - 1) END)) AS __a7
  FROM (
    SELECT "card_id", __day, max(__p5_p) OVER d7 AS __m5_v,
           max(__p6_v) OVER d7 AS __m6_v,
           list_reduce(list(struct_pack(n := CAST(__p7_n AS DOUBLE), mean := __p7_mean, m2 := __p7_m2)) FILTER (WHERE __p7_n > 0) OVER d7, (a, b) -> struct_pack(n := a.n + b.n, mean := a.mean + (b.mean - a.mean) * (b.n / (a.n + b.n)), m2 := a.m2 + b.m2 + (b.mean - a.mean) * (b.mean - a.mean) * (a.n * b.n / (a.n + b.n))), struct_pack(n := CAST(0 AS DOUBLE), mean := CAST(0 AS DOUBLE), m2 := CAST(0 AS DOUBLE))) AS __m7_v
    FROM (SELECT "card_id", __day FROM grid UNION SELECT "card_id", __day FROM day_partials) r
    LEFT JOIN day_partials p USING ("card_id", __day)
    WINDOW d7 AS (PARTITION BY "card_id" ORDER BY __day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW)
  )
),
aggregates AS (
  SELECT "card_id", __day, __a0 AS __a0, coalesce(__a1, 0) AS __a1, coalesce(__a2, 0) AS __a2, coalesce(__a3, 0) AS __a3, coalesce(__a4, 0) AS __a4, __a5 AS __a5, __a6 AS __a6, __a7 AS __a7, __a8 AS __a8
  FROM grid
  LEFT JOIN tail_86400000 USING ("card_id", __day)
  LEFT JOIN tail_600000 USING ("card_id", __day)
  LEFT JOIN tail_3600000 USING ("card_id", __day)
  LEFT JOIN day_frames USING ("card_id", __day)
)
SELECT "card_id",
       CAST(__a1 AS BIGINT) AS "auths_10m",
       CAST(__a2 AS BIGINT) AS "auths_1h",
       CAST(__a3 AS BIGINT) AS "declines_1h",
       CAST(__a8 AS DOUBLE) AS "spend_24h",
       CAST(__a6 AS DOUBLE) AS "max_amount_7d",
       CAST(__a7 AS DOUBLE) AS "amount_stddev_7d",
       CAST(__a4 AS BIGINT) AS "countries_24h",
       CAST(__a5 AS VARCHAR) AS "last_country",
       CAST(pal_finite(CAST((__a3) AS DOUBLE) / NULLIF(CAST(CASE WHEN ((__a2) = 0) THEN NULL ELSE (__a2) END AS DOUBLE), 0)) AS DOUBLE) AS "decline_rate_1h",
       CAST(__a0 AS DOUBLE) AS "card_not_present_share_1d",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 IS NOT NULL
   OR __a1 > 0
   OR __a2 > 0
   OR __a3 > 0
   OR __a4 > 0
   OR __a5 IS NOT NULL
   OR __a6 IS NOT NULL
   OR __a7 IS NOT NULL
   OR __a8 IS NOT NULL;
