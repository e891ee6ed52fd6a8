/**
 * Cross-target agreement: every table, column and key that the materializer plan writes
 * and the serving manifest reads exists in the emitted CQL and Hive DDL, with the same
 * type and in the same order. The DDL is parsed back from its text, not re-derived.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { materializerPlan } from '../../../compiler/targets/materializer-plan-target.js';
import { servingManifest } from '../../../compiler/targets/serving-manifest-target.js';
import { DEFAULT_TARGET_OPTIONS, TARGETS } from '../../../compiler/targets/index.js';
import { stateFields, typeToString, type GroupRuntime, type PalType } from '../../../runtime/contracts/index.js';
import { compileOk, exampleInputs } from './helpers.js';

const CQL_TYPES: Record<string, string> = { string: 'text', int: 'int', long: 'bigint', float: 'float', double: 'double', boolean: 'boolean', timestamp: 'timestamp', date: 'date' };
const cql = (t: PalType): string => (t.kind === 'scalar' ? CQL_TYPES[t.name] : `list<${cql(t.element)}>`);
const hive = (t: PalType): string => (t.kind === 'scalar' ? ({ long: 'BIGINT', string: 'STRING' } as Record<string, string>)[t.name] ?? t.name.toUpperCase() : `ARRAY<${hive(t.element)}>`);

/**
 * table → { columns in order, primary key text, and for packed tile tables the state columns
 * of each hop's blob (from the `--   hop_ms N: col type, ...` lines above the statement) }.
 */
function parseCql(text: string) {
  const tables = new Map<string, { columns: [string, string][]; primaryKey: string; blobs: Map<number, [string, string][]> }>();
  for (const m of text.matchAll(/((?:--[^\n]*\n)*)CREATE TABLE IF NOT EXISTS (\w+)\.(\w+) \(\n([\s\S]*?)\n\) WITH/g)) {
    const lines = m[4].split(',\n').map((l) => l.trim());
    const pk = lines.pop()!;
    const blobs = new Map<number, [string, string][]>();
    for (const h of m[1].matchAll(/^-- {3}hop_ms (\d+): (.*)$/gm)) {
      blobs.set(Number(h[1]), h[2].split(/, (?![^<]*>)/).map((c) => { const i = c.indexOf(' '); return [c.slice(0, i), c.slice(i + 1)]; }));
    }
    tables.set(m[3], { columns: lines.map((l) => { const i = l.indexOf(' '); return [l.slice(0, i), l.slice(i + 1)]; }), primaryKey: pk, blobs });
  }
  return tables;
}

function parseHive(text: string) {
  const tables = new Map<string, { columns: [string, string][]; partition: string }>();
  for (const m of text.matchAll(/CREATE TABLE IF NOT EXISTS (\w+\.\w+) \(\n([\s\S]*?)\n\)\nCOMMENT [^\n]*\nPARTITIONED BY \(`(\w+)` STRING\)/g)) {
    tables.set(m[1], { columns: m[2].split(',\n').map((l) => { const x = l.trim().match(/^`(\w+)` (.+)$/)!; return [x[1], x[2]]; }), partition: m[3] });
  }
  return tables;
}

