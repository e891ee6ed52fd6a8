/**
 * The embedded Parquet store: which partitions a read uses (history before the first
 * partition is empty, gaps and required days are errors naming table and day), and the
 * partition swap (old or new, never half; staging removed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { trainingReadRange } from '../../../runtime/offline/duckdb-engine.js';
import { ParquetStore, daysBetween } from '../../../runtime/offline/parquet-store.js';

const root = mkdtempSync(join(tmpdir(), 'palette-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

function partition(table: string, day: string, file = 'data_0.parquet'): void {
  const dir = join(root, 'raw', table, `ds=${day}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), 'x');
}

describe('ParquetStore.resolve', () => {
  const store = new ParquetStore(root);
  for (const d of ['2026-01-03', '2026-01-04', '2026-01-05', '2026-01-07']) partition('t', d);
  mkdirSync(join(root, 'raw', 't', 'ds=2026-01-08'), { recursive: true }); // a folder without files is not a partition
  mkdirSync(join(root, 'raw', 't', '.palette-staging-1', 'ds=2026-01-06'), { recursive: true });
  const read = (from: string | null, to: string, requiredFrom: string | null) =>
    store.resolve({ database: 'raw', table: 't', partitionColumn: 'ds', from, to, requiredFrom });

  it('lists partitions with files only, sorted, ignoring hidden folders', () => {
    assert.deepEqual(store.partitions('raw', 't'), ['2026-01-03', '2026-01-04', '2026-01-05', '2026-01-07']);
    assert.deepEqual(store.partitions('raw', 'nothing'), []);
  });

  it('history before the first partition reads as empty; required days must exist', () => {
    const r = read('2025-12-30', '2026-01-05', '2026-01-04');
    assert.deepEqual(r.days, ['2026-01-03', '2026-01-04', '2026-01-05']);
    assert.deepEqual(r.beforeFirst, { from: '2025-12-30', to: '2026-01-02' });
    assert.equal(r.files.length, 3);
    assert.throws(() => read('2025-12-30', '2026-01-05', '2026-01-01'), /raw\.t is missing partitions ds=2026-01-01, 2026-01-02/);
  });

  it('a gap or a day after the last partition is an error naming the table and the days', () => {
    assert.throws(() => read('2026-01-03', '2026-01-07', '2026-01-03'), /source table raw\.t is missing partition ds=2026-01-06 .*has 2026-01-03 to 2026-01-07 with gaps/);
    assert.throws(() => read('2026-01-03', '2026-01-09', null), /missing partitions ds=2026-01-06, 2026-01-08, 2026-01-09/);
    assert.throws(() => store.resolve({ database: 'raw', table: 'none', partitionColumn: 'ds', from: null, to: '2026-01-01', requiredFrom: null }), /raw\.none has no partitions/);
  });

  it('from null reads from the first partition', () => {
    assert.deepEqual(read(null, '2026-01-05', '2026-01-05').days, ['2026-01-03', '2026-01-04', '2026-01-05']);
  });
});

describe('PartitionWrite', () => {
  it('swaps staged days in, replacing old partitions, and cleans up', () => {
    const store = new ParquetStore(root);
    partition('w', '2026-02-01', 'old.parquet');
    const w = store.beginWrite('raw', 'w');
    for (const d of ['2026-02-01', '2026-02-02']) {
      mkdirSync(w.stagedDir(d), { recursive: true });
      writeFileSync(join(w.stagedDir(d), 'new.parquet'), 'y');
    }
    assert.deepEqual(readdirSync(join(root, 'raw', 'w', 'ds=2026-02-01')), ['old.parquet'], 'nothing visible before commit');
    w.commitDay('2026-02-01');
    w.commitDay('2026-02-02');
    w.finish();
    assert.deepEqual(readdirSync(join(root, 'raw', 'w', 'ds=2026-02-01')), ['new.parquet']);
    assert.deepEqual(readdirSync(join(root, 'raw', 'w')).sort(), ['ds=2026-02-01', 'ds=2026-02-02']);
  });

  it('abort leaves the table as it was', () => {
    const store = new ParquetStore(root);
    partition('a', '2026-02-01', 'old.parquet');
    const w = store.beginWrite('raw', 'a');
    mkdirSync(w.stagedDir('2026-02-01'), { recursive: true });
    w.abort();
    assert.ok(!existsSync(w.staging));
    assert.deepEqual(readdirSync(join(root, 'raw', 'a', 'ds=2026-02-01')), ['old.parquet']);
  });
});

describe('training-set read ranges', () => {
  const ms = (iso: string) => Date.parse(iso);
  it('events: lookback before the first time, up to the day of the last time minus 1 ms', () => {
    assert.deepEqual(trainingReadRange('events', 7 * 86_400_000, ms('2026-01-10T05:00:00Z'), ms('2026-01-20T00:00:00Z')), { from: '2026-01-03', to: '2026-01-19' });
    assert.deepEqual(trainingReadRange('events', null, ms('2026-01-10T05:00:00Z'), ms('2026-01-20T00:00:01Z')), { from: null, to: '2026-01-20' });
  });
  it('snapshots: the partitions ds with ds + 1 day <= t', () => {
    assert.deepEqual(trainingReadRange('snapshot', 0, ms('2026-01-10T00:00:00Z'), ms('2026-01-20T12:00:00Z')), { from: '2026-01-09', to: '2026-01-19' });
  });
  it('daysBetween is inclusive', () => {
    assert.deepEqual(daysBetween('2026-02-27', '2026-03-01'), ['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
