// The example of design.md section 2 (fixtures/rides.pal) parses cleanly into the expected AST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ast } from '../../../dsl/index.js';
import { parse, RIDES, sexpr, spans, typeText } from './helpers.js';

const r = parse(RIDES, 'rides.pal');
const decl = <K extends ast.Decl['kind']>(kind: K, name: string) =>
  r.ast.decls.find((d): d is Extract<ast.Decl, { kind: K }> => d.kind === kind && d.name.text === name)!;

test('the design example parses with no diagnostics', () => {
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.ast.kind, 'file');
  assert.equal(r.ast.path, 'rides.pal');
  assert.deepEqual(r.ast.namespace?.parts.map((p) => p.text), ['rides']);
  assert.deepEqual(r.ast.imports, []);
  assert.deepEqual(
    r.ast.decls.map((d) => `${d.kind} ${d.name.text}`),
    ['entity driver', 'source trips', 'group driver_trip_stats', 'source driver_profiles', 'group driver_profile', 'model eta_v3'],
  );
});

test('entity: keys and metadata', () => {
  const driver = decl('entity', 'driver');
  assert.deepEqual(driver.keys.map((k) => `${k.name.text}: ${typeText(k.type)}`), ['driver_id: string']);
  assert.deepEqual(driver.meta.map((m) => (m.key === 'description' || m.key === 'owner' ? `${m.key}=${m.value.value}` : m.key)), [
    'description=Someone who drives on the platform',
    'owner=marketplace@rides',
  ]);
});

test('source: kind, stream, table, timestamp and nullable fields', () => {
  const trips = decl('source', 'trips');
  assert.deepEqual(trips.items.map((i) => i.kind), ['source-kind', 'stream', 'table', 'timestamp', 'fields']);
  const [kind, stream, table, ts, fields] = trips.items;
  assert.ok(kind.kind === 'source-kind' && kind.value === 'events');
  assert.ok(stream.kind === 'stream');
  assert.deepEqual([stream.system.text, stream.topic.value, stream.format?.text], ['kafka', 'rides.trips', 'json']);
  assert.ok(table.kind === 'table');
  assert.deepEqual([table.system.text, table.name.value, table.partition?.text], ['hive', 'raw.trips', 'ds']);
  assert.ok(ts.kind === 'timestamp' && ts.field.text === 'event_time');
  assert.ok(fields.kind === 'fields');
  assert.deepEqual(fields.fields.map((f) => `${f.name.text}: ${typeText(f.type)}`), [
    'trip_id: string', 'driver_id: string', 'rider_id: string', 'status: string', 'fare: double',
    'distance_km: double', 'rating: int?', 'event_time: timestamp',
  ]);
  const rating = fields.fields.find((f) => f.name.text === 'rating')!;
  assert.equal(rating.type.nullable, true);

  const profiles = decl('source', 'driver_profiles');
  assert.deepEqual(profiles.items.map((i) => (i.kind === 'source-kind' ? i.value : i.kind)), ['snapshot', 'table', 'fields']);
  const pf = profiles.items[2];
  assert.ok(pf.kind === 'fields');
  assert.deepEqual(pf.fields.map((f) => f.name.text), ['driver_id', 'signup_date', 'vehicle_type', 'city']); // commas between fields
});

test('group: header, filter, metadata, features with windows in ms', () => {
  const g = decl('group', 'driver_trip_stats');
  assert.deepEqual(g.entity.parts.map((p) => p.text), ['driver']);
  assert.deepEqual(g.source.parts.map((p) => p.text), ['trips']);
  const where = g.items[0];
  assert.ok(where.kind === 'where');
  assert.equal(sexpr(where.expr), '(== status "completed")');
  const meta = g.items.filter((i): i is ast.MetaItem => i.kind === 'meta');
  assert.deepEqual(meta.map((m) => m.key), ['owner', 'tags', 'description']);
  const tags = meta[1];
  assert.ok(tags.key === 'tags');
  assert.deepEqual(tags.tags.map((t) => t.text), ['pricing', 'eta']);

  const features = g.items.filter((i): i is ast.FeatureDecl => i.kind === 'feature');
  assert.deepEqual(features.map((f) => `${f.name.text} = ${sexpr(f.expr)}`), [
    'trips_1h = (count :over 1h)',
    'trips_7d = (count :over 7d)',
    'avg_fare_7d = (avg fare :over 7d)',
    'max_distance_1d = (max distance_km :over 1d)',
    'avg_rating_30d = (avg rating :over 30d)',
    'fare_per_km_7d = (/ (sum fare :over 7d) (nullif (sum distance_km :over 7d) 0))',
  ]);
  assert.equal(features[4].description?.value, 'Mean rating given by riders');
  assert.equal(features[0].description, null);
  const ms = features.map((f) => (f.expr.kind === 'call' && f.expr.window && !('all' in f.expr.window.size) ? f.expr.window.size.ms : null));
  assert.deepEqual(ms, [3_600_000, 604_800_000, 604_800_000, 86_400_000, 2_592_000_000, null]);
  const count = features[0].expr;
  assert.ok(count.kind === 'call');
  assert.deepEqual(count.args, []);
  assert.equal(count.window?.every, null);
});

test('group: row-level features and calls', () => {
  const g = decl('group', 'driver_profile');
  const features = g.items.filter((i): i is ast.FeatureDecl => i.kind === 'feature');
  assert.deepEqual(features.map((f) => `${f.name.text} = ${sexpr(f.expr)}`), [
    'vehicle_type = vehicle_type',
    'tenure_days = (days_between signup_date (snapshot_date))',
  ]);
});

test('model: metadata and selections with .*', () => {
  const m = decl('model', 'eta_v3');
  assert.deepEqual(m.items.map((i) => i.kind), ['meta', 'features']);
  const sel = m.items[1];
  assert.ok(sel.kind === 'features');
  assert.deepEqual(
    sel.selections.map((s) => `${s.ref.parts.map((p) => p.text).join('.')}${s.star ? '.*' : ''}${s.alias ? ` as ${s.alias.text}` : ''}`),
    ['driver_trip_stats.*', 'driver_profile.vehicle_type'],
  );
});

test('every span is inside the file and names span exactly their token', () => {
  for (const { owner, span } of spans(r.ast)) {
    assert.ok(span.start >= 0 && span.start <= span.end && span.end <= RIDES.length, JSON.stringify(span));
    const pos = r.file.position(span.start);
    assert.deepEqual([span.line, span.col], [pos.line, pos.col]);
    const o = owner as { text?: string };
    if (typeof o.text === 'string' && !('kind' in (owner as object))) {
      // a Name: its span is its token (tags given as strings excepted: text is the value)
      assert.equal(RIDES.slice(span.start, span.end), o.text);
    }
  }
  const g = decl('group', 'driver_trip_stats');
  assert.deepEqual([g.span.line, g.span.col], [27, 1]);
  assert.equal(RIDES.slice(g.span.start, g.span.end).at(-1), '}');
  const f = g.items.find((i): i is ast.FeatureDecl => i.kind === 'feature' && i.name.text === 'fare_per_km_7d')!;
  assert.equal(RIDES.slice(f.expr.span.start, f.expr.span.end), 'sum(fare) over 7d / nullif(sum(distance_km) over 7d, 0)');
});
