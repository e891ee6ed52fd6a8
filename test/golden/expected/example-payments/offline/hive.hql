-- Palette offline store, registry 33dfe103d6b6. Generated: do not edit.
CREATE DATABASE IF NOT EXISTS palette_payments_fraud;

-- payments.fraud.card_at_merchant (windowed), version 334e29c1e50c
CREATE TABLE IF NOT EXISTS palette_payments_fraud.card_at_merchant_334e29c1_tiles (
  `card_id` STRING,
  `merchant_id` BIGINT,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_s` DOUBLE,
  `a0_n` BIGINT,
  `a1_n` BIGINT,
  `a2_ts` TIMESTAMP,
  `a2_v` TIMESTAMP,
  `a3_ts` ARRAY<TIMESTAMP>,
  `a3_v` ARRAY<BIGINT>
)
COMMENT 'palette tiles of payments.fraud.card_at_merchant 334e29c1e50c'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_payments_fraud.card_at_merchant_334e29c1_daily (
  `card_id` STRING,
  `merchant_id` BIGINT,
  `avg_amount_30d` DOUBLE,
  `first_purchase` TIMESTAMP,
  `purchases_30d` BIGINT,
  `recent_amounts` ARRAY<BIGINT>
)
COMMENT 'palette daily state of payments.fraud.card_at_merchant 334e29c1e50c'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;

-- payments.fraud.card_velocity (windowed), version 3a0a9ac5d3c2
CREATE TABLE IF NOT EXISTS palette_payments_fraud.card_velocity_3a0a9ac5_tiles (
  `card_id` STRING,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_s` DOUBLE,
  `a0_n` BIGINT,
  `a1_n` BIGINT,
  `a2_n` BIGINT,
  `a3_n` BIGINT,
  `a4_v` ARRAY<STRING>,
  `a5_ts` TIMESTAMP,
  `a5_v` STRING,
  `a6_v` DOUBLE,
  `a7_n` BIGINT,
  `a7_mean` DOUBLE,
  `a7_m2` DOUBLE,
  `a8_s` DOUBLE
)
COMMENT 'palette tiles of payments.fraud.card_velocity 3a0a9ac5d3c2'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_payments_fraud.card_velocity_3a0a9ac5_daily (
  `card_id` STRING,
  `amount_stddev_7d` DOUBLE,
  `auths_10m` BIGINT,
  `auths_1h` BIGINT,
  `card_not_present_share_1d` DOUBLE,
  `countries_24h` BIGINT,
  `decline_rate_1h` DOUBLE,
  `declines_1h` BIGINT,
  `last_country` STRING,
  `max_amount_7d` DOUBLE,
  `spend_24h` DOUBLE
)
COMMENT 'palette daily state of payments.fraud.card_velocity 3a0a9ac5d3c2'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;

-- payments.fraud.merchant_risk (snapshot), version ec6f1c8755d7
CREATE TABLE IF NOT EXISTS palette_payments_fraud.merchant_risk_ec6f1c87_daily (
  `merchant_id` BIGINT,
  `age_days` INT,
  `chargeback_heavy` BOOLEAN,
  `mcc` INT,
  `risk_tier` STRING
)
COMMENT 'palette daily state of payments.fraud.merchant_risk ec6f1c8755d7'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
