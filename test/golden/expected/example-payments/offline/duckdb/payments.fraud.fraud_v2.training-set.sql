-- Palette training set of payments.fraud.fraud_v2. Generated: do not edit.
-- Reads the table spine (__row BIGINT, __t TIMESTAMP, card_id, merchant_id) and
-- raw.authorizations, dim.merchants (views over the partitions the spine's times need).
-- The last statement has one row per spine row: __row, card_velocity.auths_10m, card_velocity.auths_1h, card_velocity.declines_1h, card_velocity.spend_24h, card_velocity.max_amount_7d, card_velocity.amount_stddev_7d, card_velocity.countries_24h, card_velocity.last_country, card_velocity.decline_rate_1h, card_velocity.card_not_present_share_1d, card_at_merchant.purchases_30d, card_at_merchant.first_purchase, merchant_risk_tier, merchant_risk.chargeback_heavy, spend_vs_history.

CREATE OR REPLACE TEMPORARY MACRO pal_finite(x) AS (
  CASE WHEN isfinite(x) THEN x END
);

CREATE OR REPLACE TEMPORARY MACRO pal_floor_to(v, h) AS (
  v - (((v % h) + h) % h)
);

-- --------------------------------------------------------------------------------------
-- spine rows as probes
CREATE OR REPLACE TEMP TABLE "__probes" AS
SELECT __row AS __pid, "card_id", "merchant_id", __t, epoch_ms(__t) AS __tms
FROM spine;

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_at_merchant: events
CREATE OR REPLACE TEMP TABLE "__g0_events" AS
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
-- payments.fraud.card_at_merchant: 3 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g0" AS
SELECT __pid, CAST(__a1 AS BIGINT) AS "purchases_30d",
       CAST(__a2 AS TIMESTAMP) AS "first_purchase",
       CAST(__a0 AS DOUBLE) AS "avg_amount_30d"
FROM (
  SELECT "__pid", pal_finite("__a0__v") AS "__a0",
         "__a1__v" AS "__a1",
         "__a2__v" AS "__a2"
  FROM (
    SELECT "__pid", avg("__x0") OVER w0 AS "__a0__v",
           count(__ev) OVER w0 AS "__a1__v",
           arg_min("__x1", struct_pack(ts := __o, v := "__x1")) FILTER (WHERE "__x1" IS NOT NULL) OVER w1 AS "__a2__v"
    FROM (
      SELECT "card_id", "merchant_id", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x0", "__x1", 0 AS __off0
      FROM __g0_events
      WHERE ("card_id", "merchant_id") IN (SELECT DISTINCT "card_id", "merchant_id" FROM __probes)
      UNION ALL
      SELECT "card_id", "merchant_id", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x0", NULL AS "__x1", __tms - (pal_floor_to(__tms, 86400000)) + 2592000000 AS __off0
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "card_id", "merchant_id" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING),
           w1 AS (PARTITION BY "card_id", "merchant_id" ORDER BY __o RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

-- --------------------------------------------------------------------------------------
-- payments.fraud.card_velocity: events
CREATE OR REPLACE TEMP TABLE "__g1_events" AS
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
-- payments.fraud.card_velocity: 9 aggregation(s) at each row's time
CREATE OR REPLACE TEMP TABLE "__g1" AS
SELECT __pid, CAST(__a1 AS BIGINT) AS "auths_10m",
       CAST(__a2 AS BIGINT) AS "auths_1h",
       CAST(__a3 AS BIGINT) AS "declines_1h",
       CAST(__a8 AS DOUBLE) AS "spend_24h",
       CAST(__a6 AS DOUBLE) AS "max_amount_7d",
       CAST(__a7 AS DOUBLE) AS "amount_stddev_7d",
       CAST(__a4 AS BIGINT) AS "countries_24h",
       CAST(__a5 AS VARCHAR) AS "last_country",
       CAST(pal_finite(CAST((__a3) AS DOUBLE) / NULLIF(CAST(CASE WHEN ((__a2) = 0) THEN NULL ELSE (__a2) END AS DOUBLE), 0)) AS DOUBLE) AS "decline_rate_1h",
       CAST(__a0 AS DOUBLE) AS "card_not_present_share_1d"
FROM (
  SELECT "__pid", pal_finite("__a0__v") AS "__a0",
         "__a1__v" AS "__a1",
         "__a2__v" AS "__a2",
         "__a3__v" AS "__a3",
         "__a4__v" AS "__a4",
         "__a5__v" AS "__a5",
         "__a6__v" AS "__a6",
         pal_finite("__a7__v") AS "__a7",
         pal_finite("__a8__v") AS "__a8"
  FROM (
    SELECT "__pid", avg("__x0") OVER w0 AS "__a0__v",
           count(__ev) OVER w1 AS "__a1__v",
           count(__ev) OVER w2 AS "__a2__v",
           count("__x1") OVER w2 AS "__a3__v",
           count(DISTINCT "__x2") OVER w0 AS "__a4__v",
           arg_max("__x2", struct_pack(ts := __o, v := "__x2")) FILTER (WHERE "__x2" IS NOT NULL) OVER w3 AS "__a5__v",
           max("__x3") OVER w3 AS "__a6__v",
           stddev_samp("__x3") OVER w3 AS "__a7__v",
           sum("__x3") OVER w0 AS "__a8__v"
    FROM (
      SELECT "card_id", __ts AS __o, 1 AS __ev, NULL AS "__pid", "__x0", "__x1", "__x2", "__x3", 0 AS __off0, 0 AS __off1, 0 AS __off2, 0 AS __off3
      FROM __g1_events
      WHERE ("card_id") IN (SELECT DISTINCT "card_id" FROM __probes)
      UNION ALL
      SELECT "card_id", __tms AS __o, NULL AS __ev, "__pid", NULL AS "__x0", NULL AS "__x1", NULL AS "__x2", NULL AS "__x3", __tms - (pal_floor_to(__tms, 3600000)) + 86400000 AS __off0, __tms - (pal_floor_to(__tms, 60000)) + 600000 AS __off1, __tms - (pal_floor_to(__tms, 300000)) + 3600000 AS __off2, __tms - (pal_floor_to(__tms, 3600000)) + 604800000 AS __off3
      FROM __probes
    )
    WINDOW w0 AS (PARTITION BY "card_id" ORDER BY __o RANGE BETWEEN __off0 PRECEDING AND 1 PRECEDING),
           w1 AS (PARTITION BY "card_id" ORDER BY __o RANGE BETWEEN __off1 PRECEDING AND 1 PRECEDING),
           w2 AS (PARTITION BY "card_id" ORDER BY __o RANGE BETWEEN __off2 PRECEDING AND 1 PRECEDING),
           w3 AS (PARTITION BY "card_id" ORDER BY __o RANGE BETWEEN __off3 PRECEDING AND 1 PRECEDING)
    QUALIFY __ev IS NULL
  )
);

-- --------------------------------------------------------------------------------------
-- payments.fraud.merchant_risk: latest snapshot before each row's time
CREATE OR REPLACE TEMP TABLE "__g2" AS
WITH rows AS (
  -- one row per key and partition: duplicates resolved by the smallest feature values
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY "merchant_id", __snap ORDER BY "risk_tier", "chargeback_heavy") AS __rn
    FROM (
      SELECT * FROM (
        SELECT CAST("merchant_id" AS BIGINT) AS "merchant_id",
               CAST("ds" AS DATE) AS __snap,
               CAST(CAST("mcc" AS BIGINT) AS INTEGER) AS "mcc",
               CAST(COALESCE(CAST("risk_tier" AS VARCHAR), 'unknown') AS VARCHAR) AS "risk_tier",
               CAST((CAST("ds" AS DATE) - CAST("onboarded_on" AS DATE)) AS INTEGER) AS "age_days",
               CAST((CAST("chargebacks_90d" AS BIGINT) > 10) AS BOOLEAN) AS "chargeback_heavy"
        FROM "dim"."merchants"
      )
      WHERE "merchant_id" IS NOT NULL
    )
  ) WHERE __rn = 1
),
snaps AS (
  SELECT __snap, CAST(__snap + 1 AS TIMESTAMP) AS __from
  FROM (SELECT DISTINCT CAST("ds" AS DATE) AS __snap FROM "dim"."merchants")
),
pick AS (
  SELECT p.__pid, p."merchant_id", p.__tms, s.__snap
  FROM __probes p ASOF LEFT JOIN snaps s ON p.__t >= s.__from
)
SELECT pick.__pid, r."risk_tier", r."chargeback_heavy"
FROM pick LEFT JOIN rows r
  ON r."merchant_id" = pick."merchant_id" AND r.__snap = pick.__snap;

-- --------------------------------------------------------------------------------------
-- payments.fraud.fraud_v2: 15 feature(s) per spine row
CREATE OR REPLACE TEMP TABLE "__training_set" AS
SELECT __pid AS __row, __g1."auths_10m" AS "card_velocity.auths_10m",
       __g1."auths_1h" AS "card_velocity.auths_1h",
       __g1."declines_1h" AS "card_velocity.declines_1h",
       __g1."spend_24h" AS "card_velocity.spend_24h",
       __g1."max_amount_7d" AS "card_velocity.max_amount_7d",
       __g1."amount_stddev_7d" AS "card_velocity.amount_stddev_7d",
       __g1."countries_24h" AS "card_velocity.countries_24h",
       __g1."last_country" AS "card_velocity.last_country",
       __g1."decline_rate_1h" AS "card_velocity.decline_rate_1h",
       __g1."card_not_present_share_1d" AS "card_velocity.card_not_present_share_1d",
       __g0."purchases_30d" AS "card_at_merchant.purchases_30d",
       __g0."first_purchase" AS "card_at_merchant.first_purchase",
       __g2."risk_tier" AS "merchant_risk_tier",
       __g2."chargeback_heavy" AS "merchant_risk.chargeback_heavy",
       CAST(pal_finite(__g1."spend_24h" / NULLIF(CASE WHEN (pal_finite(__g0."avg_amount_30d" / NULLIF(CAST(100.0 AS DOUBLE), 0)) = 0) THEN NULL ELSE pal_finite(__g0."avg_amount_30d" / NULLIF(CAST(100.0 AS DOUBLE), 0)) END, 0)) AS DOUBLE) AS "spend_vs_history"
FROM __probes
LEFT JOIN __g0 USING (__pid)
LEFT JOIN __g1 USING (__pid)
LEFT JOIN __g2 USING (__pid)
ORDER BY __row;
