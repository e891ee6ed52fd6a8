/**
 * `palette backfill` and `palette training-set` end to end on the embedded engine, in a
 * temporary copy of the rides example with a small generated data set: partitions written
 * and replaced on re-runs, history before --from, clear errors (exit 1) for a missing
 * source partition, bad spines and unknown names, and point-in-time output in spine order.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Float64, Table, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { scaffold } from '../../compiler/cli/init-command.js';
import { writeSampleData, writeSampleSpine } from '../../compiler/cli/quickstart-data.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'palette-offline-cli-'));
const repo = join(work, 'rides');
const offline = join(repo, 'data', 'offline');
const DATA = { start: '2026-01-01', days: 12, seed: 7, candidateTrips: 30_000, drivers: 150, riders: 400 };

function palette(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts'), ...args],
    { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function partitions(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

let session: DuckDbSession;
const count = async (glob: string) => Number(await session.scalar(`SELECT count(*) FROM read_parquet('${glob}')`));

describe('palette backfill and training-set', () => {
  before(async () => {
    scaffold(repo, 'rides');
    session = await DuckDbSession.open({ threads: 2 });
    await writeSampleData(session, { ...DATA, offlinePath: offline });
    await writeSampleSpine(session, { ...DATA, offlinePath: offline }, join(repo, 'spine.parquet'), 500);
  });
  after(() => {
    session?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('backfills a group, says which history it reads, and re-running replaces the partitions', async () => {
    const r = palette(['backfill', 'driver_trip_stats', '--from', '2026-01-05', '--to', '2026-01-10']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /reading raw\.trips 2026-01-01 to 2026-01-10 .*need history from 2025-12-07/);
    assert.match(r.err, /no partitions before 2026-01-01: windows see no events on 2025-12-07 to 2025-12-31/);
    assert.match(r.out, /backfilled rides\.driver_trip_stats: 6 day\(s\), [\d,]+ events/);
    const base = join(offline, 'palette_rides');
    const tables = partitions(base).filter((t) => t.startsWith('driver_trip_stats_'));
    assert.equal(tables.length, 2);
    for (const t of tables) {
      assert.deepEqual(partitions(join(base, t)), ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10'].map((d) => `ds=${d}`), t);
    }
    const daily = join(base, tables.find((t) => t.endsWith('_daily'))!);
    const before = await count(`${daily}/*/*.parquet`);
    assert.ok(before > 100);
    const again = palette(['backfill', 'rides.driver_trip_stats', '--from', '2026-01-08', '--to', '2026-01-10']);
    assert.equal(again.code, 0, again.err);
    assert.equal(await count(`${daily}/*/*.parquet`), before, 're-running a range must not duplicate rows');
    assert.deepEqual(readdirSync(daily).filter((n) => n.startsWith('.')), [], 'no staging folders left behind');
  });

  it('backfills every group of a model', () => {
    const r = palette(['backfill', 'eta_v3', '--from', '2026-01-11', '--to', '2026-01-12']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /backfilled rides\.driver_profile: 2 day\(s\)/);
    assert.match(r.out, /backfilled rides\.driver_trip_stats: 2 day\(s\)/);
  });

  it('a missing source partition is an error naming the table and the day', () => {
    const dir = join(offline, 'raw', 'trips', 'ds=2026-01-07');
    renameSync(dir, `${dir}.moved`);
    try {
      const r = palette(['backfill', 'driver_trip_stats', '--from', '2026-01-06', '--to', '2026-01-08']);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /error: source table raw\.trips is missing partition ds=2026-01-07/);
      const ts = palette(['training-set', 'eta_v3', '--spine', 'spine.parquet', '--out', 'out.parquet']);
      assert.equal(ts.code, 1);
      assert.match(ts.err, /raw\.trips is missing partition ds=2026-01-07/);
    } finally {
      renameSync(`${dir}.moved`, dir);
    }
  });

  it('a failed backfill changes nothing: the old partitions stay, nothing half-written is left', async () => {
    const ok = palette(['backfill', 'driver_profile', '--from', '2026-01-03', '--to', '2026-01-04']);
    assert.equal(ok.code, 0, ok.err);
    const base = join(offline, 'palette_rides');
    const daily = join(base, partitions(base).find((t) => t.startsWith('driver_profile_'))!);
    const rows = await count(`${daily}/*/*.parquet`);
    const files = partitions(join(daily, 'ds=2026-01-04'));
    // A second file in one snapshot partition repeats every driver: a snapshot must have one row per key.
    const dup = join(offline, 'dim', 'drivers', 'ds=2026-01-04', 'dup.parquet');
    await session.run(`COPY (SELECT * FROM read_parquet('${offline}/dim/drivers/ds=2026-01-04/data_0.parquet') LIMIT 3) TO '${dup}'`);
    try {
      const r = palette(['backfill', 'driver_profile', '--from', '2026-01-03', '--to', '2026-01-04']);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /dim\.drivers: a snapshot must have one row per driver_id in each partition; found: driver_id="d\d+" __snap="2026-01-04" rows=2/);
    } finally {
      rmSync(dup);
    }
    assert.equal(await count(`${daily}/*/*.parquet`), rows);
    assert.deepEqual(partitions(join(daily, 'ds=2026-01-04')), files);
    assert.deepEqual(readdirSync(daily).filter((n) => n.startsWith('.')), []);
  });

  it('builds a point-in-time training set in spine order, as Arrow and as Parquet, from Parquet and CSV spines', async () => {
    const r = palette(['training-set', 'rides.eta_v3', '--spine', 'spine.parquet', '--out', 'out/eta.arrow']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote .*eta\.arrow: 500 rows x 12 columns/);
    const table = tableFromIPC(readFileSync(join(repo, 'out/eta.arrow')));
    assert.equal(table.numRows, 500);
    assert.deepEqual(table.schema.fields.map((f) => f.name).slice(0, 5), ['trip_id', 'driver_id', 'ts', 'eta_minutes', 'driver_trip_stats.trips_1h']);
    const spine = await session.query(`SELECT trip_id FROM read_parquet('${join(repo, 'spine.parquet')}')`);
    assert.deepEqual([...Array(500).keys()].map((i) => table.getChild('trip_id')!.get(i)), spine.rows.map((x) => x[0]), 'rows in spine order');
    // Point in time: the trip at the row's time is not in its own trips_7d (events strictly before t).
    const check = await session.query(`
      WITH s AS (SELECT trip_id, driver_id, ts FROM read_parquet('${join(repo, 'spine.parquet')}') LIMIT 20)
      SELECT s.trip_id, (SELECT count(*) FROM read_parquet('${offline}/raw/trips/*/*.parquet') t
        WHERE t.driver_id = s.driver_id AND t.status = 'completed' AND t.event_time < s.ts
          AND t.event_time >= date_trunc('hour', s.ts) - INTERVAL 7 DAY) AS n
      FROM s`);
    const byTrip = new Map([...Array(500).keys()].map((i) => [table.getChild('trip_id')!.get(i), Number(table.getChild('driver_trip_stats.trips_7d')!.get(i))]));
    for (const [trip, n] of check.rows) assert.equal(byTrip.get(trip as string), n, `trips_7d of ${trip}`);

    await session.run(`COPY (SELECT driver_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS at, eta_minutes FROM read_parquet('${join(repo, 'spine.parquet')}') LIMIT 50) TO '${join(repo, 'spine.csv')}' (HEADER)`);
    const csv = palette(['training-set', 'eta_v3', '--spine', 'spine.csv', '--at-column', 'at', '--out', 'out/eta.parquet']);
    assert.equal(csv.code, 0, csv.err);
    assert.equal(await count(join(repo, 'out/eta.parquet')), 50);

    // An Arrow IPC spine gives the same features as the Parquet one for the same rows.
    const first = await session.query(`SELECT driver_id, ts, eta_minutes FROM read_parquet('${join(repo, 'spine.parquet')}') LIMIT 40`);
    const arrowSpine = new Table({
      driver_id: vectorFromArray(first.rows.map((x) => x[0] as string), new Utf8()),
      ts: vectorFromArray(first.rows.map((x) => x[1] as number), new TimestampMillisecond()),
      eta_minutes: vectorFromArray(first.rows.map((x) => x[2] as number), new Float64()),
    });
    writeFileSync(join(repo, 'spine.arrow'), tableToIPC(arrowSpine, 'file'));
    const arrow = palette(['training-set', 'eta_v3', '--spine', 'spine.arrow', '--out', 'out/from-arrow.arrow']);
    assert.equal(arrow.code, 0, arrow.err);
    const fromArrow = tableFromIPC(readFileSync(join(repo, 'out/from-arrow.arrow')));
    assert.equal(fromArrow.numRows, 40);
    for (let i = 0; i < 40; i++) {
      assert.equal(fromArrow.getChild('driver_id')!.get(i), table.getChild('driver_id')!.get(i));
      const a = fromArrow.getChild('driver_trip_stats.avg_fare_7d')!.get(i);
      const b = table.getChild('driver_trip_stats.avg_fare_7d')!.get(i);
      assert.ok(a === b || Math.abs(a - b) <= 1e-12 * Math.abs(b), `avg_fare_7d row ${i}: ${a} vs ${b}`);
      assert.equal(fromArrow.getChild('driver_profile.vehicle_type')!.get(i), table.getChild('driver_profile.vehicle_type')!.get(i));
    }
  });

  it('clear errors for a bad spine and unknown names', () => {
    writeFileSync(join(repo, 'nokey.csv'), 'rider,ts\nr1,2026-01-05T00:00:00Z\n');
    let r = palette(['training-set', 'eta_v3', '--spine', 'nokey.csv', '--out', 'x.arrow']);
    assert.equal(r.code, 1);
    assert.match(r.err, /spine .*nokey\.csv has no column `driver_id`/);

    writeFileSync(join(repo, 'badts.csv'), 'driver_id,ts\nd00001,2026-01-05T00:00:00Z\nd00002,yesterday\n');
    r = palette(['training-set', 'eta_v3', '--spine', 'badts.csv', '--out', 'x.arrow']);
    assert.equal(r.code, 1);
    assert.match(r.err, /1 row\(s\) without a valid time in `ts` \(row 2: "yesterday"\)/);

    r = palette(['training-set', 'eta_v3', '--spine', 'badts.csv', '--at-column', 'when', '--out', 'x.arrow']);
    assert.equal(r.code, 1);
    assert.match(r.err, /has no time column `when`/);

    r = palette(['training-set', 'eta_v9', '--spine', 'spine.parquet', '--out', 'x.arrow']);
    assert.equal(r.code, 1);
    assert.match(r.err, /no group or model called `eta_v9`/);

    r = palette(['training-set', 'eta_v3', '--spine', 'spine.parquet', '--out', 'x.json']);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown format \.json/);

    r = palette(['backfill', 'driver_trip_stats', '--from', '2026-01-32', '--to', '2026-01-10']);
    assert.equal(r.code, 1);
    assert.match(r.err, /--from 2026-01-32 is not a day/);

    r = palette(['backfill', 'driver_trip_stats', '--from', '2026-01-10', '--to', '2026-01-05']);
    assert.equal(r.code, 1);
    assert.match(r.err, /--from 2026-01-10 is after --to 2026-01-05/);
  });
});
