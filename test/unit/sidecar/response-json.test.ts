/**
 * responseJson writes the same bytes as JSON.stringify for the answers FeatureService gives
 * (ok, stale, no data, error; model expressions; feature lists; batches) and for values that
 * take JSON's other paths (escapes, lists, non-finite numbers, keys that are array indexes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../../../runtime/contracts/types.js';
import type { FeatureResponse } from '../../../sidecar/feature-service.js';
import { responseJson } from '../../../sidecar/response-json.js';
import { NOW, testSidecar } from './helpers.js';

const same = (r: FeatureResponse, what: string) => assert.equal(responseJson(r), JSON.stringify(r), what);

describe('responseJson', () => {
  it('equals JSON.stringify for the service\'s answers', async () => {
    const s = await testSidecar();
    const drivers = [{ driver_id: 'd1' }, { driver_id: 'd2' }, { driver_id: 'd3' }];
    // ok (d1), stale (d2's profile), no data (d3); the plan's text is made once and reused.
    const a = await s.service.handle({ model: 'eta_v3', entities: drivers, at: NOW });
    same(a, 'eta_v3');
    same(await s.service.handle({ model: 'eta_v3', entities: [{ driver_id: 'd2' }], at: NOW - 3_600_000 }), 'eta_v3 again, another time');
    // Two entity keys and a model expression.
    same(await s.service.handle({ model: 'pricing_v1', entities: [{ driver_id: 'd1', rider_id: 'r1' }, { driver_id: 'd3', rider_id: 'r9' }], at: NOW }), 'pricing_v1');
    // A feature list (a plan per request).
    same(await s.service.handle({ features: ['driver_trip_stats.trips_1h', 'driver_profile.city'], entities: drivers, at: NOW }), 'feature list');
    // A group whose reads fail: error statuses, null values and an error text; the model
    // expression that reads it is an error too.
    s.store.failing.add('rides.driver_trip_stats');
    const failed = await s.service.handle({ model: 'pricing_v1', entities: [{ driver_id: 'd1', rider_id: 'r1' }], at: NOW });
    assert.equal(failed.results[0].groups['rides.driver_trip_stats'].status, 'error');
    assert.equal(failed.results[0].statuses.demand_pressure, 'error');
    same(failed, 'a failed group');
    // A batch.
    same(await s.service.handle({ model: 'eta_v3', entities: Array.from({ length: 50 }, (_, i) => ({ driver_id: `d${i % 4}` })), at: NOW }), 'a batch of 50');
  });

  it('equals JSON.stringify for values on JSON\'s other paths', async () => {
    const s = await testSidecar();
    const base = await s.service.handle({ model: 'eta_v3', entities: [{ driver_id: 'd1' }], at: NOW });
    const names = Object.keys(base.results[0].values);
    const odd: (Value | undefined)[] = [
      'quote " backslash \\ newline \n tab \t', 'é ü 漢字 😀', '\u2028\u2029\u0000\u001f', '', 0, -0, 1e21, 1e-7, -12.5,
      Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true, false, null, undefined,
      [1, 'two', null, [3]] as unknown as Value, [] as unknown as Value,
    ];
    odd.forEach((v, i) => {
      const values = { ...base.results[0].values, [names[i % names.length]]: v as Value };
      same({ ...base, results: [{ ...base.results[0], values }] }, `value ${String(v)}`);
    });
    // Names the plan does not know, one that needs escaping, and array indexes (ordered first by JavaScript).
    for (const extra of ['"odd" name', 'x\ny', '7', '0', '12a']) {
      const values = { ...base.results[0].values, [extra]: 1 };
      const statuses = { ...base.results[0].statuses, [extra]: 'ok' as const };
      same({ ...base, results: [{ ...base.results[0], values, statuses }] }, `key ${JSON.stringify(extra)}`);
    }
    // Another model name, registry or time on a plan seen before, a status outside the four, an error text.
    same({ ...base, model: 'other "model"', registryHash: 'h\\2', at: -1, tookMs: 0.125 }, 'head fields');
    const g = Object.keys(base.results[0].groups)[0];
    same({ ...base, results: [{ ...base.results[0], groups: { ...base.results[0].groups, [g]: { status: 'error', dataTime: null, updatedAt: null, ageMs: null, error: 'read "failed"\n' } } }] }, 'a group error');
    same({ ...base, results: [{ ...base.results[0], statuses: { ...base.results[0].statuses, [names[0]]: 'weird"status' as never } }] }, 'an unknown status');
    same({ ...base, results: [] }, 'no entities');
  });
});
