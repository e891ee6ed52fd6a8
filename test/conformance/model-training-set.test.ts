/**
 * Training sets of a model over two entities (one with a composite key), a snapshot group
 * with a key mapped from another column and snapshot_date(), an events source partitioned
 * by a column not called ds, and a model-level derived feature: values computed by hand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Registry } from '../../compiler/ir/ir.js';
import { DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { planTrainingSet } from '../../compiler/targets/sql/offline-jobs.js';
import type { Value } from '../../runtime/contracts/types.js';
import { DuckDbOfflineEngine } from '../../runtime/offline/duckdb-engine.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { compilePal, writePartitioned } from './helpers.js';

const PAL = readFileSync(fileURLToPath(new URL('../golden/cases/snapshot-and-keys/main.pal', import.meta.url)), 'utf8');
const ms = (iso: string) => Date.parse(iso);

let root: string;
let session: DuckDbSession;
let registry: Registry;

describe('training set of a model over two entities and a snapshot', () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'palette-model-ts-'));
    session = await DuckDbSession.open({ threads: 2 });
    registry = compilePal(PAL);
    const stores = registry.sources.find((s) => s.name === 'geo.stores')!;
    const visits = registry.sources.find((s) => s.name === 'geo.visits')!;
    const offline = join(root, 'offline');
    const snapshot = [
      { id: 1, region: 'north', opened: '2025-12-01', sqm: 600, name: 'alpha', ds: '2026-01-01' },
      { id: 2, region: 'south', opened: '2025-06-30', sqm: null, name: 'beta', ds: '2026-01-01' },
      { id: 1, region: 'north', opened: '2025-12-01', sqm: 650, name: 'alpha', ds: '2026-01-02' },
      { id: 1, region: 'north', opened: '2025-12-01', sqm: 700, name: 'alpha', ds: '2026-01-03' },
    ];
    await writePartitioned(session, offline, 'dim', 'stores', 'ds', stores.fields, snapshot, (r) => r.ds as string);
    const events = [
      { store: 1, region: 'north', visitor: 'a', at: ms('2026-01-02T10:00:00Z'), spent: 10 },
      { store: 1, region: 'north', visitor: 'b', at: ms('2026-01-02T11:00:00Z'), spent: null },
      { store: 1, region: 'north', visitor: 'a', at: ms('2026-01-02T23:30:00Z'), spent: 2.5 },
      { store: 1, region: 'south', visitor: 'a', at: ms('2026-01-02T12:00:00Z'), spent: 5 },
      { store: 1, region: 'north', visitor: 'c', at: ms('2026-01-03T01:00:00Z'), spent: 1 },
    ];
    await writePartitioned(session, offline, 'raw', 'visits', 'snapshot_day', visits.fields, events, (r) => new Date(r.at as number).toISOString().slice(0, 10));
    const spineFields = [
      { name: 'store_id', type: { kind: 'scalar', name: 'int', nullable: true } as const },
      { name: 'region', type: { kind: 'scalar', name: 'string', nullable: true } as const },
      { name: 'ts', type: { kind: 'scalar', name: 'timestamp', nullable: true } as const },
    ];
    const spine = [
      { store_id: 1, region: 'north', ts: ms('2026-01-03T00:00:00Z') },
      { store_id: 2, region: 'south', ts: ms('2026-01-03T00:00:00Z') },
      { store_id: 1, region: 'south', ts: ms('2026-01-02T12:00:00Z') },
      { store_id: 1, region: 'north', ts: ms('2026-01-03T23:00:00Z') },
    ];
    await writePartitioned(session, root, 'spine', 's', 'p', spineFields, spine, () => 'all');
  });
  after(() => {
    session?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('gives the values computed by hand', async () => {
    const engine = new DuckDbOfflineEngine(join(root, 'offline'), { threads: 2 });
    const out = join(root, 'out.parquet');
    await engine.trainingSet(planTrainingSet(DUCKDB, registry, 'geo.store_ops'), { spine: join(root, 'spine/s/p=all/data_0.parquet'), atColumn: 'ts', out });
    const r = await session.query(`SELECT * FROM read_parquet('${out}')`);
    const rows = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))) as Record<string, Value>[];
    assert.deepEqual(r.columns, ['store_id', 'region', 'ts', 'store_profile.size_sqm', 'store_profile.age_days', 'store_profile.label', 'store_profile.large', 'visitors', 'spend_per_sqm']);
    const pick = (row: Record<string, Value>) => [row['store_profile.size_sqm'], row['store_profile.age_days'], row['store_profile.label'], row['store_profile.large'], row.visitors, row.spend_per_sqm];
    // Snapshot 2026-01-02 serves from 2026-01-03 00:00; the 1d window is [01-02 00:00, 01-03 00:00): a, b, a; spend 12.5.
    assert.deepEqual(pick(rows[0]), [650, 32, 'ALP-north', true, 2, 12.5 / 650]);
    // Store 2 is not in the 2026-01-02 snapshot; no visits for (2, south).
    assert.deepEqual(pick(rows[1]), [null, null, null, null, 0, null]);
    // At 01-02 12:00 the 2026-01-01 snapshot serves; the (1, south) visit at exactly 12:00 is not before t.
    assert.deepEqual(pick(rows[2]), [600, 31, 'ALP-north', true, 0, null]);
    // At 01-03 23:00: snapshot 01-02 still; window [01-02 23:00, 01-03 23:00): a at 23:30 and c: 2 visitors, 3.5 spent.
    assert.deepEqual(pick(rows[3]), [650, 32, 'ALP-north', true, 2, 3.5 / 650]);
  });
});
