/** The semantic hash changes with meaning and only with meaning. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileText } from './helpers.js';

const BASE = `namespace t
entity driver { key driver_id: string }
source trips { events  table hive "raw.trips"  timestamp ts
  fields { driver_id: string, fare: double, status: string, ts: timestamp } }
group g on driver from trips {
  where status == "done"
  description "about drivers"
  owner "a@x"
  tags one, two
  feature trips_7d = count() over 7d
  feature fare_7d  = avg(fare) over 7d   "average fare"
}
`;

const hash = (text: string) => compileText(text).groups[0].semanticHash;
const base = hash(BASE);

test('metadata changes keep the hash', () => {
  assert.equal(hash(BASE.replace('"about drivers"', '"changed"')), base);
  assert.equal(hash(BASE.replace('owner "a@x"', 'owner "b@x"')), base);
  assert.equal(hash(BASE.replace('tags one, two', 'tags three')), base);
  assert.equal(hash(BASE.replace('"average fare"', '"mean fare"')), base);
  assert.equal(hash(BASE.replace('  owner "a@x"\n', '  owner "a@x"\n  ttl 3d\n')), base);
});

test('formatting, comments and feature order keep the hash', () => {
  assert.equal(hash(BASE.replace('feature trips_7d = count() over 7d', '// c\n  feature   trips_7d=count()   over 7d')), base);
  const swapped = BASE.replace(/  feature trips_7d = count\(\) over 7d\n  feature fare_7d  = avg\(fare\) over 7d   "average fare"\n/,
    '  feature fare_7d  = avg(fare) over 7d   "average fare"\n  feature trips_7d = count() over 7d\n');
  assert.notEqual(swapped, BASE);
  assert.equal(hash(swapped), base);
  assert.equal(hash(BASE.replace('over 7d\n  feature fare_7d', 'over 7d every 1h\n  feature fare_7d')), base, 'the default hop written out is the same meaning');
});

test('meaning changes change the hash', () => {
  const changed = [
    BASE.replace('count() over 7d', 'count() over 8d'),
    BASE.replace('count() over 7d', 'count() over 7d every 1d'),
    BASE.replace('avg(fare)', 'sum(fare)'),
    BASE.replace('"done"', '"completed"'),
    BASE.replace('feature trips_7d', 'feature trips_week'),
    BASE.replace('  tags one, two\n', '  tags one, two\n  version 2\n'),
    BASE.replace('fare: double', 'fare: float'),
    BASE.replace('"raw.trips"', '"raw.trips_v2"'),
    BASE.replace('  feature fare_7d', '  feature extra = max(fare) over 1d\n  feature fare_7d'),
  ];
  const hashes = new Set([base, ...changed.map(hash)]);
  assert.equal(hashes.size, changed.length + 1);
});

test('a new version gets new storage names', () => {
  const a = compileText(BASE).groups[0].layout;
  const b = compileText(BASE.replace('count() over 7d', 'count() over 8d')).groups[0].layout;
  assert.notEqual(a.online.table, b.online.table);
  assert.notEqual(a.offline.tiles!.table, b.offline.tiles!.table);
  assert.notEqual(a.offline.daily.table, b.offline.daily.table);
});
