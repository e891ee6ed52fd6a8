/**
 * Bad input for the Spark engine (real Spark + HiveServer2): a missing source table, a
 * missing partition, a column whose Hive type differs from the definition and a Spark
 * failure while reading each give a short, clear error naming the table, day or column,
 * and leave Palette's partitions as they were (no partial partition left as if complete).
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { sparkBackfill } from '../../compiler/cli/spark-offline.js';
import { createOfflineTableHql } from '../../compiler/targets/hive-ddl-target.js';
import { loadConfig } from '../../runtime/config/palette-config.js';
import { HiveClient } from '../../runtime/offline/hive-client.js';
import { SparkJobError } from '../../runtime/offline/spark-submit.js';
import { compilePal } from '../conformance/helpers.js';

const pal = (table: string) => `
namespace badin
entity user { key user_id: string }
source ev {
  events
  table hive "${table}" partition ds
  timestamp ts
  fields { user_id: string, ts: timestamp, x: double? }
}
group g on user from ev {
  feature c_1d = count() over 1d
  feature s_1d = sum(x) over 1d
}
`;

const dir = mkdtempSync(join(tmpdir(), 'palette-spark-bad-'));
const config = { ...loadConfig(null, dir), build: join(dir, 'build') };
const registry = compilePal(pal('badin_raw.ev'));
const group = registry.groups[0];
const daily = group.layout.offline.daily;
let hive: HiveClient;

async function failure(p: Promise<unknown>): Promise<SparkJobError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SparkJobError) return e;
    throw e;
  }
  assert.fail('the job succeeded');
}

async function dailyCounts(): Promise<Record<string, number>> {
  const r = await hive.query(`SELECT ds, count(*) FROM ${daily.database}.${daily.table} GROUP BY ds`);
  return Object.fromEntries(r.rows.map((x) => [String(x[0]), Number(x[1])]));
}

describe('Spark engine: bad input', { timeout: 900_000 }, () => {
  before(async () => {
    hive = new HiveClient(config.offline.hive);
    await hive.run('CREATE DATABASE IF NOT EXISTS badin_raw');
    for (const t of ['ev', 'ev_typed']) await hive.run(`DROP TABLE IF EXISTS badin_raw.${t}`);
    await hive.run('CREATE TABLE badin_raw.ev (user_id STRING, ts TIMESTAMP, x DOUBLE) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    await hive.run('CREATE TABLE badin_raw.ev_typed (user_id STRING, ts TIMESTAMP, x STRING) PARTITIONED BY (ds STRING) STORED AS PARQUET');
    for (const d of ['2024-03-01', '2024-03-02', '2024-03-03']) {
      await hive.run(`INSERT INTO badin_raw.ev PARTITION (ds = '${d}') VALUES ('a', TIMESTAMP '${d} 10:00:00', 1.5), ('b', TIMESTAMP '${d} 11:00:00', NULL)`);
      await hive.run(`INSERT INTO badin_raw.ev_typed PARTITION (ds = '${d}') VALUES ('a', TIMESTAMP '${d} 10:00:00', '1.5')`);
    }
    await hive.run(`CREATE DATABASE IF NOT EXISTS ${daily.database}`);
    for (const t of [group.layout.offline.tiles!, daily]) {
      await hive.run(`DROP TABLE IF EXISTS ${t.database}.${t.table}`);
      await hive.run(createOfflineTableHql(t, 'bad input test').replace(/;\s*$/, ''));
    }
  });
  after(async () => {
    await hive?.close();
  });

  it('a good run writes every day; a missing partition names the table and day and writes nothing', async () => {
    await sparkBackfill(config, registry, group, '2024-03-02', '2024-03-03', () => {});
    assert.deepEqual(await dailyCounts(), { '2024-03-02': 2, '2024-03-03': 2 });
    const e = await failure(sparkBackfill(config, registry, group, '2024-03-03', '2024-03-05', () => {}));
    assert.equal(e.kind, 'input');
    assert.match(e.message, /badin_raw\.ev: partition ds=2024-03-04 is missing \(and 1 more day\(s\)\)/);
    assert.deepEqual(await dailyCounts(), { '2024-03-02': 2, '2024-03-03': 2 });
  });

  it('a missing source table is named', async () => {
    const other = compilePal(pal('badin_raw.nope'));
    const e = await failure(sparkBackfill(config, other, other.groups[0], '2024-03-02', '2024-03-02', () => {}));
    assert.equal(e.kind, 'input');
    assert.match(e.message, /source table badin_raw\.nope does not exist \(source badin\.ev\)/);
  });

  it('a column of another Hive type names the column and both types', async () => {
    const other = compilePal(pal('badin_raw.ev_typed'));
    const e = await failure(sparkBackfill(config, other, other.groups[0], '2024-03-02', '2024-03-02', () => {}));
    assert.equal(e.kind, 'input');
    assert.match(e.message, /badin_raw\.ev_typed: column x is string in Hive but double in the definition of badin\.ev/);
  });

  it('a Spark failure (a corrupt source file) gives the Spark error, not a log, and leaves the old partitions', async () => {
    const before = await dailyCounts();
    const loc = (await hive.query('DESCRIBE TABLE EXTENDED badin_raw.ev')).rows.find((r) => r[0] === 'Location')![1] as string;
    const part = join(fileURLToPath(loc.startsWith('file://') ? loc : `file://${loc.slice(5)}`), 'ds=2024-03-03');
    const file = readdirSync(part).find((f) => !f.startsWith('.') && !f.startsWith('_'))!;
    writeFileSync(join(part, file), 'this is not parquet');
    const e = await failure(sparkBackfill(config, registry, group, '2024-03-02', '2024-03-03', () => {}));
    assert.equal(e.kind, 'spark');
    assert.ok(e.message.split('\n').length <= 8, `a wall of log:\n${e.message}`);
    assert.match(e.message, /parquet|Parquet|magic|FAILED_READ_FILE|not a Parquet file/);
    assert.deepEqual(await dailyCounts(), before);
  });
});
