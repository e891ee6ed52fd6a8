-- Palette backfill of shop.customer_orders (windowed), version f0787d1e7d8d. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads raw.orders: a view over the partitions the windows need (the engine checks them).
-- Writes palette_shop.customer_orders_f0787d1e_tiles: partitions ds in [from_ds, to_ds] from __tiles.
-- Writes palette_shop.customer_orders_f0787d1e_daily: partitions ds in [from_ds, to_ds] from __daily.

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

-- --------------------------------------------------------------------------------------
-- shop.customer_orders: events of shop.orders
CREATE OR REPLACE TEMP TABLE "__events" AS
SELECT *, CAST(floor(__ts / 86400000) AS BIGINT) AS __day
FROM (
  SELECT CAST("customer_id" AS BIGINT) AS "customer_id",
         epoch_ms(CAST("ordered_at" AS TIMESTAMP)) AS __ts,
         CASE WHEN (((pal_finite(CASE WHEN NOT isnan(CAST("total" AS DOUBLE)) THEN CAST("total" AS DOUBLE) END - COALESCE(CASE WHEN NOT isnan(CAST("discount" AS DOUBLE)) THEN CAST("discount" AS DOUBLE) END, 0))) > CAST(100.0 AS DOUBLE))) THEN CAST(1.0 AS DOUBLE) ELSE CAST(0.0 AS DOUBLE) END AS __x0,
         (pal_finite(CASE WHEN NOT isnan(CAST("total" AS DOUBLE)) THEN CAST("total" AS DOUBLE) END - COALESCE(CASE WHEN NOT isnan(CAST("discount" AS DOUBLE)) THEN CAST("discount" AS DOUBLE) END, 0))) AS __x1,
         CAST("coupon" AS VARCHAR) AS __x2,
         epoch_ms(epoch_ms(CAST("ordered_at" AS TIMESTAMP))) AS __x3,
         CASE WHEN NOT isnan(CAST("total" AS DOUBLE)) THEN CAST("total" AS DOUBLE) END AS __x4,
         CAST("items" AS BIGINT) AS __x5
  FROM "raw"."orders"
  WHERE ((CASE WHEN NOT isnan(CAST("total" AS DOUBLE)) THEN CAST("total" AS DOUBLE) END >= 0) AND (NOT (CAST("coupon" AS VARCHAR) = 'TEST')))
)
WHERE "customer_id" IS NOT NULL AND __ts IS NOT NULL;

