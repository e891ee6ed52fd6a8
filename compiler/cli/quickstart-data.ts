/**
 * Sample data for the rides example (`palette quickstart`): trips (an events source) and
 * daily driver_profiles snapshots, generated inside DuckDB from a fixed seed and written as
 * Parquet partitioned by day, exactly where the example's sources expect them:
 *   <offline.path>/raw/trips/ds=YYYY-MM-DD/   <offline.path>/dim/drivers/ds=YYYY-MM-DD/
 * plus a spine for the eta_v3 model. Every value is a pure function of the seed and the row
 * number (DuckDB's hash), so a run reproduces the same data with the same DuckDB.
 *
 * The shape is meant to look like a ride-hailing platform: rush hours, quieter Sundays,
 * busy and occasional drivers, exponential trip distances, fares with a rush-hour surge,
 * optional ratings skewed to 5, cancellations, drivers who sign up during the period and
 * a few who change vehicle.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDbSession } from '../../runtime/offline/duckdb-session.js';

export interface SampleDataOptions {
  readonly offlinePath: string;
  /** First day of the data, YYYY-MM-DD. */
  readonly start: string;
  readonly days: number;
  readonly seed: number;
  /** Candidate trips; about 92% are kept by the weekday rhythm. */
  readonly candidateTrips: number;
  readonly drivers: number;
  readonly riders: number;
}

export const QUICKSTART_DATA: Omit<SampleDataOptions, 'offlinePath'> = {
  start: '2026-01-01',
  days: 60,
  seed: 20260101,
  candidateTrips: 1_150_000,
  drivers: 5_000,
  riders: 30_000,
};

/** Relative demand per hour of day (UTC), morning and evening rush. */
const HOURLY = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.2, 2.4, 1.8, 1.9, 2.2, 2.0, 1.9, 2.1, 2.6, 3.3, 3.5, 2.8, 2.2, 1.9, 1.6, 1.3];
/** Share of candidate trips kept per ISO weekday (Monday first). */
const WEEKDAY = [0.9, 0.9, 0.92, 0.95, 1.0, 0.95, 0.8];

