/**
 * The sidecar on the embedded store, as `palette quickstart` and `palette fetch` use it: a
 * palette.yaml with online.store sqlite, the manifest from the build folder, the SQLite
 * file opened read-only through runtime/stores/open-store.ts, a real loopback socket.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../runtime/config/palette-config.js';
import { SqliteStore } from '../../../runtime/stores/sqlite-store.js';
import { openFeatureService } from '../../../sidecar/sidecar-setup.js';
import { serveAndFetch } from '../../../sidecar/quickstart-serve.js';
import { tileRowsFor } from '../../support/tile-rows.js';
import { NOW, rides, trips } from './helpers.js';

test('serves the embedded SQLite store from palette.yaml and the build folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palette-sidecar-sqlite-'));
  try {
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build', 'serving-manifest.json'), JSON.stringify(rides.manifest));
    writeFileSync(join(dir, 'palette.yaml'), 'name: t\nonline:\n  store: sqlite\n  path: data/online.db\n');
    const config = loadConfig(join(dir, 'palette.yaml'));
    const writer = new SqliteStore({ path: config.online.path });
    await writer.ensureTables(rides.manifest.groups);
    for (const mg of rides.plan.groups) await writer.writeTiles(mg.group, tileRowsFor(mg, trips(), 'event_time', { updatedAt: NOW }));
    await writer.close();

    const lines: string[] = [];
    const responses = await serveAndFetch(config, 'rides.eta_v3', [{ driver_id: 'd1' }, { driver_id: 'd9' }], (l) => lines.push(l), { at: NOW });
    assert.equal(responses.length, 2);
    assert.ok((responses[0].results[0].values['driver_trip_stats.trips_7d'] as number) > 0);
    assert.equal(responses[0].results[0].groups['rides.driver_trip_stats'].status, 'ok');
    assert.equal(responses[1].results[0].statuses['driver_trip_stats.trips_7d'], 'no_data');
    assert.match(lines[0], /sidecar on http:\/\/127\.0\.0\.1:\d+ \(online store: sqlite\)/);
    assert.match(lines[1], /driver_id=d1\s+\d+\.\d ms\s+ok\/no_data\s+trips_1h=\d+/); // profile has no row: no_data
    // The same rows straight from the store (palette fetch without --via): same values.
    const service = openFeatureService(config);
    try {
      const direct = await service.handle({ model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }], at: NOW });
      assert.deepEqual(direct.results[0].values, responses[0].results[0].values);
    } finally {
      await service.store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
