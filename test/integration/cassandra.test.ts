// Real Cassandra on loopback (started by `npm test` through scripts/services): keyspace, table,
// prepared writes and reads with cassandra-driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { serviceConfig } from '../../scripts/services/config.mjs';

test('cassandra: create keyspace and table, write and read with prepared statements', { timeout: 120_000 }, async () => {
  const { cassandra: c } = serviceConfig();
  const client = new cassandra.Client({
    contactPoints: [`${c.host}:${c.port}`],
    localDataCenter: c.localDataCenter,
    socketOptions: { connectTimeout: 10_000, readTimeout: 30_000 },
  });
  const ks = `palette_it_${process.pid}_${Date.now()}`;
  await client.connect();
  try {
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(
      `CREATE TABLE ${ks}.features (entity_id text, feature text, ts timestamp, value double, PRIMARY KEY ((entity_id), feature, ts))`,
    );
    const rows = [
      { entity: 'user-1', feature: 'spend_7d', ts: new Date('2024-01-01T00:00:00Z'), value: 12.5 },
      { entity: 'user-1', feature: 'spend_7d', ts: new Date('2024-01-02T00:00:00Z'), value: 20.25 },
      { entity: 'user-1', feature: 'txn_count_7d', ts: new Date('2024-01-02T00:00:00Z'), value: 3 },
      { entity: 'user-2', feature: 'spend_7d', ts: new Date('2024-01-02T00:00:00Z'), value: 7 },
    ];
    const insert = `INSERT INTO ${ks}.features (entity_id, feature, ts, value) VALUES (?, ?, ?, ?)`;
    for (const r of rows) await client.execute(insert, [r.entity, r.feature, r.ts, r.value], { prepare: true });

    const select = `SELECT feature, ts, value FROM ${ks}.features WHERE entity_id = ?`;
    const got = await client.execute(select, ['user-1'], { prepare: true });
    assert.deepEqual(
      got.rows.map((r) => [r.feature, r.ts.toISOString(), r.value]),
      rows.filter((r) => r.entity === 'user-1').map((r) => [r.feature, r.ts.toISOString(), r.value]),
    );
    const latest = await client.execute(
      `SELECT value FROM ${ks}.features WHERE entity_id = ? AND feature = ? ORDER BY feature DESC, ts DESC LIMIT 1`,
      ['user-1', 'spend_7d'],
      { prepare: true },
    );
    assert.equal(latest.rows[0].value, 20.25);
    const none = await client.execute(select, ['user-3'], { prepare: true });
    assert.equal(none.rowLength, 0);
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
    await client.shutdown();
  }
});
