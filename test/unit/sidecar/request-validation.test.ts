/**
 * Every way a request can be wrong gets a 4xx with a stable code and a message that names
 * the problem; random bodies never get a 500.
 */
import assert from 'node:assert/strict';
import inject from 'light-my-request';
import { describe, it } from 'node:test';
import { compile, testSidecar } from './helpers.js';

const two = compile([
  { path: 'a.pal', text: `namespace a
entity user { key id: string }
source ev { events  table hive "raw.a"  timestamp ts  fields { id: string, x: double, ts: timestamp } }
group g on user from ev { feature n = count() over 1d }
model m { features g.* }
` },
  { path: 'b.pal', text: `namespace b
entity user { key id: long }
source ev { events  table hive "raw.b"  timestamp ts  fields { id: long, x: double, ts: timestamp } }
group g on user from ev { feature n = count() over 1d }
model m { features g.* }
entity small { key i: int }
source fl { events  table hive "raw.f"  timestamp ts  fields { i: int, ts: timestamp } }
group by_int on small from fl { feature n = count() over 1d }
` },
]);

const ok = { model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] };

/** Each case: a body (or raw text) and the code it must be refused with, and words the message must hold. */
const CASES: [string, unknown, string, RegExp][] = [
  ['not JSON', '{"model": ', 'invalid_json', /not valid JSON/],
  ['a list', [ok], 'invalid_request', /must be a JSON object, not a list/],
  ['a string', '"rides.eta_v3"', 'invalid_request', /JSON object/],
  ['unknown field', { ...ok, entites: [] }, 'unknown_field', /`entites`/],
  ['model and features', { ...ok, features: ['rides.driver_trip_stats.trips_7d'] }, 'invalid_request', /either `model` or `features`/],
  ['nothing named', { entities: [{ driver_id: 'd1' }] }, 'invalid_request', /names nothing to fetch/],
  ['model not a string', { model: 3, entities: [{ driver_id: 'd1' }] }, 'invalid_request', /must be a model name, not number 3/],
  ['unknown model', { model: 'rides.eta_v4', entities: [{ driver_id: 'd1' }] }, 'unknown_model', /no model called `rides.eta_v4`/],
  ['features empty', { features: [], entities: [{ driver_id: 'd1' }] }, 'invalid_request', /non-empty list/],
  ['features not a list', { features: 'rides.driver_trip_stats.trips_7d', entities: [{ driver_id: 'd1' }] }, 'invalid_request', /non-empty list/],
  ['feature not a string', { features: [null], entities: [{ driver_id: 'd1' }] }, 'invalid_request', /features\[0\]/],
  ['unknown feature', { features: ['rides.driver_trip_stats.trips_8d'], entities: [{ driver_id: 'd1' }] }, 'unknown_feature', /trips_8d/],
  ['unknown group', { features: ['rides.nope.*'], entities: [{ driver_id: 'd1' }] }, 'unknown_group', /no group called `rides.nope`/],
  ['feature twice', { features: ['rides.driver_trip_stats.trips_7d', 'driver_trip_stats.trips_7d'], entities: [{ driver_id: 'd1' }] }, 'invalid_request', /asked for twice/],
  ['no entities', { model: 'rides.eta_v3' }, 'invalid_request', /`entities` is missing/],
  ['entities empty', { model: 'rides.eta_v3', entities: [] }, 'invalid_request', /non-empty list/],
  ['entities not a list', { model: 'rides.eta_v3', entities: { driver_id: 'd1' } }, 'invalid_request', /non-empty list/],
  ['entity not an object', { model: 'rides.eta_v3', entities: ['d1'] }, 'invalid_request', /entities\[0\] must be an object/],
  ['missing key', { model: 'rides.pricing_v1', entities: [{ driver_id: 'd1' }] }, 'missing_key', /entities\[0\] has no key `rider_id`/],
  ['unknown key', { model: 'rides.eta_v3', entities: [{ driver_id: 'd1', driverid: 'x' }] }, 'unknown_key', /`driverid`/],
  ['number for a string key', { model: 'rides.eta_v3', entities: [{ driver_id: 7 }] }, 'wrong_key_type', /`driver_id` is string.*not number 7/],
  ['null key', { model: 'rides.eta_v3', entities: [{ driver_id: null }] }, 'wrong_key_type', /not null/],
  ['wrong type in the second entity', { model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }, { driver_id: ['d2'] }] }, 'wrong_key_type', /entities\[1\]/],
  ['at not a time', { ...ok, at: 'yesterday' }, 'invalid_time', /ISO 8601/],
  ['at without a zone', { ...ok, at: '2026-01-10T12:00:00' }, 'invalid_time', /with a zone/],
  ['at negative', { ...ok, at: -5 }, 'invalid_time', /epoch milliseconds/],
  ['at fractional', { ...ok, at: 1.5 }, 'invalid_time', /epoch milliseconds/],
  ['at an object', { ...ok, at: {} }, 'invalid_time', /ISO 8601 string or epoch milliseconds/],
  ['at not a date', { ...ok, at: '2026-02-30T00:00:00Z' }, 'invalid_time', /not a valid time/],
];

