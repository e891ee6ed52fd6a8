/**
 * `palette upload` from the embedded offline store (Parquet, written here with DuckDB as the
 * backfill does) into the SQLite store: batch tiles give the runtime's values, only
 * complete tiles go up, uploads resume, snapshot groups get their latest day.
 */
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileSources } from '../../../compiler/compile.js';
import { runtimeGroup } from '../../../compiler/targets/runtime-group.js';
import { makeAggregator } from '../../../runtime/aggregations/index.js';
import type { GroupRuntime } from '../../../runtime/contracts/group-runtime.js';
import { BATCH_PARTITION, type OfflineTable } from '../../../runtime/contracts/layout.js';
import type { PalType, Value } from '../../../runtime/contracts/types.js';
import { compileExpr, compileRowPipeline } from '../../../runtime/expr/index.js';
import { SqliteStore } from '../../../runtime/stores/sqlite-store.js';
import { DuckDbParquetReader, partitionDir } from '../../../runtime/upload/offline-reader.js';
import { uploadGroup } from '../../../runtime/upload/upload.js';
import { hopTtlSeconds } from '../../../runtime/contracts/layout.js';
import { floorTo } from '../../../runtime/windows/index.js';
import { assertClose, fixturePlan, generateEvents, keysOf, referenceValues, type FixtureEvent } from '../../support/stream-fixture.js';

const mg = fixturePlan('t').groups.find((g) => g.group.name === 'fx.user_stats')!;
const group = mg.group;
const DAY = 86_400_000;
const END = Date.UTC(2026, 0, 10);

function duckType(t: PalType): string {
  if (t.kind === 'list') return `${duckType(t.element)}[]`;
  return ({ string: 'VARCHAR', int: 'INTEGER', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE' } as const)[t.name];
}

function literal(v: Value, t: PalType): string {
  if (v === null) return 'NULL';
  if (t.kind === 'list') return `[${(v as Value[]).map((x) => literal(x, t.element)).join(', ')}]`;
  if (t.name === 'timestamp') return `make_timestamp(${(v as number) * 1000})`;
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return String(v);
}

/** The offline tiles table rows per day, computed from events as the backfill would. */
function offlineTiles(events: readonly FixtureEvent[]): Map<string, Value[][]> {
  const pipeline = compileRowPipeline(mg.lets, mg.filter);
  const aggs = group.aggregations.map((a) => makeAggregator(a));
  const inputs = group.aggregations.map((a) => (a.input ? compileExpr(a.input) : null));
  const tiles = new Map<string, { key: string; hop: number; start: number; states: Map<number, object> }>();
  for (const e of events) {
    const row: Record<string, Value> = { ...(e as unknown as Record<string, Value>) };
    if (!pipeline(row)) continue;
    for (const s of group.layout.aggregations) {
      const start = floorTo(e.ts, s.hopMs);
      const id = `${e.user_id}|${s.hopMs}|${start}`;
      let t = tiles.get(id);
      if (!t) tiles.set(id, (t = { key: e.user_id, hop: s.hopMs, start, states: new Map() }));
      let st = t.states.get(s.aggregationIndex);
      if (!st) t.states.set(s.aggregationIndex, (st = aggs[s.aggregationIndex].create()));
      const f = inputs[s.aggregationIndex];
      aggs[s.aggregationIndex].update(st, f ? f(row) : null, e.ts);
    }
  }
  const table = group.layout.offline.tiles!;
  const byDay = new Map<string, Value[][]>();
  for (const t of tiles.values()) {
    const values: Record<string, Value> = {};
    for (const s of group.layout.aggregations) {
      const st = t.states.get(s.aggregationIndex);
      const fields = st ? aggs[s.aggregationIndex].toFields(st) : s.columns.map(() => null);
      s.columns.forEach((c, i) => { values[c.column] = (fields[i] ?? null) as Value; });
    }
    const row = table.columns.map((c) => (c.name === 'user_id' ? t.key : c.name === 'hop_ms' ? t.hop : c.name === 'tile_start' ? t.start : values[c.name] ?? null));
    const ds = new Date(t.start).toISOString().slice(0, 10);
    byDay.set(ds, [...(byDay.get(ds) ?? []), row]);
  }
  return byDay;
}

async function writeParquet(root: string, table: OfflineTable, byDay: Map<string, Value[][]>): Promise<void> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    for (const [ds, rows] of byDay) {
      const dir = partitionDir(root, table, ds);
      mkdirSync(dir, { recursive: true });
      const cols = table.columns.map((c) => `"${c.name}" ${duckType(c.type)}`).join(', ');
      await conn.run(`CREATE OR REPLACE TABLE t (${cols})`);
      for (let i = 0; i < rows.length; i += 500) {
        const values = rows.slice(i, i + 500).map((r) => `(${r.map((v, j) => literal(v, table.columns[j].type)).join(', ')})`).join(', ');
        await conn.run(`INSERT INTO t VALUES ${values}`);
      }
      await conn.run(`COPY t TO '${join(dir, 'part-0.parquet')}' (FORMAT parquet)`);
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

/** Two days of offline tiles of fx.user_stats in Parquet, a reader over them and an empty SQLite store. */
async function windowedFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'palette-upload-'));
  const reader = await DuckDbParquetReader.open(join(dir, 'offline'));
  const store = new SqliteStore({ path: join(dir, 'online.db') });
  const events = generateEvents(5, 2000, END, 2 * DAY);
  await writeParquet(join(dir, 'offline'), group.layout.offline.tiles!, offlineTiles(events));
  const close = async () => {
    await reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, reader, store, events, close };
}