function hourList(): string {
  const total = HOURLY.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  HOURLY.forEach((w, h) => { for (let i = 0; i < Math.round((w / total) * 200); i++) out.push(h); });
  return `[${out.join(', ')}]`;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

export interface SampleDataResult {
  readonly trips: number;
  readonly profileRows: number;
  readonly tripsDir: string;
  readonly driversDir: string;
}

/** Generates and writes trips and driver_profiles (replacing what is there). */
export async function writeSampleData(session: DuckDbSession, o: SampleDataOptions): Promise<SampleDataResult> {
  const tripsDir = join(o.offlinePath, 'raw', 'trips');
  const driversDir = join(o.offlinePath, 'dim', 'drivers');
  // u(i, k): a uniform number in [0, 1) for row i and stream k.
  await session.run(`CREATE OR REPLACE TEMP MACRO qs_u(i, k) AS (CAST(hash(i, k, ${o.seed}) >> 11 AS DOUBLE) / 9007199254740992.0)`);
  await session.run(`CREATE OR REPLACE TEMP MACRO qs_signup(d) AS (
    CASE WHEN qs_u(d, 100) < 0.1 THEN CAST(floor(qs_u(d, 101) * ${o.days}) AS INTEGER)
         ELSE -CAST(floor(1 + qs_u(d, 102) * 1500) AS INTEGER) END)`);
  await session.run(`CREATE OR REPLACE TEMP TABLE qs_trips AS
    WITH c AS (
      SELECT i,
             CAST(floor(qs_u(i, 1) * ${o.days}) AS INTEGER) AS day,
             list_extract(${hourList()}, 1 + CAST(floor(qs_u(i, 2) * ${Math.round(200)}) AS INTEGER)) AS hour,
             CAST(floor(qs_u(i, 3) * 3600000) AS BIGINT) AS ms,
             CAST(floor(${o.drivers} * pow(qs_u(i, 4), 1.6)) AS INTEGER) AS d,
             CAST(floor(${o.riders} * qs_u(i, 5)) AS INTEGER) AS r,
             qs_u(i, 6) AS u_status, qs_u(i, 7) AS u_dist, qs_u(i, 8) AS u_fare, qs_u(i, 9) AS u_rate, qs_u(i, 10) AS u_stars, qs_u(i, 11) AS u_keep
      FROM range(${o.candidateTrips}) t(i)
    ),
    k AS (
      SELECT *, DATE ${lit(o.start)} + day AS date, hour IN (7, 8, 9, 17, 18, 19) AS rush
      FROM c
      WHERE u_keep < list_extract(${`[${WEEKDAY.join(', ')}]`}, isodow(DATE ${lit(o.start)} + day)) AND day >= qs_signup(d)
    )
    SELECT 't' || lpad(CAST(i AS VARCHAR), 8, '0') AS trip_id,
           'd' || lpad(CAST(d AS VARCHAR), 5, '0') AS driver_id,
           'r' || lpad(CAST(r AS VARCHAR), 5, '0') AS rider_id,
           CASE WHEN u_status < 0.08 THEN 'cancelled' WHEN u_status < 0.1 THEN 'rider_no_show' ELSE 'completed' END AS status,
           CASE WHEN u_status < 0.1 THEN CAST(0 AS DOUBLE)
                ELSE round(3.0 + least(60, 0.8 - ln(1 - u_dist) * 5.5) * 1.35 * CASE WHEN rush THEN 1.0 + 0.6 * u_fare ELSE 1.0 END + (u_fare - 0.5), 2) END AS fare,
           round(least(60, 0.8 - ln(1 - u_dist) * 5.5), 2) AS distance_km,
           CAST(CASE WHEN u_status >= 0.1 AND u_rate < 0.65 THEN
             CASE WHEN u_stars < 0.6 THEN 5 WHEN u_stars < 0.85 THEN 4 WHEN u_stars < 0.93 THEN 3 WHEN u_stars < 0.97 THEN 2 ELSE 1 END END AS INTEGER) AS rating,
           CAST(date AS TIMESTAMP) + to_milliseconds(hour * 3600000 + ms) AS event_time,
           strftime(date, '%Y-%m-%d') AS ds
    FROM k`);
  const trips = Number(await session.scalar('SELECT count(*) FROM qs_trips'));
  await session.run(`CREATE OR REPLACE TEMP TABLE qs_drivers AS
    WITH d AS (
      SELECT d, 'd' || lpad(CAST(d AS VARCHAR), 5, '0') AS driver_id, qs_signup(d) AS signup,
             list_extract(['sedan', 'sedan', 'sedan', 'suv', 'suv', 'van', 'ev', 'ev'], 1 + CAST(floor(qs_u(d, 103) * 8) AS INTEGER)) AS vehicle,
             list_extract(['berlin', 'paris', 'madrid', 'lisbon', 'warsaw'], 1 + CAST(floor(qs_u(d, 104) * 5) AS INTEGER)) AS city,
             CASE WHEN qs_u(d, 105) < 0.05 THEN CAST(floor(qs_u(d, 106) * ${o.days}) AS INTEGER) END AS switch_day
      FROM range(${o.drivers}) t(d)
    )
    SELECT driver_id, DATE ${lit(o.start)} + signup AS signup_date,
           CASE WHEN switch_day IS NOT NULL AND day >= switch_day THEN 'ev' ELSE vehicle END AS vehicle_type,
           city, strftime(DATE ${lit(o.start)} + day, '%Y-%m-%d') AS ds
    FROM d, (SELECT CAST(range AS INTEGER) AS day FROM range(${o.days}))
    WHERE day >= signup`);
  const profileRows = Number(await session.scalar('SELECT count(*) FROM qs_drivers'));
  for (const [dir, table] of [[tripsDir, 'qs_trips'], [driversDir, 'qs_drivers']] as const) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await session.run(`COPY (SELECT * FROM ${table} ORDER BY ds) TO ${lit(dir)} (FORMAT parquet, PARTITION_BY (ds), OVERWRITE_OR_IGNORE true)`);
  }
  return { trips, profileRows, tripsDir, driversDir };
}

/**
 * A spine for eta_v3: completed trips of the second half of the period, at the time the
 * trip was requested (its event time), with the observed duration as the label.
 */
export async function writeSampleSpine(session: DuckDbSession, o: SampleDataOptions, path: string, rows: number): Promise<number> {
  const half = Math.floor(o.days / 2);
  await session.run(`COPY (
    SELECT trip_id, driver_id, event_time AS ts,
           round(4 + distance_km * 2.2 + qs_u(CAST(substr(trip_id, 2) AS BIGINT), 12) * 6, 1) AS eta_minutes
    FROM qs_trips
    WHERE status = 'completed' AND event_time >= TIMESTAMP ${lit(o.start)} + INTERVAL ${half} DAY
    ORDER BY qs_u(CAST(substr(trip_id, 2) AS BIGINT), 13)
    LIMIT ${rows}
  ) TO ${lit(path)} (FORMAT parquet)`);
  return Number(await session.scalar(`SELECT count(*) FROM read_parquet(${lit(path)})`));
}
