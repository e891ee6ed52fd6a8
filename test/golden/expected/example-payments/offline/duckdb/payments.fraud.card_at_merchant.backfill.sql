-- Palette backfill of payments.fraud.card_at_merchant (windowed), version 334e29c1e50c. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.authorizations: a view over the partitions the windows need (the engine checks them).
-- Writes palette_payments_fraud.card_at_merchant_334e29c1_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_payments_fraud.card_at_merchant_334e29c1_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_at_merchant: events of payments.fraud.authorizations
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("card" AS VARCHAR) AS "card_id",
         CAST("merchant_id" AS BIGINT) AS "merchant_id",
         epoch_ms(CAST("auth_time" AS TIMESTAMP)) AS __ts,
         CAST("amount_cents" AS BIGINT) AS __x0,
         epoch_ms(epoch_ms(CAST("auth_time" AS TIMESTAMP))) AS __x1
  FROM "raw"."authorizations"
  WHERE CAST("approved" AS BOOLEAN)
)
WHERE "card_id" IS NOT NULL AND "merchant_id" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_at_merchant: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 3600000 ms: last_k(amount_cents, 3) over 7d every 1h
SELECT "card_id",
       "merchant_id",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(NULL AS TIMESTAMP) AS "a2_ts",
       CAST(NULL AS TIMESTAMP) AS "a2_v",
       CAST(list_transform(__p3_l, p -> epoch_ms(p.ts)) AS TIMESTAMP[]) AS "a3_ts",
       CAST(list_transform(__p3_l, p -> p.v) AS BIGINT[]) AS "a3_v",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "card_id",
         "merchant_id",
         __start,
         max_by(struct_pack(ts := __ts, v := "__x0"), struct_pack(ts := __ts, v := "__x0"), 3) FILTER (WHERE "__x0" IS NOT NULL) AS __p3_l
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "card_id", "merchant_id", __start
)
UNION ALL
-- hop 86400000 ms: avg(amount_cents) over 30d every 1d; count() over 30d every 1d; first(auth_time) over all every 1d
SELECT "card_id",
       "merchant_id",
       CAST(86400000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_s AS DOUBLE) AS "a0_s",
       CAST(__p0_n AS BIGINT) AS "a0_n",
       CAST(__p1_n AS BIGINT) AS "a1_n",
       CAST(epoch_ms(__p2_p.ts) AS TIMESTAMP) AS "a2_ts",
       CAST(__p2_p.v AS TIMESTAMP) AS "a2_v",
       CAST(NULL AS TIMESTAMP[]) AS "a3_ts",
       CAST(NULL AS BIGINT[]) AS "a3_v",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "card_id",
         "merchant_id",
         __start,
         CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         count(*) AS __p1_n,
         min(struct_pack(ts := __ts, v := "__x1")) FILTER (WHERE "__x1" IS NOT NULL) AS __p2_p
  FROM (SELECT *, pal_floor_to(__ts, 86400000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "card_id", "merchant_id", __start
);

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_at_merchant: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "card_id", "merchant_id", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "card_id", "merchant_id", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "card_id", "merchant_id" ORDER BY __day) AS __island
        FROM (SELECT *, 0 AS __new FROM active))
  GROUP BY "card_id", "merchant_id", __island
),
grid AS (
  SELECT "card_id", "merchant_id", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
day_partials AS (
  SELECT "card_id", "merchant_id", __day, CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         count(*) AS __p1_n,
         min(struct_pack(ts := __ts, v := "__x1")) FILTER (WHERE "__x1" IS NOT NULL) AS __p2_p,
         max_by(struct_pack(ts := __ts, v := "__x0"), struct_pack(ts := __ts, v := "__x0"), 3) FILTER (WHERE "__x0" IS NOT NULL) AS __p3_l
  FROM __events
  WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
  GROUP BY "card_id", "merchant_id", __day
),
day_frames AS (
  -- avg(amount_cents) over 30d every 1d; count() over 30d every 1d; first(auth_time) over all every 1d; last_k(amount_cents, 3) over 7d every 1h
  SELECT "card_id", "merchant_id", __day, pal_finite(__m0_s / NULLIF(__m0_n, 0)) AS __a0,
         coalesce(__m1_v, 0) AS __a1,
         (__m2_v).v AS __a2,
         list_transform(list_slice(list_sort(__m3_v, 'DESC'), 1, 3), p -> p.v) AS __a3
  FROM (
    SELECT "card_id", "merchant_id", __day, sum(__p0_s) OVER d30 AS __m0_s,
           sum(__p0_n) OVER d30 AS __m0_n,
           sum(__p1_n) OVER d30 AS __m1_v,
           min(__p2_p) OVER dall AS __m2_v,
           flatten(list(__p3_l) FILTER (WHERE __p3_l IS NOT NULL) OVER d7) AS __m3_v
    FROM (SELECT "card_id", "merchant_id", __day FROM grid UNION SELECT "card_id", "merchant_id", __day FROM day_partials) r
    LEFT JOIN day_partials p USING ("card_id", "merchant_id", __day)
    WINDOW d30 AS (PARTITION BY "card_id", "merchant_id" ORDER BY __day RANGE BETWEEN 29 PRECEDING AND CURRENT ROW),
           dall AS (PARTITION BY "card_id", "merchant_id" ORDER BY __day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           d7 AS (PARTITION BY "card_id", "merchant_id" ORDER BY __day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW)
  )
),
aggregates AS (
  SELECT "card_id", "merchant_id", __day, __a0 AS __a0, coalesce(__a1, 0) AS __a1, __a2 AS __a2, __a3 AS __a3
  FROM grid
  LEFT JOIN day_frames USING ("card_id", "merchant_id", __day)
)
SELECT "card_id",
       "merchant_id",
       CAST(__a1 AS BIGINT) AS "purchases_30d",
       CAST(__a2 AS TIMESTAMP) AS "first_purchase",
       CAST(__a0 AS DOUBLE) AS "avg_amount_30d",
       CAST(__a3 AS BIGINT[]) AS "recent_amounts",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 IS NOT NULL
   OR __a1 > 0
   OR __a2 IS NOT NULL
   OR __a3 IS NOT NULL;
