-- Palette offline store, registry 9c5bcc710161. Generated: do not edit.
CREATE DATABASE IF NOT EXISTS palette_rides;

-- rides.driver_profile (snapshot), version c31f3da32897
CREATE TABLE IF NOT EXISTS palette_rides.driver_profile_c31f3da3_daily (
  `driver_id` STRING,
  `city` STRING,
  `tenure_days` INT,
  `vehicle_type` STRING
)
COMMENT 'palette daily state of rides.driver_profile c31f3da32897'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;

-- rides.driver_reliability (windowed), version d1c978dccc30
CREATE TABLE IF NOT EXISTS palette_rides.driver_reliability_d1c978dc_tiles (
  `driver_id` STRING,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_s` DOUBLE,
  `a0_n` BIGINT,
  `a1_n` BIGINT,
  `a2_v` ARRAY<STRING>,
  `a3_ts` TIMESTAMP,
  `a3_v` STRING,
  `a4_ts` ARRAY<TIMESTAMP>,
  `a4_v` ARRAY<DOUBLE>,
  `a5_n` BIGINT,
  `a5_mean` DOUBLE,
  `a5_m2` DOUBLE
)
COMMENT 'palette tiles of rides.driver_reliability d1c978dccc30'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_rides.driver_reliability_d1c978dc_daily (
  `driver_id` STRING,
  `cancel_rate_7d` DOUBLE,
  `distinct_riders_7d` BIGINT,
  `fare_stddev_7d` DOUBLE,
  `last_5_fares` ARRAY<DOUBLE>,
  `last_status` STRING,
  `lifetime_trips` BIGINT
)
COMMENT 'palette daily state of rides.driver_reliability d1c978dccc30'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;

-- rides.driver_trip_stats (windowed), version ac60d2a6494a
CREATE TABLE IF NOT EXISTS palette_rides.driver_trip_stats_ac60d2a6_tiles (
  `driver_id` STRING,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_s` DOUBLE,
  `a0_n` BIGINT,
  `a1_s` DOUBLE,
  `a1_n` BIGINT,
  `a2_n` BIGINT,
  `a3_n` BIGINT,
  `a4_v` DOUBLE,
  `a5_s` DOUBLE,
  `a6_s` DOUBLE
)
COMMENT 'palette tiles of rides.driver_trip_stats ac60d2a6494a'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_rides.driver_trip_stats_ac60d2a6_daily (
  `driver_id` STRING,
  `avg_fare_7d` DOUBLE,
  `avg_rating_30d` DOUBLE,
  `busy_ratio_1h` DOUBLE,
  `fare_per_km_7d` DOUBLE,
  `max_distance_1d` DOUBLE,
  `trips_1h` BIGINT,
  `trips_7d` BIGINT
)
COMMENT 'palette daily state of rides.driver_trip_stats ac60d2a6494a'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;

-- rides.rider_activity (windowed), version 3bf9a1c04181
CREATE TABLE IF NOT EXISTS palette_rides.rider_activity_3bf9a1c0_tiles (
  `rider_id` STRING,
  `hop_ms` BIGINT,
  `tile_start` TIMESTAMP,
  `a0_s` DOUBLE,
  `a0_n` BIGINT,
  `a1_s` DOUBLE,
  `a1_n` BIGINT,
  `a2_n` BIGINT,
  `a3_s` DOUBLE
)
COMMENT 'palette tiles of rides.rider_activity 3bf9a1c04181'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
CREATE TABLE IF NOT EXISTS palette_rides.rider_activity_3bf9a1c0_daily (
  `rider_id` STRING,
  `avg_distance_7d` DOUBLE,
  `night_share_7d` DOUBLE,
  `rides_7d` BIGINT,
  `spend_30d` DOUBLE
)
COMMENT 'palette daily state of rides.rider_activity 3bf9a1c04181'
PARTITIONED BY (`ds` STRING)
STORED AS PARQUET;
