/**
 * `palette apply --online-only` against real Cassandra: it creates the keyspace and the
 * tables the layout describes (tile tables packed: runtime/stores/cql.ts), a second run finds
 * them unchanged, and a same-named table with other columns (here: a tile table of the old
 * one-row-per-tile shape, made by hand) is refused before anything changes, by `apply` and
 * by the store that the materializer uses, each naming the columns that differ.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { compileRepository } from '../../compiler/project/repository.js';
import { runtimeGroup } from '../../compiler/targets/runtime-group.js';
import { CassandraStore } from '../../runtime/stores/cassandra-store.js';
import { serviceConfig } from '../../scripts/services/config.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

function palette(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

test('palette apply creates the packed online tables, finds them unchanged, refuses a table of another shape', { timeout: 180_000 }, async () => {
  const { cassandra: c } = serviceConfig();
  const keyspace = `palette_apply_it_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'palette-apply-'));
  cpSync(join(root, 'examples', 'rides'), dir, { recursive: true });
  writeFileSync(join(dir, 'palette.yaml'), `name: rides
definitions: definitions
build: build
online:
  store: cassandra
  cassandra:
    contactPoints: ["${c.host}:${c.port}"]
    localDataCenter: ${c.localDataCenter}
    keyspace: ${keyspace}
`);
  const admin = new cassandra.Client({ contactPoints: [`${c.host}:${c.port}`], localDataCenter: c.localDataCenter });
  const columns = async (table: string) => new Map((await admin.execute('SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [keyspace, table], { prepare: true }))
    .rows.map((r) => [r.column_name as string, `${r.type as string} ${r.kind as string}`]));
  try {
    const first = palette(dir, 'apply', '--online-only');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`create Cassandra keyspace ${keyspace} if needed and table\\(s\\)`));
    assert.match(first.stdout, /applied/);
    assert.match(first.stdout, /publish the registry \w+ and its serving manifest in the online store \(the first one\)/);

    const repo = await compileRepository([], join(dir, 'palette.yaml'));
    const windowed = repo.result.registry!.groups.find((g) => g.kind === 'windowed')!;
    const tiles = await columns(windowed.layout.online.table);
    const keyCols = windowed.layout.online.partitionKey.map((k) => k.name);
    assert.deepEqual([...tiles.keys()].sort(), [...keyCols, 'hop_ms', 'stream_offset', 'stream_partition', 'tiles', 'updated_at'].sort());
    assert.equal(tiles.get('tiles'), 'map<timestamp, blob> regular');
    assert.equal(tiles.get('hop_ms'), 'bigint clustering');
    assert.equal(tiles.get('stream_partition'), 'int clustering');
    for (const k of keyCols) assert.equal(tiles.get(k)?.endsWith('partition_key'), true);

    const second = palette(dir, 'apply', '--online-only');
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`unchanged: Cassandra table ${keyspace}\\.${windowed.layout.online.table}`));
    assert.doesNotMatch(second.stdout, /create Cassandra/);
    const hash = repo.result.registry!.registryHash;
    assert.match(second.stdout, new RegExp(`unchanged: registry ${hash} and its serving manifest are the ones published in the online store`));

    // The publication as a sidecar reads it (palette serve --manifest store), and publishing.
    const pub = new CassandraStore({ contactPoints: [`${c.host}:${c.port}`], localDataCenter: c.localDataCenter, keyspace, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
    try {
      const newest = await pub.newestPublication('serving-manifest', true);
      assert.equal(newest?.registryHash, hash);
      assert.equal((JSON.parse(newest!.json!) as { registryHash: string }).registryHash, hash);
      assert.ok(Math.abs(newest!.publishedAt - Date.now()) < 120_000);
      assert.equal(await pub.publish('serving-manifest', hash, newest!.json!, Date.now()), false, 'the newest hash again: nothing written');
      assert.equal(await pub.publish('serving-manifest', 'other', '{"x":1}', Date.now() + 1000), true);
      const other = await pub.newestPublication('serving-manifest', true);
      assert.equal(other?.registryHash, 'other');
      assert.equal(other?.json, '{"x":1}');
      assert.equal(await pub.newestPublication('nothing-here', true), null);
      const rows = (await admin.execute(`SELECT registry_hash FROM ${keyspace}.palette_published WHERE artifact = 'serving-manifest'`)).rows.map((r) => r.registry_hash as string);
      assert.deepEqual(rows, ['other', hash], 'history kept, newest first');
      // Bounded history: all but the newest N go, in one range delete.
      for (let i = 0; i < 3; i++) await pub.publish('serving-manifest', `extra${i}`, '{}', Date.now() + 2000 + i);
      assert.equal(await pub.prunePublications('serving-manifest', 2), 3);
      const left = (await admin.execute(`SELECT registry_hash FROM ${keyspace}.palette_published WHERE artifact = 'serving-manifest'`)).rows.map((r) => r.registry_hash as string);
      assert.deepEqual(left, ['extra2', 'extra1']);
      assert.equal(await pub.prunePublications('serving-manifest', 2), 0);
      assert.equal((await pub.newestPublication('registry', false))?.registryHash, hash, 'the registry publication is untouched');
      const fresh = new CassandraStore({ contactPoints: [`${c.host}:${c.port}`], localDataCenter: c.localDataCenter, keyspace: `${keyspace}_none`, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
      try {
        assert.equal(await fresh.newestPublication('serving-manifest', false), null, 'no keyspace: nothing published');
      } finally {
        await fresh.close();
      }
    } finally {
      await pub.close();
    }

    // The same table name with the old one-row-per-tile shape.
    const t = windowed.layout.online.table;
    await admin.execute(`DROP TABLE ${keyspace}.${t}`);
    const keyDdl = windowed.layout.online.partitionKey.map((k) => `${k.name} text`).join(', ');
    await admin.execute(`CREATE TABLE ${keyspace}.${t} (${keyDdl}, hop_ms bigint, tile_start timestamp, stream_partition int, a0_n bigint, stream_offset bigint, updated_at timestamp, PRIMARY KEY ((${keyCols.join(', ')}), hop_ms, tile_start, stream_partition))`);
    const refused = palette(dir, 'apply', '--online-only');
    assert.equal(refused.status, 1, refused.stdout);
    assert.match(refused.stderr, /refusing to apply/);
    assert.match(refused.stderr, new RegExp(`Cassandra table ${keyspace}\\.${t} exists with other columns`));
    assert.match(refused.stderr, /tiles/);
    assert.doesNotMatch(refused.stdout, /applied/);

    const store = new CassandraStore({ contactPoints: [`${c.host}:${c.port}`], localDataCenter: c.localDataCenter, keyspace, replication: { class: 'SimpleStrategy', replication_factor: 1 } });
    try {
      const g = runtimeGroup(repo.result.registry!, windowed);
      await assert.rejects(store.ensureTables([g]), (e: Error) => {
        assert.match(e.message, new RegExp(`Cassandra table ${keyspace}\\.${t} of ${windowed.name} exists with other columns than this Palette writes`));
        assert.match(e.message, /missing column tiles map<timestamp, blob>/);
        assert.match(e.message, /unexpected column tile_start timestamp/);
        return true;
      });
    } finally {
      await store.close();
    }
  } finally {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
    await admin.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
