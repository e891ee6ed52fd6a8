-- Palette offline store, registry 12d6261a09ac. Generated: do not edit.
CREATE DATABASE IF NOT EXISTS palette_shop;

-- shop.customer_orders (windowed), version f0787d1e7d8d
CREATE TABLE IF NOT EXISTS palette_shop.customer_orders_f0787d1e_tiles (
  `customer_id` BIGINT,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_s` DOUBLE,
  `a0_n` BIGINT,
  `a1_s` DOUBLE,
  `a1_n` BIGINT,
  `a2_n` BIGINT,
  `a3_n` BIGINT,
  `a4_n` BIGINT,
  `a5_n` BIGINT,
  `a6_v` ARRAY<STRING>,
  `a7_ts` TIMESTAMP,
  `a7_v` TIMESTAMP,
  `a8_ts` TIMESTAMP,
  `a8_v` STRING,
  `a9_ts` ARRAY<TIMESTAMP>,
  `a9_v` ARRAY<DOUBLE>,
  `a10_v` DOUBLE,
  `a11_v` DOUBLE,
  `a12_n` BIGINT,
  `a12_mean` DOUBLE,
  `a12_m2` DOUBLE,
  `a13_s` BIGINT,
  `a14_s` DOUBLE,
  `a15_n` BIGINT,
  `a15_mean` DOUBLE,
  `a15_m2` DOUBLE
)
COMMENT 'palette tiles of shop.customer_orders f0787d1e7d8d'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_shop.customer_orders_f0787d1e_daily (
  `customer_id` BIGINT,
  `avg_net_30d` DOUBLE,
  `big_share_7d` DOUBLE,
  `bucket` STRING,
  `coupons_1d` BIGINT,
  `distinct_coupons` BIGINT,
  `first_order` TIMESTAMP,
  `items_7d` BIGINT,
  `last_3_totals` ARRAY<DOUBLE>,
  `last_coupon` STRING,
  `lifetime_orders` BIGINT,
  `max_total_1d` DOUBLE,
  `min_total_1d` DOUBLE,
  `net_7d` DOUBLE,
  `net_per_order_7d` DOUBLE,
  `net_stddev_7d` DOUBLE,
  `net_variance_7d` DOUBLE,
  `orders_1h` BIGINT,
  `orders_5m` BIGINT
)
COMMENT 'palette daily state of shop.customer_orders f0787d1e7d8d'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
