/**
 * The Cassandra table an online table becomes (runtime/stores/cql.ts), and the check that
 * `palette apply` and the store make of an existing table against it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OnlineTable } from '../../../runtime/contracts/layout.js';
import { scalar } from '../../../runtime/contracts/types.js';
import { cassandraColumnConflicts, cassandraTable } from '../../../runtime/stores/cql.js';

const tiles: OnlineTable = {
  kind: 'tiles', table: 't', ttlSeconds: 60,
  partitionKey: [{ name: 'driver_id', type: scalar('string') }],
  clustering: [{ name: 'hop_ms', type: scalar('long') }, { name: 'tile_start', type: scalar('timestamp') }, { name: 'stream_partition', type: scalar('int') }],
  columns: [{ name: 'a0_n', type: scalar('long', true) }, { name: 'stream_offset', type: scalar('long', true) }, { name: 'updated_at', type: scalar('timestamp', true) }],
};

test('a tile table is packed: (key, hop, writer) rows with a map of tile blobs', () => {
  const spec = cassandraTable(tiles);
  assert.deepEqual([...spec.partitionKey, ...spec.clustering, ...spec.columns].map((c) => `${c.name} ${c.type}`),
    ['driver_id text', 'hop_ms bigint', 'stream_partition int', 'tiles map<timestamp, blob>', 'stream_offset bigint', 'updated_at timestamp']);
});

test('column conflicts: none for the same columns in any order; each difference named', () => {
  const spec = cassandraTable(tiles);
  const same = new Map([['updated_at', 'timestamp'], ['tiles', 'map<timestamp, blob>'], ['stream_offset', 'bigint'], ['stream_partition', 'int'], ['hop_ms', 'bigint'], ['driver_id', 'text']]);
  assert.deepEqual(cassandraColumnConflicts(spec, same), []);
  const other = new Map(same);
  other.delete('tiles');
  other.set('hop_ms', 'int');
  other.set('tile_start', 'timestamp');
  assert.deepEqual(cassandraColumnConflicts(spec, other), ['column hop_ms is int, not bigint', 'missing column tiles map<timestamp, blob>', 'unexpected column tile_start timestamp']);
});
