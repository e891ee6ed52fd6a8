/**
 * The serving manifest from the online store: the sidecar starts from the newest
 * publication, follows a newer one (new model served, old requests unaffected, row cache
 * emptied), and keeps serving the current one when the store fails or a publication does
 * not check; nothing published is a clear error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVING_MANIFEST_ARTIFACT } from '../../../runtime/stores/published.js';
import { FeatureService } from '../../../sidecar/feature-service.js';
import { ManifestFollower, loadPublishedCatalog } from '../../../sidecar/published-manifest.js';
import { exampleInputs } from '../compiler/helpers.js';
import { NOW, compile, rides, ridesStore } from './helpers.js';

/** The rides example plus one more model: a second build to publish. */
const ridesPlus = compile([...exampleInputs('rides'), {
  path: 'extra.pal',
  text: 'namespace rides\n\nmodel eta_v4 { features driver_trip_stats.trips_1h, driver_trip_stats.trips_7d }\n',
}]);

function recordingLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    info: (obj: object, msg: string) => { lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }); },
    warn: (obj: object, msg: string) => { lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }); },
  };
}

describe('serving manifest published in the online store', () => {
  it('nothing published is a clear error', async () => {
    const store = await ridesStore();
    await assert.rejects(loadPublishedCatalog(store), /no serving manifest is published in the online store.*/);
  });

  it('starts from the newest publication and follows a newer one', async () => {
    const store = await ridesStore();
    assert.notEqual(rides.manifest.registryHash, ridesPlus.manifest.registryHash);
    await store.publish(SERVING_MANIFEST_ARTIFACT, rides.manifest.registryHash, JSON.stringify(rides.manifest), 1000);
    const { catalog, publication } = await loadPublishedCatalog(store);
    assert.equal(catalog.registryHash, rides.manifest.registryHash);
    const service = new FeatureService(catalog, store, { deadlineMs: 1000, limits: { maxEntities: 10 }, cache: { maxEntries: 100, ttlMs: 60_000 } });
    const log = recordingLog();
    const swaps: string[] = [];
    const follower = new ManifestFollower(service, publication, log, { swapped: (p) => swaps.push(p.registryHash) });

    assert.throws(() => service.parse({ model: 'eta_v4', entities: [{ driver_id: 'd1' }], at: NOW }), /eta_v4/);
    // A request parsed against the first manifest, answered after the swap; one without `at`
    // (the present) fills the row cache.
    const early = service.parse({ model: 'eta_v3', entities: [{ driver_id: 'd1' }], at: NOW });
    await service.fetch(service.parse({ model: 'eta_v3', entities: [{ driver_id: 'd1' }] }));
    assert.ok(service.cache.size > 0, 'rows cached');

    await follower.lookOnce();
    assert.deepEqual(swaps, [], 'same publication: nothing to do');

    await store.publish(SERVING_MANIFEST_ARTIFACT, ridesPlus.manifest.registryHash, JSON.stringify(ridesPlus.manifest), 2000);
    await follower.lookOnce();
    assert.deepEqual(swaps, [ridesPlus.manifest.registryHash]);
    assert.equal(follower.registryHash, ridesPlus.manifest.registryHash);
    assert.equal(service.catalog.registryHash, ridesPlus.manifest.registryHash);
    assert.equal(service.cache.size, 0, 'the row cache is emptied on a swap');
    assert.match(log.lines.at(-1)!.msg, /serving a newer published manifest/);

    const r = await service.fetch(service.parse({ model: 'eta_v4', entities: [{ driver_id: 'd1' }], at: NOW }));
    assert.deepEqual(r.features, ['driver_trip_stats.trips_1h', 'driver_trip_stats.trips_7d']);
    assert.equal(r.results[0].statuses['driver_trip_stats.trips_1h'], 'ok');
    assert.equal(r.registryHash, ridesPlus.manifest.registryHash);
    const old = await service.fetch(early);
    assert.equal(old.results[0].statuses['driver_trip_stats.trips_1h'], 'ok', 'a request parsed before the swap still answers');
    assert.equal(old.registryHash, rides.manifest.registryHash, '...with the registry it was checked against');
  });

  it('keeps the current manifest when the store fails or a publication does not check, and says so', async () => {
    const store = await ridesStore();
    await store.publish(SERVING_MANIFEST_ARTIFACT, rides.manifest.registryHash, JSON.stringify(rides.manifest), 1000);
    const { catalog, publication } = await loadPublishedCatalog(store);
    const service = new FeatureService(catalog, store);
    const log = recordingLog();
    let failed = 0;
    const follower = new ManifestFollower(service, publication, log, { failed: () => { failed++; } });

    store.pingFails = true; // the fake store's outage: its reads of publications fail too
    await follower.lookOnce();
    await follower.lookOnce();
    assert.equal(service.catalog.registryHash, rides.manifest.registryHash);
    assert.deepEqual(log.lines.map((l) => [l.level, l.obj.failures]), [['warn', 1], ['warn', 2]]);
    assert.match(String(log.lines[0].obj.err), /fake store unreachable/);
    assert.equal(failed, 2);
    store.pingFails = false;

    await store.publish(SERVING_MANIFEST_ARTIFACT, 'bad1', '{"manifestVersion": 999}', 2000);
    await follower.lookOnce();
    assert.equal(service.catalog.registryHash, rides.manifest.registryHash, 'an incompatible manifest is not served');
    assert.match(String(log.lines.at(-1)!.obj.err), /registry bad1\) has manifest version 999/);
    await store.publish(SERVING_MANIFEST_ARTIFACT, 'bad2', 'not json', 3000);
    await follower.lookOnce();
    assert.match(String(log.lines.at(-1)!.obj.err), /registry bad2\) is not valid JSON/);

    await store.publish(SERVING_MANIFEST_ARTIFACT, ridesPlus.manifest.registryHash, JSON.stringify(ridesPlus.manifest), 4000);
    await follower.lookOnce();
    assert.equal(service.catalog.registryHash, ridesPlus.manifest.registryHash, 'recovers with the next good publication');
    assert.equal(log.lines.at(-1)!.level, 'info');
  });

  it('polls on its interval and stops', async () => {
    const store = await ridesStore();
    await store.publish(SERVING_MANIFEST_ARTIFACT, rides.manifest.registryHash, JSON.stringify(rides.manifest), 1000);
    const { catalog, publication } = await loadPublishedCatalog(store);
    const service = new FeatureService(catalog, store);
    const follower = new ManifestFollower(service, publication, recordingLog());
    follower.start(20);
    try {
      await store.publish(SERVING_MANIFEST_ARTIFACT, ridesPlus.manifest.registryHash, JSON.stringify(ridesPlus.manifest), 2000);
      const end = Date.now() + 2000;
      while (service.catalog.registryHash !== ridesPlus.manifest.registryHash && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.equal(service.catalog.registryHash, ridesPlus.manifest.registryHash);
    } finally {
      await follower.stop();
    }
    await store.publish(SERVING_MANIFEST_ARTIFACT, rides.manifest.registryHash, JSON.stringify(rides.manifest), 3000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(service.catalog.registryHash, ridesPlus.manifest.registryHash, 'no look after stop');
  });
});
