/**
 * What the sidecar answers: values equal to GroupEvaluator over the same rows (and, for
 * counts, to a count of the events by hand), in the request's entity order and the model's
 * feature order; statuses; model-level expressions; one read per (group, entity key); the
 * deadline; store failures; the row cache.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupEvaluator } from '../../../runtime/serving/group-evaluator.js';
import { NOW, ridesStore, rides, testSidecar, trips } from './helpers.js';

const H = 3_600_000;
const group = (name: string) => rides.manifest.groups.find((g) => g.name === name)!;

describe('feature values', () => {
  it('answers a model with the values GroupEvaluator gives, in entity and feature order', async () => {
    const store = await ridesStore();
    const s = await testSidecar({ store });
    const r = await s.post({ model: 'eta_v3', entities: [{ driver_id: 'd2' }, { driver_id: 'd1' }, { driver_id: 'd3' }], at: NOW });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const body = r.json;
    assert.equal(body.model, 'rides.eta_v3');
    assert.equal(body.at, NOW);
    assert.deepEqual(body.features, rides.manifest.models.find((m) => m.name === 'rides.eta_v3')!.features.map((f) => f.outputName));
    assert.deepEqual(body.groups.map((g: { name: string }) => g.name).sort(), ['rides.driver_profile', 'rides.driver_trip_stats']);
    assert.equal(body.groups.find((g: { name: string }) => g.name === 'rides.driver_trip_stats').version, group('rides.driver_trip_stats').version);
    assert.deepEqual(body.results.map((e: { key: { driver_id: string } }) => e.key.driver_id), ['d2', 'd1', 'd3']);
    for (const e of body.results) assert.deepEqual(Object.keys(e.values), body.features, 'values in the model order');

    const stats = group('rides.driver_trip_stats');
    const ev = new GroupEvaluator(stats);
    for (const e of body.results) {
      const rows = await store.readTiles(stats, [e.key.driver_id], ev.oldestTileNeeded(NOW));
      const want = ev.fromTiles(rows, NOW).values;
      for (const f of stats.features) assert.deepEqual(e.values[`driver_trip_stats.${f.name}`], want[f.name], `${e.key.driver_id} ${f.name}`);
    }
    // Independently of the tiles: trips_1h and trips_7d by counting the completed trips.
    const completed = trips().filter((t) => t.driver_id === 'd1' && t.status === 'completed');
    const count = (from: number) => completed.filter((t) => (t.event_time as number) >= from && (t.event_time as number) < NOW).length;
    const d1 = body.results[1];
    assert.equal(d1.values['driver_trip_stats.trips_1h'], count(NOW - H)); // NOW is on the 5 min hop: no tail to align
    assert.equal(d1.values['driver_trip_stats.trips_7d'], count(NOW - 7 * 24 * H));
    assert.ok((d1.values['driver_trip_stats.trips_1h'] as number) > 0);

    assert.equal(d1.values['driver_profile.vehicle_type'], 'sedan');
    assert.equal(d1.statuses['driver_trip_stats.trips_1h'], 'ok');
    assert.equal(d1.groups['rides.driver_trip_stats'].status, 'ok');
    assert.equal(d1.groups['rides.driver_trip_stats'].updatedAt, NOW - 60_000);
    assert.equal(d1.groups['rides.driver_profile'].status, 'ok');
    assert.equal(d1.groups['rides.driver_profile'].dataTime, Date.UTC(2026, 0, 10), 'a snapshot of ds serves from ds + 1 day');
    assert.equal(d1.groups['rides.driver_profile'].ageMs, 12 * H);
    // d2: profile older than the group's ttl (3d): stale, value kept.
    assert.equal(body.results[0].statuses['driver_profile.vehicle_type'], 'stale');
    assert.equal(body.results[0].values['driver_profile.vehicle_type'], 'van');
    // d3: nothing stored: an empty window (count 0, as training would see) and no_data.
    const d3 = body.results[2];
    assert.equal(d3.values['driver_trip_stats.trips_7d'], 0);
    assert.equal(d3.values['driver_trip_stats.avg_fare_7d'], null);
    assert.equal(d3.values['driver_profile.vehicle_type'], null);
    assert.ok(Object.values(d3.statuses).every((x) => x === 'no_data'));
    assert.equal(d3.groups['rides.driver_trip_stats'].dataTime, null);
  });

  it('computes model-level expressions over qualified features, with their inputs\' status', async () => {
    const s = await testSidecar();
    const r = await s.post({ model: 'rides.pricing_v1', entities: [{ driver_id: 'd1', rider_id: 'r1' }, { driver_id: 'd3', rider_id: 'r1' }], at: NOW });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.features, ['driver_trip_stats.trips_1h', 'driver_trip_stats.avg_fare_7d', 'driver_reliability.cancel_rate_7d', 'rider_activity.rides_7d', 'rider_spend_30d', 'demand_pressure']);
    const [a, b] = r.json.results;
    // demand_pressure = rider_activity.rides_7d / nullif(driver_trip_stats.trips_7d, 0); trips_7d is not an output of the model.
    const trips7d = (await s.post({ features: ['rides.driver_trip_stats.trips_7d'], entities: [{ driver_id: 'd1' }], at: NOW })).json.results[0].values['rides.driver_trip_stats.trips_7d'];
    assert.ok(trips7d > 0);
    assert.equal(a.values.demand_pressure, a.values['rider_activity.rides_7d'] / trips7d);
    assert.equal(a.statuses.demand_pressure, 'ok');
    // d3 has no trips: nullif(0, 0) is null, so the expression is null, and no_data from its input.
    assert.equal(b.values.demand_pressure, null);
    assert.equal(b.statuses.demand_pressure, 'no_data');
    assert.equal(b.statuses['rider_activity.rides_7d'], 'ok');
  });

  it('answers a feature list under the names as spelled, and group.* with every feature', async () => {
    const s = await testSidecar();
    const r = await s.post({ features: ['rider_activity.spend_30d', 'rides.driver_trip_stats.trips_7d', 'rides.driver_profile.*'], entities: [{ driver_id: 'd1', rider_id: 'r1' }], at: NOW });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.model, null);
    assert.deepEqual(r.json.features, ['rider_activity.spend_30d', 'rides.driver_trip_stats.trips_7d', 'rides.driver_profile.vehicle_type', 'rides.driver_profile.city', 'rides.driver_profile.tenure_days']);
    assert.equal(r.json.results[0].values['rides.driver_profile.city'], 'Lisbon');
    assert.ok(r.json.results[0].values['rider_activity.spend_30d'] > 0);
  });

  it('reads each (group, entity key) once, concurrently, with the request deadline', async () => {
    const s = await testSidecar({ service: { deadlineMs: 250 } });
    s.store.delayMs.set('rides.driver_trip_stats', 40);
    s.store.delayMs.set('rides.rider_activity', 40);
    s.store.delayMs.set('rides.driver_reliability', 40);
    const t0 = Date.now();
    const r = await s.post({ model: 'rides.pricing_v1', entities: [
      { driver_id: 'd1', rider_id: 'r1' }, { driver_id: 'd1', rider_id: 'r2' }, { driver_id: 'd2', rider_id: 'r1' },
    ] });
    const took = Date.now() - t0;
    assert.equal(r.status, 200);
    // 3 groups: d1, d2 for two driver groups, r1, r2 for the rider group = 6 reads, not 9.
    assert.equal(s.store.reads.length, 6, s.store.reads.join(', '));
    assert.equal(new Set(s.store.reads).size, 6);
    assert.ok(took < 6 * 40, `reads ran one after another (${took} ms)`);
    for (const d of s.store.deadlines) assert.ok(d !== undefined && d > t0 && d <= t0 + 250 + 20, `deadline ${d} vs start ${t0}`);
    assert.equal(r.json.results[0].values['driver_trip_stats.trips_1h'], r.json.results[1].values['driver_trip_stats.trips_1h']);
  });

  it('returns within the deadline when the store does not answer, with error statuses for that group only', async () => {
    const s = await testSidecar({ service: { deadlineMs: 80 } });
    s.store.hanging.add('rides.driver_trip_stats');
    const t0 = performance.now();
    const r = await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }, { driver_id: 'd2' }] });
    const took = performance.now() - t0;
    assert.equal(r.status, 200);
    assert.ok(took >= 75 && took < 80 + 120, `answered in ${took.toFixed(1)} ms with an 80 ms deadline`);
    for (const e of r.json.results) {
      assert.equal(e.statuses['driver_trip_stats.trips_7d'], 'error');
      assert.equal(e.values['driver_trip_stats.trips_7d'], null);
      assert.match(e.groups['rides.driver_trip_stats'].error, /deadline exceeded.*80 ms/);
      assert.notEqual(e.statuses['driver_profile.vehicle_type'], 'error');
    }
    assert.equal(r.json.results[0].values['driver_profile.vehicle_type'], 'sedan');
    const m = await s.metrics.registry.getSingleMetricAsString('palette_sidecar_store_errors_total');
    assert.match(m, /group="rides.driver_trip_stats",reason="deadline"} 2/);
  });

  it('reports a failing store as error statuses with the reason, never a 500', async () => {
    const s = await testSidecar();
    s.store.failing.add('rides.rider_activity');
    const r = await s.post({ model: 'rides.pricing_v1', entities: [{ driver_id: 'd1', rider_id: 'r1' }], at: NOW });
    assert.equal(r.status, 200);
    const e = r.json.results[0];
    assert.equal(e.statuses['rider_activity.rides_7d'], 'error');
    assert.equal(e.statuses.rider_spend_30d, 'error');
    assert.equal(e.statuses.demand_pressure, 'error', 'an expression over a failed group fails too');
    assert.equal(e.values.demand_pressure, null);
    assert.equal(e.statuses['driver_trip_stats.trips_1h'], 'ok');
    assert.match(e.groups['rides.rider_activity'].error, /online store read failed: connection refused/);
    assert.match(await s.metrics.registry.getSingleMetricAsString('palette_sidecar_store_errors_total'), /group="rides.rider_activity",reason="error"} 1/);
  });

  it('hides a snapshot row whose day is after the request time (point in time)', async () => {
    const s = await testSidecar();
    const r = await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }], at: '2026-01-09T23:00:00Z' });
    const e = r.json.results[0];
    assert.equal(e.values['driver_profile.vehicle_type'], null);
    assert.equal(e.statuses['driver_profile.vehicle_type'], 'no_data');
  });
});

describe('row cache', () => {
  it('is off by default', async () => {
    const s = await testSidecar();
    await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    assert.equal(s.store.reads.length, 4);
  });

  it('answers repeated reads at now from memory within its TTL, never requests with `at`, and counts hits', async () => {
    const s = await testSidecar({ service: { cache: { maxEntries: 2, ttlMs: 150 } } });
    const first = await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    const again = await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    assert.equal(s.store.reads.length, 2, 'second request from the cache');
    assert.deepEqual(again.json.results[0].values, first.json.results[0].values);
    await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }], at: NOW });
    assert.equal(s.store.reads.length, 4, 'a request with `at` reads the store');
    await new Promise((r) => setTimeout(r, 200));
    await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    assert.equal(s.store.reads.length, 6, 'expired after the TTL');
    // Bounded: 2 entries; d2's two groups push d1's out.
    await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd2' }] });
    assert.equal(s.service.cache.size, 2);
    const m = await s.metrics.registry.getSingleMetricAsString('palette_sidecar_cache_lookups_total');
    assert.match(m, /result="hit"} 2/);
  });

  it('does not keep failed reads', async () => {
    const s = await testSidecar({ service: { cache: { maxEntries: 100, ttlMs: 10_000 } } });
    s.store.failing.add('rides.driver_trip_stats');
    const bad = await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    assert.equal(bad.json.results[0].statuses['driver_trip_stats.trips_7d'], 'error');
    s.store.failing.clear();
    const good = await s.post({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }] });
    // (The cache only serves requests at now, where the test data has nothing in the window.)
    assert.equal(good.json.results[0].statuses['driver_trip_stats.trips_7d'], 'no_data');
    // 2 reads, then only the failed group again: the profile came from the cache.
    assert.deepEqual(s.store.reads.slice(2), ['rides.driver_trip_stats|["d1"]'], 'read again: the failure was not cached');
  });
});
