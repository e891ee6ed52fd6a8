/** The embedded SQLite online store: round trips in the runtime representation, offset fencing, TTL, a second (reader) process view. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileSources } from '../../../compiler/compile.js';
import { runtimeGroup } from '../../../compiler/targets/runtime-group.js';
import type { GroupRuntime } from '../../../runtime/contracts/group-runtime.js';
import { BATCH_PARTITION } from '../../../runtime/contracts/layout.js';
import type { TileRow } from '../../../runtime/stores/online-store.js';
import { SqliteStore } from '../../../runtime/stores/sqlite-store.js';
import { fixturePlan } from '../../support/stream-fixture.js';

const user = fixturePlan('t').groups.find((g) => g.group.name === 'fx.user_stats')!.group;

const snapshotGroup: GroupRuntime = (() => {
  const r = compileSources([{ path: 's.pal', text: `namespace s
entity d { key id: string  key region: int }
source dims { snapshot  table hive "dim.d" partition ds  fields { id: string, region: int, since: date, score: double?, vip: boolean, seen: timestamp } }
group profile on d from dims {
  ttl 2d
  feature since = since
  feature score = score
  feature vip   = vip
  feature seen  = seen
}` }]);
  assert.ok(r.registry, JSON.stringify(r.diagnostics));
  return runtimeGroup(r.registry, r.registry.groups[0]);
})();

function col(field: string, agg: number): string {
  return user.layout.aggregations.find((a) => a.aggregationIndex === agg)!.columns.find((c) => c.field === field)!.column;
}

function withStore(fn: (store: SqliteStore, path: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palette-sqlite-'));
    const store = new SqliteStore({ path: join(dir, 'online.db') });
    try {
      await fn(store, join(dir, 'online.db'));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const lastK = user.aggregations.findIndex((a) => a.fn === 'last_k');
const distinct = user.aggregations.findIndex((a) => a.fn === 'count_distinct');
const count = user.aggregations.findIndex((a) => a.fn === 'count' && a.input === null);

function row(partition: number, offset: number | null, n: number, start = 3_600_000): TileRow {
  const hop = user.layout.aggregations[count].hopMs;
  return {
    hopMs: hop, tileStart: start, streamPartition: partition, streamOffset: offset, updatedAt: 42,
    states: { [col('n', count)]: n, [col('ts', lastK)]: [start + 2, start + 1], [col('v', lastK)]: [2.5, 1], [col('v', distinct)]: ['a', 'é'] },
  };
}

test('tile rows round trip: lists, timestamps, offsets, partitions; sinceMs filters by tile start', withStore(async (store) => {
  await store.ensureTables([user]);
  await store.ensureTables([user]); // idempotent
  const hop = user.layout.aggregations[count].hopMs;
  await store.writeTiles(user, [
    { key: ['u1'], row: row(0, 10, 3) },
    { key: ['u1'], row: row(1, 7, 2) },
    { key: ['u1'], row: row(BATCH_PARTITION, null, 9, 0) },
    { key: ['u2'], row: row(0, 11, 1) },
  ]);
  const rows = await store.readTiles(user, ['u1'], null);
  assert.equal(rows.length, 3);
  const r0 = rows.find((r) => r.streamPartition === 0)!;
  assert.deepEqual(r0, { ...row(0, 10, 3) });
  assert.deepEqual(rows.find((r) => r.streamPartition === BATCH_PARTITION)!.streamOffset, null);
  assert.deepEqual((await store.readTiles(user, ['u1'], hop)).map((r) => r.streamPartition).sort(), [0, 1]);
  assert.deepEqual(await store.readTiles(user, ['nobody'], null), []);
}));

test('scanTiles: the tiles readTiles gives, by position, a hop\'s batch tiles before its stream tiles', withStore(async (store) => {
  await store.ensureTables([user]);
  const hop = user.layout.aggregations[count].hopMs;
  // Stream rows at later tile starts than the batch row: ordered by tile start alone, they would come first.
  await store.writeTiles(user, [
    { key: ['u1'], row: row(0, 10, 3, 3 * hop) },
    { key: ['u1'], row: row(1, 7, 2, 2 * hop) },
    { key: ['u1'], row: row(BATCH_PARTITION, null, 9, hop) },
    { key: ['u1'], row: row(0, 11, 4, hop) },
  ]);
  const hopColumns = user.layout.aggregations.filter((a) => a.hopMs === hop).flatMap((a) => a.columns.map((c) => c.column));
  const seen: { start: number; partition: number; updatedAt: number | null; fields: unknown[] }[] = [];
  await store.scanTiles(user, ['u1'], null, { tile: (h, start, partition, updatedAt, fields) => {
    assert.equal(h, hop);
    assert.ok(fields !== null, 'a sink without `wants` gets every tile\'s fields');
    seen.push({ start, partition, updatedAt, fields: [...fields] });
  } });
  assert.equal(seen.length, 4);
  assert.equal(seen[0].partition, BATCH_PARTITION, 'the batch tile first');
  assert.ok(seen.slice(1).every((x) => x.partition >= 0));
  const rows = await store.readTiles(user, ['u1'], null);
  for (const x of seen) {
    const r = rows.find((y) => y.tileStart === x.start && y.streamPartition === x.partition)!;
    assert.deepEqual(x.fields, hopColumns.map((c) => r.states[c] ?? null));
    assert.equal(x.updatedAt, r.updatedAt);
  }
  const since: number[] = [];
  await store.scanTiles(user, ['u1'], 2 * hop, { tile: (_h, start) => { since.push(start); } });
  assert.deepEqual(since.sort(), [2 * hop, 3 * hop]);
  // A sink that wants only the tiles from 3 hops on still gets every tile, the others without states.
  const handed: { start: number; fields: boolean }[] = [];
  await store.scanTiles(user, ['u1'], null, {
    wants: (_h, start) => start >= 3 * hop,
    tile: (_h, start, _p, _u, fields) => { handed.push({ start, fields: fields !== null }); },
  });
  assert.deepEqual(handed.map((x) => `${x.start / hop}:${x.fields}`).sort(), ['1:false', '1:false', '2:false', '3:true']);
}));

test('a streaming row never goes back to a lower offset; batch rows always replace', withStore(async (store) => {
  await store.ensureTables([user]);
  await store.writeTiles(user, [{ key: ['u'], row: row(0, 10, 5) }]);
  await store.writeTiles(user, [{ key: ['u'], row: row(0, 8, 4) }]); // stale writer: ignored
  assert.equal((await store.readTiles(user, ['u'], null))[0].states[col('n', count)], 5);
  await store.writeTiles(user, [{ key: ['u'], row: row(0, 10, 5) }]); // same offset: same row, harmless
  await store.writeTiles(user, [{ key: ['u'], row: row(0, 12, 6) }]);
  assert.equal((await store.readTiles(user, ['u'], null))[0].states[col('n', count)], 6);
  await store.writeTiles(user, [{ key: ['u'], row: row(BATCH_PARTITION, null, 1) }]);
  await store.writeTiles(user, [{ key: ['u'], row: row(BATCH_PARTITION, null, 2) }]);
  assert.equal((await store.readTiles(user, ['u'], null)).find((r) => r.streamPartition === BATCH_PARTITION)!.states[col('n', count)], 2);
  await assert.rejects(store.writeTiles(user, [{ key: ['u'], row: row(0, null, 1) }]), /without stream_offset/);
}));

test('value rows round trip with composite keys, dates, booleans, timestamps and nulls', withStore(async (store) => {
  await store.ensureTables([snapshotGroup]);
  await store.writeValues(snapshotGroup, [{ key: ['a', 1], row: { values: { since: '2020-02-29', score: null, vip: true, seen: 1_700_000_000_123 }, snapshotDs: '2026-01-09', updatedAt: 5 } }]);
  assert.deepEqual(await store.readValues(snapshotGroup, ['a', 1]), { values: { since: '2020-02-29', score: null, vip: true, seen: 1_700_000_000_123 }, snapshotDs: '2026-01-09', updatedAt: 5 });
  assert.equal(await store.readValues(snapshotGroup, ['a', 2]), null);
  await assert.rejects(store.readValues(snapshotGroup, ['a']), /expected 2 key value/);
  await assert.rejects(store.readTiles(snapshotGroup, ['a', 1], null), /not a windowed group/);
}));

test('tile rows expire after their hop\'s TTL, or the table\'s in a layout without per-hop TTLs', withStore(async (store) => {
  const hopMs = row(0, 1, 1).hopMs;
  const online = user.layout.online;
  assert.ok(online.hopTtls?.some((h) => h.hopMs === hopMs), 'the layout pass gives every hop its TTL');
  // A table per variant (a store takes a table's layout from the first group that names it).
  const variant = (name: string, o: Partial<typeof online>): GroupRuntime => ({ ...user, layout: { ...user.layout, online: { ...online, table: `${online.table}_${name}`, ...o } } });
  // The hop's TTL decides, whatever the table's.
  const byHop = variant('a', { ttlSeconds: 3600, hopTtls: online.hopTtls!.map((h) => (h.hopMs === hopMs ? { hopMs, ttlSeconds: 1 } : h)) });
  // An earlier layout, without hopTtls: the table's TTL.
  const older = variant('b', { ttlSeconds: 1, hopTtls: undefined });
  // No TTL for the hop: kept, whatever the table's.
  const kept = variant('c', { ttlSeconds: 1, hopTtls: [{ hopMs, ttlSeconds: null }] });
  const groups = [byHop, older, kept];
  await store.ensureTables(groups);
  for (const g of groups) await store.writeTiles(g, [{ key: ['u'], row: row(0, 1, 1) }]);
  for (const g of groups) assert.equal((await store.readTiles(g, ['u'], null)).length, 1, g.layout.online.table);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await store.readTiles(byHop, ['u'], null)).length, 0, 'the hop\'s TTL of 1 s');
  assert.equal((await store.readTiles(older, ['u'], null)).length, 0, 'the table\'s TTL of 1 s');
  assert.equal((await store.readTiles(kept, ['u'], null)).length, 1, 'no TTL for the hop');
}));

test('a read-only store (the sidecar) sees committed writes of another connection (WAL)', withStore(async (store, path) => {
  await store.ensureTables([user]);
  const reader = new SqliteStore({ path, readonly: true });
  try {
    assert.deepEqual(await reader.readTiles(user, ['u'], null), []);
    await store.writeTiles(user, [{ key: ['u'], row: row(0, 1, 1) }]);
    assert.equal((await reader.readTiles(user, ['u'], null)).length, 1);
    await assert.rejects(reader.writeTiles(user, [{ key: ['u'], row: row(0, 2, 2) }]), /read-only/);
  } finally {
    await reader.close();
  }
  assert.throws(() => new SqliteStore({ path: `${path}-missing`, readonly: true }), /cannot open the SQLite online store/);
}));

test('prunePublications keeps the newest N of one artifact, leaves the others, and removes nothing when nothing was published', withStore(async (store) => {
  assert.equal(await store.prunePublications('serving-manifest', 2), 0, 'no table yet');
  assert.deepEqual(await store.listPublications('serving-manifest'), []);
  for (let i = 1; i <= 5; i++) assert.equal(await store.publish('serving-manifest', `h${i}`, `{"v":${i}}`, i * 1000), true);
  await store.publish('registry', 'h5', '{}', 5000);
  assert.deepEqual((await store.listPublications('serving-manifest')).map((p) => [p.registryHash, p.publishedAt]), [['h5', 5000], ['h4', 4000], ['h3', 3000], ['h2', 2000], ['h1', 1000]]);
  assert.equal(await store.prunePublications('serving-manifest', 2), 3);
  assert.deepEqual((await store.listPublications('serving-manifest')).map((p) => p.registryHash), ['h5', 'h4']);
  assert.equal(await store.prunePublications('serving-manifest', 2), 0, 'already pruned');
  assert.deepEqual(await store.newestPublication('serving-manifest', true), { artifact: 'serving-manifest', registryHash: 'h5', publishedAt: 5000, json: '{"v":5}' });
  assert.equal(await store.prunePublications('serving-manifest', 1), 1);
  assert.equal((await store.newestPublication('serving-manifest', false))!.registryHash, 'h5', 'the newest always stays');
  assert.equal((await store.newestPublication('registry', false))!.registryHash, 'h5', 'another artifact is untouched');
  await assert.rejects(store.prunePublications('serving-manifest', 0), /keep at least 1 publication/);
}));

test('publications: newest first, re-publishing the newest hash is a no-op, a reader sees them, damage is a clear error', withStore(async (store, path) => {
  const reader = new SqliteStore({ path, readonly: true });
  try {
    // Nothing published yet, and a read-only store cannot create the table: no publication.
    assert.equal(await reader.newestPublication('serving-manifest', true), null);
    assert.equal(await store.publish('serving-manifest', 'aaa', '{"v":1}', 1000), true);
    assert.equal(await store.publish('serving-manifest', 'aaa', '{"v":1}', 2000), false, 'same hash as the newest: nothing written');
    assert.equal(await store.publish('serving-manifest', 'bbb', '{"v":2}', 3000), true);
    assert.equal(await store.publish('other', 'ccc', '{"v":3}', 4000), true);
    assert.deepEqual(await reader.newestPublication('serving-manifest', true), { artifact: 'serving-manifest', registryHash: 'bbb', publishedAt: 3000, json: '{"v":2}' });
    assert.deepEqual(await reader.newestPublication('serving-manifest', false), { artifact: 'serving-manifest', registryHash: 'bbb', publishedAt: 3000 });
    // Going back to an older build is a new publication, the newest.
    assert.equal(await store.publish('serving-manifest', 'aaa', '{"v":1}', 5000), true);
    assert.equal((await reader.newestPublication('serving-manifest', true))!.json, '{"v":1}');
    await assert.rejects(reader.publish('serving-manifest', 'x', '{}', 6000), /read-only/);
    const db = new Database(path);
    db.prepare("UPDATE palette_published SET content = x'00ff' WHERE registry_hash = 'aaa' AND published_at = 5000").run();
    db.close();
    await assert.rejects(reader.newestPublication('serving-manifest', true), /the publication serving-manifest aaa in .* cannot be read/);
  } finally {
    await reader.close();
  }
}));