for (const example of ['rides', 'payments']) {
  test(`plan, manifest and DDL agree: ${example}`, () => {
    const registry = compileOk(exampleInputs(example));
    const artifacts = new Map(TARGETS.flatMap((t) => t.emit(registry, DEFAULT_TARGET_OPTIONS)).map((a) => [a.path, a.content]));
    const cqlTables = parseCql(artifacts.get('online/cassandra.cql')!);
    const hiveTables = parseHive(artifacts.get('offline/hive.hql')!);
    const plan = materializerPlan(registry);
    const manifest = servingManifest(registry);
    assert.equal(JSON.stringify(plan), JSON.stringify(JSON.parse(artifacts.get('materializer-plan.json')!)));
    assert.equal(JSON.stringify(manifest), JSON.stringify(JSON.parse(artifacts.get('serving-manifest.json')!)));
    assert.ok(plan.groups.length > 0 && manifest.groups.length > 0);

    const check = (g: GroupRuntime, who: string) => {
      const online = g.layout.online;
      const table = cqlTables.get(online.table);
      assert.ok(table, `${who}: ${g.name} writes table ${online.table}, which the CQL does not create`);
      const keys = online.partitionKey.map((c) => [c.name, cql(c.type)]);
      const pk = `(${online.partitionKey.map((c) => c.name).join(', ')})`;
      if (online.kind === 'tiles') {
        // Packed (runtime/stores/cql.ts): one row per (key, hop, writer), tiles in a map of blobs.
        assert.deepEqual(table.columns, [...keys, ['hop_ms', 'bigint'], ['stream_partition', 'int'], ['tiles', 'map<timestamp, blob>'], ['stream_offset', 'bigint'], ['updated_at', 'timestamp']], `${who}: ${online.table} columns`);
        assert.equal(table.primaryKey, `PRIMARY KEY (${pk}, hop_ms, stream_partition)`);
        // The logical layout's clustering is (hop, tile start, writer): the map key is the tile start.
        assert.deepEqual(online.clustering.map((c) => c.name), ['hop_ms', 'tile_start', 'stream_partition']);
        // Every state column is in exactly one hop's blob.
        const inBlobs = [...table.blobs.values()].flat().map(([n]) => n).sort();
        assert.deepEqual(inBlobs, online.columns.map((c) => c.name).filter((n) => n !== 'stream_offset' && n !== 'updated_at').sort());
      } else {
        assert.deepEqual(table.columns, [...keys, ...online.columns.map((c) => [c.name, cql(c.type)])], `${who}: ${online.table} columns`);
        assert.equal(table.primaryKey, `PRIMARY KEY (${pk})`);
      }
      // Entity keys are the partition key, in key order, with the entity's types.
      assert.deepEqual(online.partitionKey.map((c) => `${c.name}:${typeToString(c.type)}`), g.entity.keys.map((k) => `${k.name}:${typeToString(k.type)}`));
      // Every aggregation's state columns exist with the types of its state fields.
      for (const a of g.aggregations) {
        const storage = g.layout.aggregations.find((s) => s.aggregationIndex === a.index);
        assert.ok(storage, `${who}: aggregation ${a.index} of ${g.name} has no storage`);
        assert.equal(storage.hopMs, a.window.hopMs);
        const fields = stateFields(a.fn, a.input ? a.input.type : null);
        assert.deepEqual(storage.columns.map((c) => c.field), fields.map((f) => f.name));
        storage.columns.forEach((c, i) => {
          const col = (table.blobs.get(storage.hopMs) ?? []).find(([n]) => n === c.column);
          assert.ok(col, `${who}: state column ${c.column} missing from the hop ${storage.hopMs} blob of ${online.table}`);
          assert.equal(col[1], cql(fields[i].type));
        });
      }
      for (const fc of g.layout.featureColumns) assert.ok(table.columns.some(([n]) => n === fc.column), `${who}: value column ${fc.column}`);
      for (const off of [g.layout.offline.tiles, g.layout.offline.daily]) {
        if (!off) continue;
        const h = hiveTables.get(`${off.database}.${off.table}`);
        assert.ok(h, `${who}: offline table ${off.database}.${off.table} missing from Hive DDL`);
        assert.deepEqual(h.columns, off.columns.map((c) => [c.name, hive(c.type)]));
        assert.equal(h.partition, off.partitionColumn);
      }
      assert.deepEqual(hiveTables.get(`${g.layout.offline.daily.database}.${g.layout.offline.daily.table}`)!.columns.slice(g.entity.keys.length).map(([n]) => n),
        g.features.map((f) => f.name).sort(), `${who}: daily state has one column per feature, by name`);
    };
    for (const mg of plan.groups) check(mg.group, 'plan');
    for (const sg of manifest.groups) check(sg, 'manifest');
    // The plan's key columns and filter read only source fields and lets.
    for (const mg of plan.groups) {
      const source = plan.sources.find((s) => s.name === mg.source)!;
      const cols = new Set([...source.fields.map((f) => f.name), ...mg.lets.map((l) => l.name)]);
      for (const k of mg.keyColumns) assert.ok(cols.has(k), `key column ${k} of ${mg.group.name}`);
    }
    // Every model feature is served by a manifest group.
    for (const m of manifest.models) {
      for (const f of m.features) assert.ok(manifest.groups.some((g) => g.features.some((x) => x.qualifiedName === f.feature)), f.feature);
    }
  });
}
