/**
 * Conformance, part 2, snapshot groups (real Spark + HiveServer2): a snapshot group (explicit
 * key mapping, ttl, snapshot_date(), string functions) and an events group on a composite
 * key, with a model mixing both and a derived feature: Spark's daily state and training set
 * equal DuckDB's (which test/conformance/ holds to the runtime). Small data: one backfill
 * and one training-set job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sparkBackfill, sparkTrainingSet } from '../../compiler/cli/spark-offline.js';
import { createOfflineTableHql } from '../../compiler/targets/hive-ddl-target.js';
import { DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { ExprPrinter } from '../../compiler/targets/sql/expr-sql.js';
import { planBackfill, planTrainingSet } from '../../compiler/targets/sql/offline-jobs.js';
import { SPARK } from '../../compiler/targets/sql/spark-dialect.js';
import { loadConfig } from '../../runtime/config/palette-config.js';
import type { PalType, Value } from '../../runtime/contracts/types.js';
import { DuckDbOfflineEngine } from '../../runtime/offline/duckdb-engine.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { HiveClient } from '../../runtime/offline/hive-client.js';
import { compilePal, dayOfMs, writePartitioned } from '../conformance/helpers.js';
import { assertClose, pick, prng, randInt } from '../unit/runtime/helpers.js';

const PAL = `
namespace sgeo
entity store { key store_id: int }
entity store_day { key store_id: int  key region: string }
source stores {
  snapshot
  table hive "sgeo_dim.stores" partition ds
  fields { id: int, region: string, opened: date, sqm: double?, name: string }
}
source visits {
  events
  table hive "sgeo_raw.visits" partition ds
  timestamp at
  fields { store: int, region: string, visitor: string, at: timestamp, spent: double? }
}
group store_profile on store from stores {
  key store_id = stores.id
  ttl 2d
  feature size_sqm   = coalesce(sqm, 0.0)
  feature age_days   = days_between(opened, snapshot_date())
  feature label      = concat(upper(substr(name, 1, 3)), "-", region)
  feature large      = size_sqm > 500
}
group store_traffic on store_day from visits {
  key store_id = store
  feature visitors_1d = count_distinct(visitor) over 1d
  feature spend_1d    = sum(spent) over 1d
  feature peak_hour   = max(hour_of_day(at)) over 1d
}
model store_ops {
  features store_profile.*, store_traffic.visitors_1d as visitors
  feature spend_per_sqm = store_traffic.spend_1d / nullif(store_profile.size_sqm, 0)
}
`;

const DAY = 86_400_000;
const T0 = Date.parse('2024-05-01T00:00:00Z');
const config = loadConfig(null, mkdtempSync(join(tmpdir(), 'palette-spark-snap-cfg-')));
const registry = compilePal(PAL);
const profile = registry.groups.find((g) => g.localName === 'store_profile')!;
const REGIONS = ['north', 'süd', 'east'];
const NAMES = ['alpha', 'ßeta', 'x', 'Größe', "o'neil"];

/** Daily snapshots for days 0..2 (stores 1..6, some missing on some days); visits over days 0..5. */
function snapshots(): Record<string, Value>[] {
  const rnd = prng(11);
  const out: Record<string, Value>[] = [];
  for (const d of [0, 1, 2]) {
    for (let id = 1; id <= 6; id++) {
      if (rnd() < 0.2) continue;
      out.push({ id, region: pick(rnd, REGIONS), opened: dayOfMs(T0 - randInt(rnd, 0, 900) * DAY), sqm: rnd() < 0.2 ? null : rnd() < 0.1 ? 0 : Math.round(rnd() * 900_00) / 100, name: pick(rnd, NAMES), __ds: dayOfMs(T0 + d * DAY) });
    }
  }
  return out;
}

function visits(): Record<string, Value>[] {
  const rnd = prng(12);
  return Array.from({ length: 400 }, () => ({
    store: randInt(rnd, 1, 6), region: pick(rnd, REGIONS), visitor: `v${randInt(rnd, 1, 30)}`,
    at: T0 + Math.floor(rnd() * 6 * DAY), spent: rnd() < 0.2 ? null : Math.round(rnd() * 10000) / 100,
  }));
}

const snaps = snapshots();
const events = visits();
const queries = (() => {
  const rnd = prng(13);
  return Array.from({ length: 120 }, (_, i) => ({ store_id: randInt(rnd, 1, 7), region: pick(rnd, REGIONS), ts: T0 + DAY + Math.floor(rnd() * 2 * DAY), label_row: i }));
})();

let root: string;
let session: DuckDbSession;
let hive: HiveClient;

const lit = (v: Value, t: PalType) => new ExprPrinter(SPARK, { column: () => '' }).literal(v as string | number | boolean | null, t);

async function insert(table: string, fields: readonly { name: string; type: PalType }[], rows: readonly Record<string, Value>[], ds: (r: Record<string, Value>) => string) {
  await hive.run('SET hive.exec.dynamic.partition.mode=nonstrict');
  for (let i = 0; i < rows.length; i += 300) {
    const values = rows.slice(i, i + 300).map((r) => `(${fields.map((f) => lit(r[f.name] ?? null, f.type)).join(', ')}, '${ds(r)}')`);
    await hive.run(`INSERT INTO ${table} PARTITION (ds) VALUES ${values.join(', ')}`);
  }
}

async function rowsOf(sql: string, q: (s: string) => Promise<{ columns: readonly string[]; rows: readonly unknown[][] }>) {
  const r = await q(sql);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] as Value])));
}