describe('request validation', () => {
  for (const [name, body, code, message] of CASES) {
    it(`refuses ${name} with 400 ${code}`, async () => {
      const s = await testSidecar();
      const r = await s.post(body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, code);
      assert.match(r.json.error.message, message);
      assert.equal(s.store.reads.length, 0, 'a refused request reads nothing');
    });
  }

  it('hints the closest model and field names', async () => {
    const s = await testSidecar();
    assert.match((await s.post({ model: 'rides.eta_v2', entities: [{ driver_id: 'd1' }] })).json.error.hint, /rides\.eta_v3/);
    assert.match((await s.post({ ...ok, entites: [] })).json.error.hint, /entities/);
    assert.match((await s.post({ model: 'rides.eta_v3', entities: [{ driverid: 'd1' }] })).json.error.hint, /driver_id/);
  });

  it('refuses wrong key types for every key type (string, int, long)', async () => {
    const s = await testSidecar({ manifest: two.manifest });
    const cases: [string, string, unknown][] = [
      ['b.by_int.n', 'i', 2 ** 31], ['b.by_int.n', 'i', 1.5], ['b.by_int.n', 'i', '7'], ['b.by_int.n', 'i', true],
      ['b.g.n', 'id', '12'], ['b.g.n', 'id', 2 ** 60], ['b.g.n', 'id', null], ['a.g.n', 'id', 12], ['a.g.n', 'id', {}],
    ];
    for (const [feature, key, value] of cases) {
      const r = await s.post({ features: [feature], entities: [{ [key]: value }] });
      assert.equal(r.status, 400, `${feature} ${JSON.stringify(value)}`);
      assert.equal(r.json.error.code, 'wrong_key_type', `${feature} ${JSON.stringify(value)}`);
    }
    const good: [string, string, unknown][] = [
      ['b.by_int.n', 'i', -7], ['b.by_int.n', 'i', 2 ** 31 - 1], ['b.g.n', 'id', 9007199254740991], ['a.g.n', 'id', ''],
    ];
    for (const [feature, key, value] of good) {
      const r = await s.post({ features: [feature], entities: [{ [key]: value }] });
      assert.equal(r.status, 200, `${feature} ${JSON.stringify(value)}: ${JSON.stringify(r.json)}`);
    }
  });

  it('refuses names that are ambiguous across namespaces, and keys of two types in one request', async () => {
    const s = await testSidecar({ manifest: two.manifest });
    let r = await s.post({ model: 'm', entities: [{ id: 'x' }] });
    assert.equal(r.json.error.code, 'ambiguous_model');
    assert.match(r.json.error.message, /a\.m, b\.m/);
    r = await s.post({ features: ['g.n'], entities: [{ id: 'x' }] });
    assert.equal(r.json.error.code, 'ambiguous_feature');
    r = await s.post({ features: ['a.g.n', 'b.g.n'], entities: [{ id: 'x' }] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /key `id` is string in a\.g but long in b\.g/);
    r = await s.post({ model: 'a.m', entities: [{ id: 'x' }] });
    assert.equal(r.status, 200);
  });

  it('refuses a wrong media type (415), an oversized body (413) and an unknown route (404)', async () => {
    const s = await testSidecar({ server: { maxBodyBytes: 1024 } });
    let res = await inject(s.sidecar.handler, { method: 'POST', url: '/v1/features', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(ok) });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'unsupported_media_type');
    const big = { model: 'rides.eta_v3', entities: Array.from({ length: 100 }, (_, i) => ({ driver_id: `driver-${i}` })) };
    res = await inject(s.sidecar.handler, { method: 'POST', url: '/v1/features', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(big) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'body_too_large');
    assert.match(res.json().error.message, /1024 bytes/);
    const nf = await s.get('/v2/features');
    assert.equal(nf.status, 404);
    assert.equal(nf.json.error.code, 'not_found');
    const empty = await inject(s.sidecar.handler, { method: 'POST', url: '/v1/features', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.statusCode, 400);
  });

  it('refuses more entities than the limit', async () => {
    const s = await testSidecar({ service: { limits: { maxEntities: 3 } } });
    const r = await s.post({ model: 'rides.eta_v3', entities: Array.from({ length: 4 }, (_, i) => ({ driver_id: `d${i}` })) });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'too_many_entities');
    assert.match(r.json.error.message, /4 entities.*limit is 3/);
    assert.equal((await s.post({ model: 'rides.eta_v3', entities: Array.from({ length: 3 }, (_, i) => ({ driver_id: `d${i}` })) })).status, 200);
  });

  it('never answers random bodies with a 500', async () => {
    const s = await testSidecar();
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const atoms: unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, '', 'd1', 'rides.eta_v3', 'eta_v3', 'rides.driver_trip_stats.*', '__proto__', '2026-01-10T00:00:00Z', [], {}];
    const keys = ['model', 'features', 'entities', 'at', 'driver_id', 'rider_id', 'constructor', 'x'];
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 2 || r < 0.5) return atoms[Math.floor(rnd() * atoms.length)];
      if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 4); i > 0; i--) o[keys[Math.floor(rnd() * keys.length)]] = value(depth + 1);
      return o;
    };
    for (let i = 0; i < 400; i++) {
      const body = i % 3 === 0 ? { model: value(2), entities: value(1), at: value(2) } : value(0);
      const text = JSON.stringify(body) ?? 'null';
      const cut = i % 7 === 0 ? text.slice(0, Math.floor(rnd() * text.length)) : text;
      const res = await inject(s.sidecar.handler, { method: 'POST', url: '/v1/features', headers: { 'content-type': 'application/json' }, payload: cut });
      assert.ok(res.statusCode < 500, `${cut} → ${res.statusCode} ${res.body}`);
      if (res.statusCode !== 200) assert.ok(res.json().error.code, res.body);
    }
    const proto = await s.post('{"model": "rides.eta_v3", "entities": [{"driver_id": "d1"}], "__proto__": {"x": 1}}');
    assert.equal(proto.status, 400);
    assert.equal(proto.json.error.code, 'invalid_json');
  });

  it('refuses prototype poisoning however it is spelled, and only that', async () => {
    const s = await testSidecar();
    for (const text of [
      '{"model": "rides.eta_v3", "entities": [{"driver_id": "d1", "__proto__": {"polluted": true}}]}',
      '{"model": "rides.eta_v3", "entities": [{"driver_id": "d1"}], "\\u005f_proto__": {"x": 1}}',
      '{"model": "rides.eta_v3", "entities": [{"driver_id": "d1"}], "x": [{"constructor": {"prototype": {"y": 1}}}]}',
    ]) {
      const r = await s.post(text);
      assert.equal(r.status, 400, text);
      assert.equal(r.json.error.code, 'invalid_json', text);
      assert.match(r.json.error.message, /__proto__|constructor\.prototype/, text);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // The words as values, or a `constructor` key without `prototype`, are just unknown input.
    const ok = await s.post('{"model": "rides.eta_v3", "entities": [{"driver_id": "__proto__ constructor"}]}');
    assert.equal(ok.status, 200);
    const other = await s.post('{"model": "rides.eta_v3", "entities": [{"driver_id": "d1", "constructor": 1}]}');
    assert.equal(other.status, 400);
    assert.notEqual(other.json.error.code, 'invalid_json');
    const empty = await s.post('');
    assert.equal(empty.json.error.code, 'invalid_json');
    assert.match(empty.json.error.message, /empty/);
  });
});
