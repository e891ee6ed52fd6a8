// Real Spark with a Hive metastore on loopback: a table partitioned by `ds` is created, filled and
// read through HiveServer2 (the Spark Thrift Server) with hive-driver; then a spark-submit PySpark
// job reads it and writes another table, which is read back through HiveServer2. Both JVMs run at
// the same time against the one shared metastore (scripts/services/config.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hive from 'hive-driver';
import { serviceConfig, sparkSubmitArgs } from '../../scripts/services/config.mjs';

const { TCLIService, TCLIService_types } = hive.thrift;
type Row = Record<string, unknown>;

async function openHive() {
  const { hive: hs2 } = serviceConfig();
  const client = new hive.HiveClient(TCLIService, TCLIService_types);
  await client.connect(
    { host: hs2.host, port: hs2.port, options: {} },
    new hive.connections.TcpConnection(),
    new hive.auth.PlainTcpAuthentication(), // server runs hive.server2.authentication=NONE (SASL PLAIN)
  );
  const session = await client.openSession({
    client_protocol: TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10,
  });
  const utils = new hive.HiveUtils(TCLIService_types);
  const query = async (sql: string): Promise<Row[]> => {
    const op = await session.executeStatement(sql);
    try {
      await utils.waitUntilReady(op, false, () => {});
      await utils.fetchAll(op);
      return utils.getResult(op).getValue() ?? [];
    } finally {
      await op.close();
    }
  };
  const close = async () => {
    await session.close();
    await client.close();
  };
  return { query, close };
}

function sparkSubmit(script: string, args: string[], timeoutMs: number): Promise<string> {
  const config = serviceConfig();
  return new Promise((resolve, reject) => {
    const child = spawn(config.spark.sparkSubmit, [...sparkSubmitArgs(config), script, ...args], {
      env: { ...process.env, ...config.spark.env },
      cwd: join(script, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`spark-submit exited with ${code ?? signal}\n${out.slice(-6000)}`));
    });
  });
}

// Reads <db>.events, sums amount per user and day, writes <db>.user_daily (managed Parquet table).
const JOB = `
import sys
from pyspark.sql import SparkSession, functions as F
db = sys.argv[1]
spark = SparkSession.builder.appName("palette-it-job").enableHiveSupport().getOrCreate()
events = spark.table(f"{db}.events")
daily = events.groupBy("user_id", "ds").agg(F.sum("amount").alias("total"), F.count("*").alias("n"))
daily.write.mode("overwrite").format("parquet").saveAsTable(f"{db}.user_daily")
print("wrote", spark.table(f"{db}.user_daily").count(), "rows")
spark.stop()
`;

test('spark + hive: HiveServer2 and a spark-submit job share one metastore', { timeout: 400_000 }, async () => {
  const db = `palette_it_${process.pid}_${Date.now()}`;
  const events = [
    { user: 'u1', amount: 10.5, ds: '2024-01-01' },
    { user: 'u1', amount: 4.5, ds: '2024-01-01' },
    { user: 'u2', amount: 7.25, ds: '2024-01-01' },
    { user: 'u1', amount: 1, ds: '2024-01-02' },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'palette-spark-'));
  const hs2 = await openHive();
  try {
    await hs2.query(`CREATE DATABASE ${db}`);
    await hs2.query(`CREATE TABLE ${db}.events (user_id STRING, amount DOUBLE) PARTITIONED BY (ds STRING) STORED AS PARQUET`);
    for (const ds of [...new Set(events.map((e) => e.ds))]) {
      const values = events.filter((e) => e.ds === ds).map((e) => `('${e.user}', ${e.amount})`);
      await hs2.query(`INSERT INTO ${db}.events PARTITION (ds = '${ds}') VALUES ${values.join(', ')}`);
    }
    const back = await hs2.query(`SELECT user_id, amount, ds FROM ${db}.events ORDER BY ds, user_id, amount`);
    const sortedEvents = [...events].sort((a, b) => a.ds.localeCompare(b.ds) || a.user.localeCompare(b.user) || a.amount - b.amount);
    assert.deepEqual(back, sortedEvents.map((e) => ({ user_id: e.user, amount: e.amount, ds: e.ds })));
    const partitions = await hs2.query(`SHOW PARTITIONS ${db}.events`);
    assert.deepEqual(partitions.map((p) => Object.values(p)[0]), ['ds=2024-01-01', 'ds=2024-01-02']);

    // A separate Spark application (its own JVM) on the same metastore, while HiveServer2 runs.
    const script = join(dir, 'job.py');
    writeFileSync(script, JOB);
    const out = await sparkSubmit(script, [db], 300_000);
    assert.match(out, /wrote 3 rows/);

    const expected = new Map<string, { total: number; n: number }>();
    for (const e of events) {
      const k = `${e.user}|${e.ds}`;
      const cur = expected.get(k) ?? { total: 0, n: 0 };
      expected.set(k, { total: cur.total + e.amount, n: cur.n + 1 });
    }
    const daily = await hs2.query(`SELECT user_id, ds, total, n FROM ${db}.user_daily ORDER BY user_id, ds`);
    assert.deepEqual(
      daily,
      [...expected.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => {
        const [user_id, ds] = k.split('|');
        return { user_id, ds, total: v.total, n: v.n };
      }),
    );
  } finally {
    await hs2.query(`DROP DATABASE IF EXISTS ${db} CASCADE`).catch(() => {});
    await hs2.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
