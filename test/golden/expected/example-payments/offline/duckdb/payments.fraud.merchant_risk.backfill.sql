-- Palette backfill of payments.fraud.merchant_risk (snapshot), version ec6f1c8755d7. Generated: do not edit.
-- Parameters (the days written):
--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';
-- Reads dim.merchants: a view over the partitions the windows need (the engine checks them).
-- Writes palette_payments_fraud.merchant_risk_ec6f1c87_daily: partitions ds in [from_ds, to_ds] from __daily.

-- --------------------------------------------------------------------------------------
-- payments.fraud.merchant_risk: feature values of each partition
CREATE OR REPLACE TEMP TABLE "__daily" AS
SELECT "merchant_id", "mcc", "risk_tier", "age_days", "chargeback_heavy", strftime(__snap, '%Y-%m-%d') AS "ds"
FROM (
  SELECT * FROM (
    SELECT CAST("merchant_id" AS BIGINT) AS "merchant_id",
           CAST("ds" AS DATE) AS __snap,
           CAST(CAST("mcc" AS BIGINT) AS INTEGER) AS "mcc",
           CAST(COALESCE(CAST("risk_tier" AS VARCHAR), 'unknown') AS VARCHAR) AS "risk_tier",
           CAST((CAST("ds" AS DATE) - CAST("onboarded_on" AS DATE)) AS INTEGER) AS "age_days",
           CAST((CAST("chargebacks_90d" AS BIGINT) > 10) AS BOOLEAN) AS "chargeback_heavy"
    FROM "dim"."merchants"
    WHERE CAST("ds" AS DATE) BETWEEN CAST(getvariable('from_ds') AS DATE) AND CAST(getvariable('to_ds') AS DATE)
  )
  WHERE "merchant_id" IS NOT NULL
);

-- --------------------------------------------------------------------------------------
-- Check (must return no rows): dim.merchants: a snapshot must have one row per merchant_id in each partition
SELECT "merchant_id", __snap, count(*) AS rows
FROM (
  SELECT * FROM (
    SELECT CAST("merchant_id" AS BIGINT) AS "merchant_id",
           CAST("ds" AS DATE) AS __snap,
           CAST(CAST("mcc" AS BIGINT) AS INTEGER) AS "mcc",
           CAST(COALESCE(CAST("risk_tier" AS VARCHAR), 'unknown') AS VARCHAR) AS "risk_tier",
           CAST((CAST("ds" AS DATE) - CAST("onboarded_on" AS DATE)) AS INTEGER) AS "age_days",
           CAST((CAST("chargebacks_90d" AS BIGINT) > 10) AS BOOLEAN) AS "chargeback_heavy"
    FROM "dim"."merchants"
    WHERE CAST("ds" AS DATE) BETWEEN CAST(getvariable('from_ds') AS DATE) AND CAST(getvariable('to_ds') AS DATE)
  )
  WHERE "merchant_id" IS NOT NULL
)
GROUP BY "merchant_id", __snap
HAVING count(*) > 1
ORDER BY __snap, "merchant_id"
LIMIT 5;
