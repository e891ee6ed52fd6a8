/**
 * `palette upload` from Hive (offline.engine: spark), real Spark + HiveServer2 on 127.0.0.1:
 * a windowed group and a snapshot group are backfilled by the generated Spark jobs and, over
 * the same events as Parquet, by the DuckDB engine; each is uploaded into its own SQLite
 * online store (Hive through HiveOfflineReader, Parquet through DuckDbParquetReader). The
 * online values (serving/group-evaluator.ts) must be equal: the DuckDB path is the oracle
 * (test/conformance/ holds it to the TS runtime). Then a rewritten Hive partition changes
 * its signature, and only that day is uploaded again. `palette verify`'s check (online values
 * at the end of a day against the Spark-written daily state read from Hive) finds them equal.
 * Small data: two spark-submit runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sparkBackfill } from '../../compiler/cli/spark-offline.js';
import { createOfflineTableHql } from '../../compiler/targets/hive-ddl-target.js';
import { runtimeGroup } from '../../compiler/targets/runtime-group.js';
import { DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { ExprPrinter } from '../../compiler/targets/sql/expr-sql.js';
import { planBackfill } from '../../compiler/targets/sql/offline-jobs.js';
import { SPARK } from '../../compiler/targets/sql/spark-dialect.js';
import { loadConfig } from '../../runtime/config/palette-config.js';
import type { PalType, Value } from '../../runtime/contracts/types.js';
import { DuckDbOfflineEngine } from '../../runtime/offline/duckdb-engine.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { HiveClient } from '../../runtime/offline/hive-client.js';
import { GroupEvaluator } from '../../runtime/serving/group-evaluator.js';
import { checkGroup } from '../../runtime/serving/online-offline-check.js';
import { SqliteStore } from '../../runtime/stores/sqlite-store.js';
import { DuckDbParquetReader, HiveOfflineReader, openOfflineReader, type OfflineReader } from '../../runtime/upload/offline-reader.js';
import { uploadGroup } from '../../runtime/upload/upload.js';
import { compilePal, dayOfMs, writePartitioned } from '../conformance/helpers.js';
import { assertClose, pick, prng, randInt } from '../unit/runtime/helpers.js';

const PAL = `
namespace supl
entity user { key user_id: string }
source events {
  events
  table hive "supl_raw.events" partition ds
  timestamp ts
  fields { user_id: string, ts: timestamp, x: double?, n: long?, s: string? }
}
source profiles {
  snapshot
  table hive "supl_dim.profiles" partition ds
  fields { user_id: string, city: string?, since: date, visits: long, score: double? }
}
group activity on user from events {
  feature c_1h      = count() over 1h
  feature sum_x_6h  = sum(x) over 6h every 1h
  feature sum_n_1d  = sum(n) over 1d
  feature min_ts_1d = min(ts) over 1d
  feature last_s_2d = last(s) over 2d
  feature lastk_s   = last_k(s, 3) over 1d
  feature avg_x_all = avg(x) over all
}
group profile on user from profiles {
  feature city   = city
  feature since  = since
  feature visits = visits
  feature score  = coalesce(score, 0.0)
}
`;

const DAY = 86_400_000;
const T0 = Date.parse('2024-03-01T00:00:00Z');
const END = T0 + 4 * DAY; // end of 2024-03-04, the last backfilled day
const KEYS = ['u1', 'ü2', 'k3', "o'4"];
const STRINGS = ['a', 'b', 'é', '', 'x y', '😀'];
const config = loadConfig(null, mkdtempSync(join(tmpdir(), 'palette-spark-upload-cfg-')));
const registry = compilePal(PAL);
const activityG = registry.groups.find((g) => g.localName === 'activity')!;
const profileG = registry.groups.find((g) => g.localName === 'profile')!;
const activity = runtimeGroup(registry, activityG);
const profile = runtimeGroup(registry, profileG);

const events: Record<string, Value>[] = (() => {
  const rnd = prng(31);
  return Array.from({ length: 300 }, () => ({
    user_id: pick(rnd, KEYS), ts: T0 + Math.floor(rnd() * 4 * DAY),
    x: rnd() < 0.15 ? null : Math.round((rnd() - 0.3) * 1e5) / 100,
    n: rnd() < 0.15 ? null : randInt(rnd, -50, 50) + 2 ** 40,
    s: rnd() < 0.15 ? null : pick(rnd, STRINGS),
  }));
})();
const profiles: Record<string, Value>[] = (() => {
  const rnd = prng(32);
  const out: Record<string, Value>[] = [];
  for (const d of [0, 1]) {
    for (const k of KEYS) {
      if (rnd() < 0.2) continue;
      out.push({ user_id: k, city: rnd() < 0.2 ? null : pick(rnd, ['Paris', 'Zürich', 'Oslo']), since: dayOfMs(T0 - randInt(rnd, 1, 900) * DAY),
        visits: 2 ** 50 + randInt(rnd, 0, 1000), score: rnd() < 0.2 ? null : Math.round(rnd() * 1e4) / 100, __ds: dayOfMs(T0 + d * DAY) });
    }
  }
  return out;
})();

let root: string;
let session: DuckDbSession;
let hive: HiveClient;

const lit = (v: Value, t: PalType) => new ExprPrinter(SPARK, { column: () => '' }).literal(v as string | number | boolean | null, t);

async function insert(table: string, fields: readonly { name: string; type: PalType }[], rows: readonly Record<string, Value>[], ds: (r: Record<string, Value>) => string) {
  await hive.run('SET hive.exec.dynamic.partition.mode=nonstrict');
  const values = rows.map((r) => `(${fields.map((f) => lit(r[f.name] ?? null, f.type)).join(', ')}, '${ds(r)}')`);
  await hive.run(`INSERT INTO ${table} PARTITION (ds) VALUES ${values.join(', ')}`);
}

async function upload(reader: OfflineReader, path: string, group: typeof activity, restart = true) {
  const store = new SqliteStore({ path: join(root, path) });
  const r = await uploadGroup({ group, reader, store, checkpointPath: join(root, `${path}.state.json`), restart, now: END, chunkRows: 50 });
  return { store, r };
}

describe('palette upload from Hive (Spark engine) = upload from Parquet (DuckDB engine)', { timeout: 600_000 }, () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'palette-spark-upload-'));
    session = await DuckDbSession.open({ threads: 2 });
    hive = new HiveClient(config.offline.hive);
    const src = (n: string) => registry.sources.find((s) => s.localName === n)!;
    await writePartitioned(session, join(root, 'offline'), 'supl_raw', 'events', 'ds', src('events').fields, events, (r) => dayOfMs(r.ts as number));
    await writePartitioned(session, join(root, 'offline'), 'supl_dim', 'profiles', 'ds', src('profiles').fields, profiles, (r) => r.__ds as string);
    for (const db of ['supl_raw', 'supl_dim', activity.layout.offline.daily.database]) await hive.run(`CREATE DATABASE IF NOT EXISTS ${db}`);
    await hive.run('DROP TABLE IF EXISTS supl_raw.events');
    await hive.run('DROP TABLE IF EXISTS supl_dim.profiles');
    await hive.run('CREATE TABLE supl_raw.events (user_id STRING, ts TIMESTAMP, x DOUBLE, n BIGINT, s STRING) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    await hive.run('CREATE TABLE supl_dim.profiles (user_id STRING, city STRING, since DATE, visits BIGINT, score DOUBLE) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    await insert('supl_raw.events', src('events').fields, events, (r) => dayOfMs(r.ts as number));
    await insert('supl_dim.profiles', src('profiles').fields, profiles, (r) => r.__ds as string);
    for (const t of [activity.layout.offline.tiles!, activity.layout.offline.daily, profile.layout.offline.daily]) {
      await hive.run(`DROP TABLE IF EXISTS ${t.database}.${t.table}`);
      await hive.run(createOfflineTableHql(t, 'upload test').replace(/;\s*$/, ''));
    }
    const duck = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    await duck.backfill(planBackfill(DUCKDB, registry, activityG, '2024-03-01', '2024-03-04'));
    await duck.backfill(planBackfill(DUCKDB, registry, profileG, '2024-03-01', '2024-03-02'));
    await sparkBackfill({ ...config, build: join(root, 'build') }, registry, activityG, '2024-03-01', '2024-03-04', () => {});
    await sparkBackfill({ ...config, build: join(root, 'build') }, registry, profileG, '2024-03-01', '2024-03-02', () => {});
  });
  after(async () => {
    session?.close();
    await hive?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('windowed group: the same online values at the end of the range, a rewritten day uploaded again', async () => {
    const hiveReader = await openOfflineReader({ ...config.offline, engine: 'spark' });
    assert.ok(hiveReader instanceof HiveOfflineReader);
    const duckReader = await DuckDbParquetReader.open(join(root, 'offline'));
    const fromHive = await upload(hiveReader, 'hive.db', activity);
    const fromDuck = await upload(duckReader, 'duck.db', activity);
    try {
      assert.deepEqual(fromHive.r.partitions, ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04']);
      assert.equal(fromHive.r.rows, fromDuck.r.rows);
      assert.ok(fromHive.r.rows > 100, `rows ${fromHive.r.rows}`);
      const ev = new GroupEvaluator(activity);
      let nonNull = 0;
      for (const key of [...KEYS, 'absent']) {
        const h = await fromHive.store.readTiles(activity, [key], null);
        const d = await fromDuck.store.readTiles(activity, [key], null);
        assert.equal(h.length, d.length, `tiles of ${key}`);
        for (const t of [END, END - 3 * 3_600_000, END - DAY - 1]) {
          const hv = ev.fromTiles(h, t).values;
          const dv = ev.fromTiles(d, t).values;
          for (const f of Object.keys(dv)) {
            assertClose(hv[f], dv[f], `${key} ${f} at ${new Date(t).toISOString()}:`);
            if (hv[f] !== null && key !== 'absent') nonNull++;
          }
        }
      }
      assert.ok(nonNull > 40, `only ${nonNull} non-null values`);

      // `palette verify`'s check on the Spark path: the daily state the Spark job wrote (read
      // back through HiveServer2) equals the online values merged at the end of each day, for
      // the days the online store still holds: the last one, and the one before it, which the
      // day of grace in each hop's retention keeps comparable (upload writes no tile the store
      // would no longer keep at the end of the range: contracts/layout.ts, hopTtlSeconds).
      for (const day of ['2024-03-03', '2024-03-04']) {
        const c = await checkGroup({ group: activity, reader: hiveReader, store: fromHive.store, day, sample: 1000, relTolerance: 1e-9 });
        assert.ok(c.entities >= 2, `${day}: ${c.entities} entities`);
        assert.equal(c.matching, c.entities, `${day}: ${JSON.stringify(c.diffs)}`);
      }

      // Signatures are stable, and an INSERT OVERWRITE of one day changes its signature only.
      const before = await hiveReader.partitions(activity.layout.offline.tiles!);
      assert.deepEqual(await hiveReader.partitions(activity.layout.offline.tiles!), before);
      const t = activity.layout.offline.tiles!;
      const cols = t.columns.map((c) => `\`${c.name}\``).join(', ');
      await hive.run(`DROP TABLE IF EXISTS ${t.database}.upload_test_copy`);
      await hive.run(`CREATE TABLE ${t.database}.upload_test_copy STORED AS PARQUET AS SELECT ${cols} FROM ${t.database}.${t.table} WHERE ds = '2024-03-03'`);
      await hive.run(`INSERT OVERWRITE TABLE ${t.database}.${t.table} PARTITION (ds = '2024-03-03') SELECT ${cols} FROM ${t.database}.upload_test_copy`);
      await hive.run(`DROP TABLE ${t.database}.upload_test_copy`);
      const after = await hiveReader.partitions(t);
      assert.deepEqual(after.map((p) => p.ds), before.map((p) => p.ds));
      for (let i = 0; i < after.length; i++) {
        if (after[i].ds === '2024-03-03') assert.notEqual(after[i].signature, before[i].signature, `signature of the rewritten day: ${after[i].signature}`);
        else assert.equal(after[i].signature, before[i].signature);
      }
      const again = await uploadGroup({ group: activity, reader: hiveReader, store: fromHive.store, checkpointPath: join(root, 'hive.db.state.json'), now: END });
      assert.deepEqual(again.partitions, ['2024-03-03']);
      assert.deepEqual(again.skipped, ['2024-03-01', '2024-03-02', '2024-03-04']);
    } finally {
      await fromHive.store.close();
      await fromDuck.store.close();
      await hiveReader.close();
      await duckReader.close();
    }
  });

  it('snapshot group: the latest day\'s values, longs and dates as the DuckDB path gives them', async () => {
    const hiveReader = await openOfflineReader({ ...config.offline, engine: 'spark' });
    const duckReader = await DuckDbParquetReader.open(join(root, 'offline'));
    const fromHive = await upload(hiveReader, 'hive-p.db', profile);
    const fromDuck = await upload(duckReader, 'duck-p.db', profile);
    try {
      assert.deepEqual([fromHive.r.kind, fromHive.r.partitions], ['values', ['2024-03-02']]);
      assert.equal(fromHive.r.rows, fromDuck.r.rows);
      const ev = new GroupEvaluator(profile);
      let present = 0;
      for (const key of [...KEYS, 'absent']) {
        const h = await fromHive.store.readValues(profile, [key]);
        const d = await fromDuck.store.readValues(profile, [key]);
        assert.equal(h === null, d === null, key);
        if (!h || !d) continue;
        present++;
        assert.equal(h.snapshotDs, d.snapshotDs);
        assert.deepEqual(ev.fromValues(h).values, ev.fromValues(d).values, key);
        const want = profiles.find((p) => p.user_id === key && p.__ds === '2024-03-02')!;
        assert.equal(h.values.visits, want.visits);
        assert.equal(h.values.since, want.since);
      }
      assert.ok(present >= 2, `${present} keys`);
      const c = await checkGroup({ group: profile, reader: hiveReader, store: fromHive.store, day: '2024-03-02', sample: 1000, relTolerance: 1e-9 });
      assert.ok(c.entities >= 2 && c.matching === c.entities && c.otherSnapshotDay === 0, JSON.stringify(c));
      // A table that does not exist has no partitions.
      assert.deepEqual(await hiveReader.partitions({ ...profile.layout.offline.daily, table: 'no_such_table' }), []);
    } finally {
      await fromHive.store.close();
      await fromDuck.store.close();
      await hiveReader.close();
      await duckReader.close();
    }
  });
});