describe('Spark = DuckDB: snapshot groups, composite keys, ttl, model expressions', { timeout: 900_000 }, () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'palette-spark-snap-'));
    session = await DuckDbSession.open({ threads: 2 });
    hive = new HiveClient(config.offline.hive);
    const [stores, visitsSrc] = [registry.sources.find((s) => s.localName === 'stores')!, registry.sources.find((s) => s.localName === 'visits')!];
    await writePartitioned(session, join(root, 'offline'), 'sgeo_dim', 'stores', 'ds', stores.fields, snaps, (r) => r.__ds as string);
    await writePartitioned(session, join(root, 'offline'), 'sgeo_raw', 'visits', 'ds', visitsSrc.fields, events, (r) => dayOfMs(r.at as number));
    for (const db of ['sgeo_dim', 'sgeo_raw', profile.layout.offline.daily.database]) await hive.run(`CREATE DATABASE IF NOT EXISTS ${db}`);
    await hive.run('DROP TABLE IF EXISTS sgeo_dim.stores');
    await hive.run('DROP TABLE IF EXISTS sgeo_raw.visits');
    await hive.run('CREATE TABLE sgeo_dim.stores (id INT, region STRING, opened DATE, sqm DOUBLE, name STRING) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    await hive.run('CREATE TABLE sgeo_raw.visits (store INT, region STRING, visitor STRING, at TIMESTAMP, spent DOUBLE) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    await insert('sgeo_dim.stores', stores.fields, snaps, (r) => r.__ds as string);
    await insert('sgeo_raw.visits', visitsSrc.fields, events, (r) => dayOfMs(r.at as number));
    for (const t of [profile.layout.offline.daily]) {
      await hive.run(`DROP TABLE IF EXISTS ${t.database}.${t.table}`);
      await hive.run(createOfflineTableHql(t, 'snapshot test').replace(/;\s*$/, ''));
    }
    const spineFields = [{ name: 'store_id', type: { kind: 'scalar', name: 'int', nullable: false } as PalType }, { name: 'region', type: { kind: 'scalar', name: 'string', nullable: false } as PalType },
      { name: 'ts', type: { kind: 'scalar', name: 'timestamp', nullable: false } as PalType }, { name: 'label_row', type: { kind: 'scalar', name: 'int', nullable: false } as PalType }];
    await writePartitioned(session, root, 'spine', 'q', 'part', spineFields, queries, () => 'all');
  });
  after(async () => {
    session?.close();
    await hive?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('snapshot daily state (feature values per partition) equals DuckDB\'s', async () => {
    const duck = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    await duck.backfill(planBackfill(DUCKDB, registry, profile, '2024-05-01', '2024-05-02'));
    await sparkBackfill({ ...config, build: join(root, 'build') }, registry, profile, '2024-05-01', '2024-05-02', () => {});
    const t = profile.layout.offline.daily;
    const spark = await rowsOf(`SELECT * FROM ${t.database}.${t.table}`, (s) => hive.query(s));
    const ddb = await rowsOf(`SELECT * FROM read_parquet('${join(root, 'offline', t.database, t.table)}/*/*.parquet', hive_partitioning = true)`, (s) => session.query(s));
    assert.equal(spark.length, ddb.length);
    assert.ok(spark.length >= 8);
    const byKey = new Map(ddb.map((r) => [`${String(r.store_id)}|${String(r.ds)}`, r]));
    for (const r of spark) {
      const d = byKey.get(`${String(r.store_id)}|${String(r.ds)}`);
      assert.ok(d, `Spark has ${String(r.store_id)} ${String(r.ds)}, DuckDB does not`);
      for (const [c, v] of Object.entries(d)) assertClose(r[c], v, `daily ${c} of store ${String(r.store_id)} on ${String(r.ds)}:`);
    }
  });

  it('training set over both groups (latest partition before each time, composite keys) equals DuckDB\'s', async () => {
    const spine = join(root, 'spine/q/part=all/data_0.parquet');
    const duckOut = join(root, 'duck.parquet');
    const duck = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    await duck.trainingSet(planTrainingSet(DUCKDB, registry, 'sgeo.store_ops'), { spine, atColumn: 'ts', out: duckOut });
    const sparkOut = join(root, 'spark.parquet');
    await sparkTrainingSet({ ...config, build: join(root, 'build') }, registry, registry.models[0], { spine, atColumn: 'ts', outputTable: 'palette_sgeo.training_store_ops', out: sparkOut }, () => {});
    const spark = await rowsOf(`SELECT * FROM read_parquet('${sparkOut}')`, (s) => session.query(s));
    const ddb = await rowsOf(`SELECT * FROM read_parquet('${duckOut}')`, (s) => session.query(s));
    assert.equal(spark.length, queries.length);
    assert.deepEqual(Object.keys(spark[0]), Object.keys(ddb[0]));
    let nonNull = 0;
    spark.forEach((r, i) => {
      assert.equal(Number(r.label_row), i, `row ${i} out of spine order`);
      for (const [c, v] of Object.entries(ddb[i])) {
        assertClose(r[c], v, `row ${i} ${c}:`);
        if (v !== null && c === 'store_profile.size_sqm') nonNull++;
      }
    });
    assert.ok(nonNull > 20 && nonNull < queries.length, `snapshot features: ${nonNull} non-null of ${queries.length} (absent keys should be null)`);
  });
});
