/**
 * `palette serve` and `palette fetch` end to end on the embedded store: a scaffolded rides
 * repository, compiled; tile rows written into its SQLite file as the materializer would;
 * `fetch` straight from the store and through a running `serve` (--via), with their exit
 * codes (0 ok, 1 user error) and output; `serve` stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MaterializerPlan } from '../../runtime/contracts/plan.js';
import type { ServingManifest } from '../../runtime/contracts/manifest.js';
import { SqliteStore } from '../../runtime/stores/sqlite-store.js';
import { tileRowsFor } from '../support/tile-rows.js';
import { NOW, trips } from '../unit/sidecar/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'palette-serve-'));
after(() => rmSync(work, { recursive: true, force: true }));
const repo = join(work, 'repo');
const tsx = ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts')];

function palette(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...tsx, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('palette fetch and palette serve on the embedded store', { timeout: 120_000 }, async () => {
  assert.equal(spawnSync(process.execPath, [...tsx, 'init', 'repo'], { cwd: work }).status, 0);
  assert.equal(palette(['compile']).code, 0);
  const plan = JSON.parse(readFileSync(join(repo, 'build', 'materializer-plan.json'), 'utf8')) as MaterializerPlan;
  const manifest = JSON.parse(readFileSync(join(repo, 'build', 'serving-manifest.json'), 'utf8')) as ServingManifest;
  const store = new SqliteStore({ path: join(repo, 'data', 'online.db') });
  await store.ensureTables(manifest.groups);
  for (const mg of plan.groups) await store.writeTiles(mg.group, tileRowsFor(mg, trips(), 'event_time', { updatedAt: NOW }));
  await store.close();
  const at = new Date(NOW).toISOString();

  const table = palette(['fetch', 'eta_v3', 'driver_id=d1', '--at', at]);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /rides\.eta_v3 for driver_id=d1 at 2026-01-10T12:00:00\.000Z \(\d+\.\d ms\)/);
  assert.match(table.out, /driver_trip_stats\.trips_7d\s+[1-9]\d*\s+ok/);
  assert.match(table.out, /driver_profile\.vehicle_type\s+null\s+no_data/);

  const json = palette(['fetch', 'rides.driver_trip_stats', 'driver_id=d1', '--at', String(NOW), '--json']);
  assert.equal(json.code, 0, json.err);
  const body = JSON.parse(json.out);
  assert.equal(body.results[0].values['rides.driver_trip_stats.trips_7d'], JSON.parse(palette(['fetch', 'eta_v3', 'driver_id=d1', '--at', at, '--json']).out).results[0].values['driver_trip_stats.trips_7d']);

  const bad = palette(['fetch', 'eta_v9', 'driver_id=d1']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no model or group called `eta_v9`/);
  const badKey = palette(['fetch', 'eta_v3', 'rider_id=r1']);
  assert.equal(badKey.code, 1);
  assert.match(badKey.err, /has no key `driver_id`/);

  // serve on any free port with a token; fetch through it; SIGTERM drains and exits 0.
  // Also on a Unix socket (--socket), as a model in the same pod would call it.
  const sock = join(work, 'sidecar.sock');
  const server = spawn(process.execPath, [...tsx, 'serve', '--port', '0', '--socket', sock, '--log-level', 'warn'], { cwd: repo, env: { ...process.env, PALETTE_SERVING_TOKEN: 'e2e-token' } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      server.stderr.on('data', (d: Buffer) => {
        err += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+) and on the Unix socket /.exec(err);
        if (m) resolve(m[1]);
      });
      server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const via = palette(['fetch', 'eta_v3', 'driver_id=d1', '--at', at, '--via', url], { PALETTE_SERVING_TOKEN: 'e2e-token' });
    assert.equal(via.code, 0, via.err);
    assert.equal(via.out.split('\n').slice(1).join('\n'), table.out.split('\n').slice(1).join('\n'), 'the same table through the sidecar');
    const viaSocket = palette(['fetch', 'eta_v3', 'driver_id=d1', '--at', at, '--via', `unix:${sock}`], { PALETTE_SERVING_TOKEN: 'e2e-token' });
    assert.equal(viaSocket.code, 0, viaSocket.err);
    assert.equal(viaSocket.out.split('\n').slice(1).join('\n'), table.out.split('\n').slice(1).join('\n'), 'the same table through the socket');
    const noToken = palette(['fetch', 'eta_v3', 'driver_id=d1', '--via', url], { PALETTE_SERVING_TOKEN: '' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.err, /HTTP 401/);
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(existsSync(sock), false, 'the socket file is gone after a clean stop');
    const gone = palette(['fetch', 'eta_v3', 'driver_id=d1', '--via', `unix:${sock}`]);
    assert.equal(gone.code, 1);
    assert.match(gone.err, /cannot reach the sidecar at unix:.*sidecar\.sock: ENOENT/);
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
});
