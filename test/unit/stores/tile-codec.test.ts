/**
 * The tile blob codec (runtime/stores/tile-codec.ts): every type round-trips exactly, nulls
 * stay nulls, and a damaged blob is an error naming the table and hop, never wrong values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GroupLayout } from '../../../runtime/contracts/layout.js';
import { listOf, scalar } from '../../../runtime/contracts/types.js';
import { TILE_BLOB_VERSION, tileCodecs } from '../../../runtime/stores/tile-codec.js';

const cols = {
  a0_n: scalar('long', true), a0_s: scalar('double', true), a1_v: scalar('string', true), a1_ts: scalar('timestamp', true),
  a2_v: scalar('int', true), a3_v: scalar('boolean', true), a4_v: scalar('date', true), a5_v: listOf(scalar('string', true), true),
  a5_ts: listOf(scalar('timestamp', true), true), a6_v: scalar('float', true), a7_n: scalar('long', true),
};
const layout = {
  online: {
    kind: 'tiles', table: 't_test', partitionKey: [{ name: 'k', type: scalar('string') }], clustering: [], ttlSeconds: 3600,
    columns: Object.entries(cols).map(([name, type]) => ({ name, type })),
  },
  aggregations: [
    { aggregationIndex: 0, hopMs: 300_000, columns: [{ field: 'n', column: 'a0_n' }, { field: 's', column: 'a0_s' }] },
    { aggregationIndex: 1, hopMs: 3_600_000, columns: [{ field: 'v', column: 'a1_v' }, { field: 'ts', column: 'a1_ts' }] },
    { aggregationIndex: 2, hopMs: 3_600_000, columns: [{ field: 'v', column: 'a2_v' }] },
    { aggregationIndex: 3, hopMs: 3_600_000, columns: [{ field: 'v', column: 'a3_v' }] },
    { aggregationIndex: 4, hopMs: 3_600_000, columns: [{ field: 'v', column: 'a4_v' }] },
    { aggregationIndex: 5, hopMs: 3_600_000, columns: [{ field: 'v', column: 'a5_v' }, { field: 'ts', column: 'a5_ts' }] },
    { aggregationIndex: 6, hopMs: 3_600_000, columns: [{ field: 'v', column: 'a6_v' }] },
    { aggregationIndex: 7, hopMs: 86_400_000, columns: [{ field: 'n', column: 'a7_n' }] },
  ],
  featureColumns: [],
  offline: { tiles: null, daily: { database: 'd', table: 'x', columns: [], partitionColumn: 'ds' } },
} as unknown as GroupLayout;

test('one codec per hop, with that hop\'s state columns in layout order', () => {
  const c = tileCodecs(layout);
  assert.deepEqual([...c.keys()].sort((a, b) => a - b), [300_000, 3_600_000, 86_400_000]);
  assert.deepEqual(c.get(3_600_000)!.columns.map((x) => x.name), ['a1_v', 'a1_ts', 'a2_v', 'a3_v', 'a4_v', 'a5_v', 'a5_ts', 'a6_v']);
});

test('every type round-trips exactly, including edge values', () => {
  const c = tileCodecs(layout);
  const cases: Record<string, unknown>[] = [
    { a0_n: 0, a0_s: -0.1 + 0.3 },
    { a0_n: 2 ** 53 - 1, a0_s: Number.MIN_VALUE },
    { a0_n: -5, a0_s: Infinity },
    { a0_n: 7, a0_s: -Infinity },
    { a0_n: 7, a0_s: NaN },
    {},
  ];
  for (const states of cases) assert.deepEqual(c.get(300_000)!.decode(c.get(300_000)!.encode(states as never)), states);
  const hourly = [
    { a1_v: 'grüße 🚕 ""\\', a1_ts: 1_700_000_000_123, a2_v: -2_147_483_648, a3_v: false, a4_v: '2026-11-29', a5_v: ['x', null, ''], a5_ts: [1, 2, 3], a6_v: 1.5 },
    { a1_v: '', a2_v: 2_147_483_647, a3_v: true, a5_v: [], a5_ts: [] },
    { a5_v: [null] },
  ];
  for (const states of hourly) assert.deepEqual(c.get(3_600_000)!.decode(c.get(3_600_000)!.encode(states as never)), states);
});

test('nulls are left out of the decoded states, as absent state cells were', () => {
  const c = tileCodecs(layout).get(86_400_000)!;
  const blob = c.encode({ a7_n: null });
  assert.equal(blob.length, 2);
  assert.deepEqual(c.decode(blob), {});
});

test('decodeFields: the same values by position, nulls included, into a given array or the codec\'s scratch', () => {
  const c = tileCodecs(layout).get(3_600_000)!;
  const names = c.columns.map((x) => x.name);
  const blobs = [
    { a1_v: 'x', a1_ts: 5, a2_v: -3, a3_v: true, a4_v: '2026-01-01', a5_v: ['a', null], a5_ts: [1, 2], a6_v: 0.5 },
    { a2_v: 7 },
    {},
  ].map((st) => c.encode(st as never));
  for (const blob of blobs) {
    const byName = c.decode(blob);
    const want = names.map((n) => byName[n] ?? null);
    const into: unknown[] = new Array(names.length).fill('stale');
    assert.deepEqual(c.decodeFields(blob, into as never), want);
    assert.deepEqual(into, want, 'every position written, stale values replaced');
    assert.deepEqual([...c.decodeFields(blob)], want);
  }
  assert.throws(() => c.decodeFields(blobs[0].subarray(0, 5)), /t_test: tile blob of hop 3600000 ms ends early/);
  assert.deepEqual(c.decode(blobs[1]), { a2_v: 7 }, 'a failed decodeFields leaves nothing in the scratch that decode would return');
});

test('a damaged blob is an error naming the table and hop', () => {
  const c = tileCodecs(layout).get(300_000)!;
  const blob = c.encode({ a0_n: 3, a0_s: 4.5 });
  assert.throws(() => c.decode(blob.subarray(0, blob.length - 3)), /online table t_test: tile blob of hop 300000 ms ends early/);
  assert.throws(() => c.decode(Buffer.concat([blob, Buffer.from([0])])), /t_test: tile blob of hop 300000 ms has 1 bytes after its 2 columns/);
  const other = Buffer.from(blob);
  other[0] = TILE_BLOB_VERSION + 1;
  assert.throws(() => c.decode(other), /has format version 2, this Palette reads version 1/);
  assert.throws(() => c.decode(Buffer.alloc(0)), /is empty/);
  const s = tileCodecs(layout).get(3_600_000)!;
  const sb = s.encode({ a1_v: 'abcdef' });
  assert.throws(() => s.decode(sb.subarray(0, 8)), /ends early/);
  // The codec reuses one reader across blobs: a failed decode leaves nothing behind.
  assert.deepEqual(c.decode(blob), { a0_n: 3, a0_s: 4.5 });
  assert.deepEqual(s.decode(sb), { a1_v: 'abcdef' });
});

test('a layout whose state column is missing from the online table is refused', () => {
  const bad = { ...layout, aggregations: [{ aggregationIndex: 0, hopMs: 1000, columns: [{ field: 'n', column: 'nope' }] }] } as unknown as GroupLayout;
  assert.throws(() => tileCodecs(bad), /state column nope is not in online table t_test/);
});