-- --------------------------------------------------------------------------------------
-- shop.customer_orders: tiles
CREATE OR REPLACE TEMP TABLE "__tiles" AS
-- hop 300000 ms: count() over 5m every 5m
SELECT "customer_id",
       CAST(300000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(NULL AS DOUBLE) AS "a1_s",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(__p3_n AS BIGINT) AS "a3_n",
       CAST(NULL AS BIGINT) AS "a4_n",
       CAST(NULL AS BIGINT) AS "a5_n",
       CAST(NULL AS VARCHAR[]) AS "a6_v",
       CAST(NULL AS TIMESTAMP) AS "a7_ts",
       CAST(NULL AS TIMESTAMP) AS "a7_v",
       CAST(NULL AS TIMESTAMP) AS "a8_ts",
       CAST(NULL AS VARCHAR) AS "a8_v",
       CAST(NULL AS TIMESTAMP[]) AS "a9_ts",
       CAST(NULL AS DOUBLE[]) AS "a9_v",
       CAST(NULL AS DOUBLE) AS "a10_v",
       CAST(NULL AS DOUBLE) AS "a11_v",
       CAST(NULL AS BIGINT) AS "a12_n",
       CAST(NULL AS DOUBLE) AS "a12_mean",
       CAST(NULL AS DOUBLE) AS "a12_m2",
       CAST(NULL AS BIGINT) AS "a13_s",
       CAST(NULL AS DOUBLE) AS "a14_s",
       CAST(NULL AS BIGINT) AS "a15_n",
       CAST(NULL AS DOUBLE) AS "a15_mean",
       CAST(NULL AS DOUBLE) AS "a15_m2",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "customer_id",
         __start,
         count(*) AS __p3_n
  FROM (SELECT *, pal_floor_to(__ts, 300000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "customer_id", __start
)
UNION ALL
-- hop 600000 ms: count() over 1h every 10m
SELECT "customer_id",
       CAST(600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(NULL AS DOUBLE) AS "a1_s",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(__p2_n AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(NULL AS BIGINT) AS "a4_n",
       CAST(NULL AS BIGINT) AS "a5_n",
       CAST(NULL AS VARCHAR[]) AS "a6_v",
       CAST(NULL AS TIMESTAMP) AS "a7_ts",
       CAST(NULL AS TIMESTAMP) AS "a7_v",
       CAST(NULL AS TIMESTAMP) AS "a8_ts",
       CAST(NULL AS VARCHAR) AS "a8_v",
       CAST(NULL AS TIMESTAMP[]) AS "a9_ts",
       CAST(NULL AS DOUBLE[]) AS "a9_v",
       CAST(NULL AS DOUBLE) AS "a10_v",
       CAST(NULL AS DOUBLE) AS "a11_v",
       CAST(NULL AS BIGINT) AS "a12_n",
       CAST(NULL AS DOUBLE) AS "a12_mean",
       CAST(NULL AS DOUBLE) AS "a12_m2",
       CAST(NULL AS BIGINT) AS "a13_s",
       CAST(NULL AS DOUBLE) AS "a14_s",
       CAST(NULL AS BIGINT) AS "a15_n",
       CAST(NULL AS DOUBLE) AS "a15_mean",
       CAST(NULL AS DOUBLE) AS "a15_m2",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "customer_id",
         __start,
         count(*) AS __p2_n
  FROM (SELECT *, pal_floor_to(__ts, 600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "customer_id", __start
)
UNION ALL
-- hop 3600000 ms: avg(if(big, 1.0, 0.0)) over 7d every 1h; count(coupon) over 1d every 1h; last_k(total, 3) over 7d every 1h; max(total) over 1d every 1h; min(total) over 1d every 1h; stddev(net) over 7d every 1h; sum(items) over 7d every 1h; sum(net) over 7d every 1h; variance(net) over 7d every 1h
SELECT "customer_id",
       CAST(3600000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(__p0_s AS DOUBLE) AS "a0_s",
       CAST(__p0_n AS BIGINT) AS "a0_n",
       CAST(NULL AS DOUBLE) AS "a1_s",
       CAST(NULL AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(NULL AS BIGINT) AS "a4_n",
       CAST(__p5_n AS BIGINT) AS "a5_n",
       CAST(NULL AS VARCHAR[]) AS "a6_v",
       CAST(NULL AS TIMESTAMP) AS "a7_ts",
       CAST(NULL AS TIMESTAMP) AS "a7_v",
       CAST(NULL AS TIMESTAMP) AS "a8_ts",
       CAST(NULL AS VARCHAR) AS "a8_v",
       CAST(list_transform(__p9_l, p -> epoch_ms(p.ts)) AS TIMESTAMP[]) AS "a9_ts",
       CAST(list_transform(__p9_l, p -> p.v) AS DOUBLE[]) AS "a9_v",
       CAST(__p10_v AS DOUBLE) AS "a10_v",
       CAST(__p11_v AS DOUBLE) AS "a11_v",
       CAST(__p12_n AS BIGINT) AS "a12_n",
       CAST(__p12_mean AS DOUBLE) AS "a12_mean",
       CAST(__p12_m2 AS DOUBLE) AS "a12_m2",
       CAST(__p13_s AS BIGINT) AS "a13_s",
       CAST(__p14_s AS DOUBLE) AS "a14_s",
       CAST(__p15_n AS BIGINT) AS "a15_n",
       CAST(__p15_mean AS DOUBLE) AS "a15_mean",
       CAST(__p15_m2 AS DOUBLE) AS "a15_m2",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "customer_id",
         __start,
         CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         count("__x2") AS __p5_n,
         max_by(struct_pack(ts := __ts, v := "__x4"), struct_pack(ts := __ts, v := "__x4"), 3) FILTER (WHERE "__x4" IS NOT NULL) AS __p9_l,
         max("__x4") AS __p10_v,
         min("__x4") AS __p11_v,
         count("__x1") AS __p12_n,
         avg("__x1") AS __p12_mean,
         var_pop("__x1") * count("__x1") AS __p12_m2,
         CAST(sum("__x5") AS BIGINT) AS __p13_s,
         sum("__x1") AS __p14_s,
         count("__x1") AS __p15_n,
         avg("__x1") AS __p15_mean,
         var_pop("__x1") * count("__x1") AS __p15_m2
  FROM (SELECT *, pal_floor_to(__ts, 3600000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "customer_id", __start
)
UNION ALL
-- hop 86400000 ms: avg(net) over 30d every 1d; count() over all every 1d; count_distinct(coupon) over 30d every 1d; first(ordered_at) over all every 1d; last(coupon) over 30d every 1d
SELECT "customer_id",
       CAST(86400000 AS BIGINT) AS "hop_ms",
       epoch_ms(__start) AS "tile_start",
       CAST(NULL AS DOUBLE) AS "a0_s",
       CAST(NULL AS BIGINT) AS "a0_n",
       CAST(__p1_s AS DOUBLE) AS "a1_s",
       CAST(__p1_n AS BIGINT) AS "a1_n",
       CAST(NULL AS BIGINT) AS "a2_n",
       CAST(NULL AS BIGINT) AS "a3_n",
       CAST(__p4_n AS BIGINT) AS "a4_n",
       CAST(NULL AS BIGINT) AS "a5_n",
       CAST(__p6_l AS VARCHAR[]) AS "a6_v",
       CAST(epoch_ms(__p7_p.ts) AS TIMESTAMP) AS "a7_ts",
       CAST(__p7_p.v AS TIMESTAMP) AS "a7_v",
       CAST(epoch_ms(__p8_p.ts) AS TIMESTAMP) AS "a8_ts",
       CAST(__p8_p.v AS VARCHAR) AS "a8_v",
       CAST(NULL AS TIMESTAMP[]) AS "a9_ts",
       CAST(NULL AS DOUBLE[]) AS "a9_v",
       CAST(NULL AS DOUBLE) AS "a10_v",
       CAST(NULL AS DOUBLE) AS "a11_v",
       CAST(NULL AS BIGINT) AS "a12_n",
       CAST(NULL AS DOUBLE) AS "a12_mean",
       CAST(NULL AS DOUBLE) AS "a12_m2",
       CAST(NULL AS BIGINT) AS "a13_s",
       CAST(NULL AS DOUBLE) AS "a14_s",
       CAST(NULL AS BIGINT) AS "a15_n",
       CAST(NULL AS DOUBLE) AS "a15_mean",
       CAST(NULL AS DOUBLE) AS "a15_m2",
       strftime(epoch_ms(__start), '%Y-%m-%d') AS "ds"
FROM (
  SELECT "customer_id",
         __start,
         CAST(sum("__x1") AS DOUBLE) AS __p1_s,
         count("__x1") AS __p1_n,
         count(*) AS __p4_n,
         list(DISTINCT "__x2" ORDER BY "__x2") FILTER (WHERE "__x2" IS NOT NULL) AS __p6_l,
         min(struct_pack(ts := __ts, v := "__x3")) FILTER (WHERE "__x3" IS NOT NULL) AS __p7_p,
         max(struct_pack(ts := __ts, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) AS __p8_p
  FROM (SELECT *, pal_floor_to(__ts, 86400000) AS __start FROM __events) e
  WHERE __start >= (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') * 86400000 AND __start < ((CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') + 1) * 86400000
  GROUP BY "customer_id", __start
);

-- --------------------------------------------------------------------------------------
-- shop.customer_orders: daily feature state
CREATE OR REPLACE TEMP TABLE "__daily" AS
WITH active AS (
  SELECT DISTINCT "customer_id", __day FROM __events WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
),
islands AS (
  SELECT "customer_id", greatest(min(__day), (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01')) AS __first, (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AS __last
  FROM (SELECT *, sum(__new) OVER (PARTITION BY "customer_id" ORDER BY __day) AS __island
        FROM (SELECT *, 0 AS __new FROM active))
  GROUP BY "customer_id", __island
),
grid AS (
  SELECT "customer_id", unnest(generate_series(__first, __last)) AS __day FROM islands WHERE __first <= __last
),
tail_3600000 AS (
  -- count() over 1h every 10m: the last 3600000 ms of day ds
  SELECT "customer_id", __day, count(__ts) AS __a2
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 3600000
  GROUP BY "customer_id", __day
),
tail_300000 AS (
  -- count() over 5m every 5m: the last 300000 ms of day ds
  SELECT "customer_id", __day, count(__ts) AS __a3
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 300000
  GROUP BY "customer_id", __day
),
tail_86400000 AS (
  -- count(coupon) over 1d every 1h; max(total) over 1d every 1h; min(total) over 1d every 1h: the last 86400000 ms of day ds
  SELECT "customer_id", __day, count("__x2") AS __a5, max("__x4") AS __a10, min("__x4") AS __a11
  FROM __events
  WHERE __day BETWEEN (CAST(getvariable('from_ds') AS DATE) - DATE '1970-01-01') AND (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01') AND __ts >= (__day + 1) * 86400000 - 86400000
  GROUP BY "customer_id", __day
),
day_partials AS (
  SELECT "customer_id", __day, CAST(sum("__x0") AS DOUBLE) AS __p0_s,
         count("__x0") AS __p0_n,
         CAST(sum("__x1") AS DOUBLE) AS __p1_s,
         count("__x1") AS __p1_n,
         count(*) AS __p4_n,
         list(DISTINCT "__x2" ORDER BY "__x2") FILTER (WHERE "__x2" IS NOT NULL) AS __p6_l,
         min(struct_pack(ts := __ts, v := "__x3")) FILTER (WHERE "__x3" IS NOT NULL) AS __p7_p,
         max(struct_pack(ts := __ts, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) AS __p8_p,
         max_by(struct_pack(ts := __ts, v := "__x4"), struct_pack(ts := __ts, v := "__x4"), 3) FILTER (WHERE "__x4" IS NOT NULL) AS __p9_l,
         count("__x1") AS __p12_n,
         avg("__x1") AS __p12_mean,
         var_pop("__x1") * count("__x1") AS __p12_m2,
         CAST(sum("__x5") AS BIGINT) AS __p13_s,
         sum("__x1") AS __p14_s,
         count("__x1") AS __p15_n,
         avg("__x1") AS __p15_mean,
         var_pop("__x1") * count("__x1") AS __p15_m2
  FROM __events
  WHERE __day <= (CAST(getvariable('to_ds') AS DATE) - DATE '1970-01-01')
  GROUP BY "customer_id", __day
),
day_frames AS (
  -- avg(if(big, 1.0, 0.0)) over 7d every 1h; avg(net) over 30d every 1d; count() over all every 1d; count_distinct(coupon) over 30d every 1d; first(ordered_at) over all every 1d; last(coupon) over 30d every 1d; last_k(total, 3) over 7d every 1h; stddev(net) over 7d every 1h; sum(items) over 7d every 1h; sum(net) over 7d every 1h; variance(net) over 7d every 1h
  SELECT "customer_id", __day, pal_finite(__m0_s / NULLIF(__m0_n, 0)) AS __a0,
         pal_finite(__m1_s / NULLIF(__m1_n, 0)) AS __a1,
         coalesce(__m4_v, 0) AS __a4,
         coalesce(length(list_distinct(__m6_v)), 0) AS __a6,
         (__m7_v).v AS __a7,
         (__m8_v).v AS __a8,
         list_transform(list_slice(list_sort(__m9_v, 'DESC'), 1, 3), p -> p.v) AS __a9,
         pal_finite(sqrt(CASE WHEN __m12_v.n >= 2 THEN greatest(__m12_v.m2, 0) / (__m12_v.n - 1) END)) AS __a12,
         __m13_v AS __a13,
         pal_finite(__m14_v) AS __a14,
         pal_finite(CASE WHEN __m15_v.n >= 2 THEN greatest(__m15_v.m2, 0) / (__m15_v.n - 1) END) AS __a15
  FROM (
    SELECT "customer_id", __day, sum(__p0_s) OVER d7 AS __m0_s,
           sum(__p0_n) OVER d7 AS __m0_n,
           sum(__p1_s) OVER d30 AS __m1_s,
           sum(__p1_n) OVER d30 AS __m1_n,
           sum(__p4_n) OVER dall AS __m4_v,
           flatten(list(__p6_l) FILTER (WHERE __p6_l IS NOT NULL) OVER d30) AS __m6_v,
           min(__p7_p) OVER dall AS __m7_v,
           max(__p8_p) OVER d30 AS __m8_v,
           flatten(list(__p9_l) FILTER (WHERE __p9_l IS NOT NULL) OVER d7) AS __m9_v,
           list_reduce(list(struct_pack(n := CAST(__p12_n AS DOUBLE), mean := __p12_mean, m2 := __p12_m2)) FILTER (WHERE __p12_n > 0) OVER d7, (a, b) -> struct_pack(n := a.n + b.n, mean := a.mean + (b.mean - a.mean) * (b.n / (a.n + b.n)), m2 := a.m2 + b.m2 + (b.mean - a.mean) * (b.mean - a.mean) * (a.n * b.n / (a.n + b.n))), struct_pack(n := CAST(0 AS DOUBLE), mean := CAST(0 AS DOUBLE), m2 := CAST(0 AS DOUBLE))) AS __m12_v,
           CAST(sum(__p13_s) OVER d7 AS BIGINT) AS __m13_v,
           sum(__p14_s) OVER d7 AS __m14_v,
           list_reduce(list(struct_pack(n := CAST(__p15_n AS DOUBLE), mean := __p15_mean, m2 := __p15_m2)) FILTER (WHERE __p15_n > 0) OVER d7, (a, b) -> struct_pack(n := a.n + b.n, mean := a.mean + (b.mean - a.mean) * (b.n / (a.n + b.n)), m2 := a.m2 + b.m2 + (b.mean - a.mean) * (b.mean - a.mean) * (a.n * b.n / (a.n + b.n))), struct_pack(n := CAST(0 AS DOUBLE), mean := CAST(0 AS DOUBLE), m2 := CAST(0 AS DOUBLE))) AS __m15_v
    FROM (SELECT "customer_id", __day FROM grid UNION SELECT "customer_id", __day FROM day_partials) r
    LEFT JOIN day_partials p USING ("customer_id", __day)
    WINDOW d7 AS (PARTITION BY "customer_id" ORDER BY __day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW),
           d30 AS (PARTITION BY "customer_id" ORDER BY __day RANGE BETWEEN 29 PRECEDING AND CURRENT ROW),
           dall AS (PARTITION BY "customer_id" ORDER BY __day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
),
aggregates AS (
  SELECT "customer_id", __day, __a0 AS __a0, __a1 AS __a1, coalesce(__a2, 0) AS __a2, coalesce(__a3, 0) AS __a3, coalesce(__a4, 0) AS __a4, coalesce(__a5, 0) AS __a5, coalesce(__a6, 0) AS __a6, __a7 AS __a7, __a8 AS __a8, __a9 AS __a9, __a10 AS __a10, __a11 AS __a11, __a12 AS __a12, __a13 AS __a13, __a14 AS __a14, __a15 AS __a15
  FROM grid
  LEFT JOIN tail_3600000 USING ("customer_id", __day)
  LEFT JOIN tail_300000 USING ("customer_id", __day)
  LEFT JOIN tail_86400000 USING ("customer_id", __day)
  LEFT JOIN day_frames USING ("customer_id", __day)
)
SELECT "customer_id",
       CAST(__a3 AS BIGINT) AS "orders_5m",
       CAST(__a2 AS BIGINT) AS "orders_1h",
       CAST(__a5 AS BIGINT) AS "coupons_1d",
       CAST(__a14 AS DOUBLE) AS "net_7d",
       CAST(__a13 AS BIGINT) AS "items_7d",
       CAST(__a1 AS DOUBLE) AS "avg_net_30d",
       CAST(__a11 AS DOUBLE) AS "min_total_1d",
       CAST(__a10 AS DOUBLE) AS "max_total_1d",
       CAST(__a7 AS TIMESTAMP) AS "first_order",
       CAST(__a8 AS VARCHAR) AS "last_coupon",
       CAST(__a9 AS DOUBLE[]) AS "last_3_totals",
       CAST(__a6 AS BIGINT) AS "distinct_coupons",
       CAST(__a12 AS DOUBLE) AS "net_stddev_7d",
       CAST(__a15 AS DOUBLE) AS "net_variance_7d",
       CAST(__a0 AS DOUBLE) AS "big_share_7d",
       CAST(__a4 AS BIGINT) AS "lifetime_orders",
       CAST(pal_finite((__a14) / NULLIF(CASE WHEN (CAST((__a2) AS DOUBLE) = 0) THEN NULL ELSE CAST((__a2) AS DOUBLE) END, 0)) AS DOUBLE) AS "net_per_order_7d",
       CAST(CASE WHEN ((__a14) > 1000) THEN 'high' WHEN ((__a14) > 100) THEN 'mid' ELSE 'low' END AS VARCHAR) AS "bucket",
       strftime(epoch_ms(__day * 86400000), '%Y-%m-%d') AS "ds"
FROM aggregates
WHERE __a0 IS NOT NULL
   OR __a1 IS NOT NULL
   OR __a2 > 0
   OR __a3 > 0
   OR __a4 > 0
   OR __a5 > 0
   OR __a6 > 0
   OR __a7 IS NOT NULL
   OR __a8 IS NOT NULL
   OR __a9 IS NOT NULL
   OR __a10 IS NOT NULL
   OR __a11 IS NOT NULL
   OR __a12 IS NOT NULL
   OR __a13 IS NOT NULL
   OR __a14 IS NOT NULL
   OR __a15 IS NOT NULL;