/** The uploaded tiles give every key the runtime's values at END. */
async function assertServedValues(store: SqliteStore, events: FixtureEvent[]): Promise<void> {
  const { GroupEvaluator } = await import('../../../runtime/serving/group-evaluator.js');
  for (const key of keysOf(mg, events)) {
    const rows = await store.readTiles(group, key, null);
    assert.ok(rows.every((x) => x.streamPartition === BATCH_PARTITION && x.streamOffset === null), 'batch rows');
    const got = new GroupEvaluator(group).fromTiles(rows, END).values;
    const want = referenceValues(mg, events, key, END);
    for (const f of Object.keys(want)) assertClose(got[f], want[f], `${key} ${f}`);
  }
}

test('windowed group: batch tiles give the runtime values at the end of the range; resumable; only complete tiles', async () => {
  const { dir, reader, store, events, close } = await windowedFixture();
  try {
    const checkpointPath = join(dir, 'state.json');
    const r = await uploadGroup({ group, reader, store, checkpointPath, concurrency: 2, chunkRows: 37 });
    assert.deepEqual(r.partitions, ['2026-01-08', '2026-01-09']);
    assert.ok(r.rows > 100, `rows ${r.rows}`);
    await assertServedValues(store, events);
    // Only the tiles the online store still keeps at the end of the range are written: each
    // ends less than its hop's TTL before END (the 5-minute tiles of the 1-hour window: the
    // last day and an hour or so of them, not both days').
    const uploaded = (await Promise.all(keysOf(mg, events).map((k) => store.readTiles(group, k, null)))).flat();
    for (const row of uploaded) assert.ok(row.tileStart + row.hopMs + hopTtlSeconds(group.layout.online, row.hopMs)! * 1000 > END, `tile ${row.hopMs}:${row.tileStart} past its hop's retention`);
    const offline = [...offlineTiles(events).values()].flat();
    const fiveMinutes = group.layout.aggregations.find((a) => group.aggregations[a.aggregationIndex].window.kind === 'sliding' && a.hopMs === 300_000)!.hopMs;
    const hopAt = group.layout.offline.tiles!.columns.findIndex((c) => c.name === 'hop_ms');
    assert.ok(uploaded.filter((x) => x.hopMs === fiveMinutes).length < offline.filter((x) => x[hopAt] === fiveMinutes).length, 'older 5-minute tiles left out');
    // Run again: nothing to do.
    const again = await uploadGroup({ group, reader, store, checkpointPath });
    assert.deepEqual([again.partitions, again.skipped, again.rows], [[], ['2026-01-08', '2026-01-09'], 0]);
    // --restart redoes it; a cut at `now` keeps only tiles that have ended.
    const store2 = new SqliteStore({ path: join(dir, 'online2.db') });
    const now = END - 30 * 60_000;
    const cut = await uploadGroup({ group, reader, store: store2, checkpointPath, restart: true, now });
    assert.ok(cut.rows > 0 && uploaded.some((x) => x.tileStart + x.hopMs > now), 'the full upload had tiles that end after `now`');
    for (const key of keysOf(mg, events)) {
      for (const row of await store2.readTiles(group, key, null)) assert.ok(row.tileStart + row.hopMs <= now, `tile ${row.tileStart}`);
    }
    await store2.close();
    await assert.rejects(uploadGroup({ group, reader, store, checkpointPath, from: '2026-02-01' }), /no offline partitions of fx.user_stats in \[2026-02-01/);
    await assert.rejects(uploadGroup({ group, reader, store, checkpointPath, from: '2026-1-1' }), /--from must be a day/);
  } finally {
    await close();
  }
});

test('a write holding several partitions: a partition is checkpointed only once all its rows are written', async () => {
  const { dir, reader, store, events, close } = await windowedFixture();
  try {
    const checkpointPath = join(dir, 'state.json');
    const done = () => (existsSync(checkpointPath) ? Object.keys((JSON.parse(readFileSync(checkpointPath, 'utf8')) as { done: Record<string, string> }).done) : []);
    // Both days go in one write when they fit (SQLite: one transaction, not one per day).
    let writes = 0;
    const counting = Object.create(store) as SqliteStore;
    counting.writeTiles = async (g, rows) => { writes++; return store.writeTiles(g, rows); };
    const one = await uploadGroup({ group, reader, store: counting, checkpointPath: join(dir, 'count.json'), chunkRows: 1_000_000 });
    assert.deepEqual([one.partitions, writes], [['2026-01-08', '2026-01-09'], 1]);
    // And when that write fails, neither day is recorded as uploaded.
    writes = 0;
    const failing = Object.create(store) as SqliteStore;
    failing.writeTiles = async () => { writes++; throw new Error('disk full'); };
    await assert.rejects(uploadGroup({ group, reader, store: failing, checkpointPath, chunkRows: 1_000_000 }), /disk full/);
    assert.equal(writes, 1, 'one write for both partitions');
    assert.deepEqual(done(), []);
    // Small writes failing at the last one: the last day is not recorded.
    let calls = 0;
    const total = (await uploadGroup({ group, reader, store, checkpointPath: join(dir, 'probe.json'), chunkRows: 37 })).rows;
    const lastFails = Object.create(store) as SqliteStore;
    lastFails.writeTiles = async (g, rows) => {
      calls++;
      if (calls === Math.ceil(total / 37)) throw new Error('disk full');
      return store.writeTiles(g, rows);
    };
    await assert.rejects(uploadGroup({ group, reader, store: lastFails, checkpointPath, chunkRows: 37, restart: true }), /disk full/);
    assert.ok(!done().includes('2026-01-09'), `recorded: ${done().join(', ')}`);
    // The retry writes what is missing and ends with both days recorded and the right values.
    const retry = await uploadGroup({ group, reader, store, checkpointPath, chunkRows: 37 });
    assert.ok(retry.partitions.includes('2026-01-09'));
    assert.deepEqual(done().sort(), ['2026-01-08', '2026-01-09']);
    await assertServedValues(store, events);
  } finally {
    await close();
  }
});

test('snapshot group: the latest daily partition in range becomes the value rows', async () => {
  const r = compileSources([{ path: 's.pal', text: `namespace s
entity d { key id: string }
source dims { snapshot  table hive "dim.d" partition ds  fields { id: string, city: string, since: date } }
group profile on d from dims {
  feature city  = city
  feature since = since
}` }]);
  assert.ok(r.registry);
  const g: GroupRuntime = runtimeGroup(r.registry, r.registry.groups[0]);
  const dir = mkdtempSync(join(tmpdir(), 'palette-upload-'));
  const reader = await DuckDbParquetReader.open(join(dir, 'offline'));
  const store = new SqliteStore({ path: join(dir, 'online.db') });
  try {
    const daily = g.layout.offline.daily;
    await writeParquet(join(dir, 'offline'), daily, new Map([
      ['2026-01-08', [['a', 'Paris', '2020-01-01'], ['b', 'Oslo', '2021-05-05']]],
      ['2026-01-09', [['a', 'Lyon', '2020-01-01']]],
    ]));
    const res = await uploadGroup({ group: g, reader, store, checkpointPath: join(dir, 'state.json') });
    assert.deepEqual([res.kind, res.partitions, res.rows], ['values', ['2026-01-09'], 1]);
    assert.deepEqual(await store.readValues(g, ['a']), { values: { city: 'Lyon', since: '2020-01-01' }, snapshotDs: '2026-01-09', updatedAt: (await store.readValues(g, ['a']))!.updatedAt });
    const older = await uploadGroup({ group: g, reader, store, checkpointPath: join(dir, 'state.json'), to: '2026-01-08' });
    assert.deepEqual(older.partitions, ['2026-01-08']);
    assert.equal((await store.readValues(g, ['b']))!.values.city, 'Oslo');
  } finally {
    await reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
