-- Palette offline store, registry 39c04851bca3. Generated: do not edit.
CREATE DATABASE IF NOT EXISTS palette_geo;

-- geo.store_profile (snapshot), version 23708baf7e9b
CREATE TABLE IF NOT EXISTS palette_geo.store_profile_23708baf_daily (
  `store_id` INT,
  `age_days` INT,
  `label` STRING,
  `large` BOOLEAN,
  `size_sqm` DOUBLE
)
COMMENT 'palette daily state of geo.store_profile 23708baf7e9b'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;

-- geo.store_traffic (windowed), version 42ab29b596a4
CREATE TABLE IF NOT EXISTS palette_geo.store_traffic_42ab29b5_tiles (
  `store_id` INT,
  `region` STRING,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_v` ARRAY<STRING>,
  `a1_v` INT,
  `a2_s` DOUBLE
)
COMMENT 'palette tiles of geo.store_traffic 42ab29b596a4'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_geo.store_traffic_42ab29b5_daily (
  `store_id` INT,
  `region` STRING,
  `peak_hour` INT,
  `spend_1d` DOUBLE,
  `visitors_1d` BIGINT
)
COMMENT 'palette daily state of geo.store_traffic 42ab29b596a4'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
