/**
 * `palette apply` publishes the registry and the serving manifest in the online store;
 * `palette serve --manifest store` serves the manifest, following a new apply without a
 * restart, and `palette catalog --published` / `palette ui --published` show the registry
 * (embedded SQLite store): dry run, first publication, re-apply unchanged, a new model
 * published, served and shown, and the clear errors when nothing is published.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../runtime/stores/sqlite-store.js';
import { NOW } from '../unit/sidecar/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'palette-publish-'));
const repo = join(work, 'repo');
const cli = ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts')];
let sidecar: ChildProcess | null = null;
let ui: ChildProcess | null = null;
after(() => {
  sidecar?.kill('SIGKILL');
  ui?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function palette(args: string[]) {
  const r = spawnSync(process.execPath, [...cli, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function serveFromStore(): Promise<string> {
  const child = spawn(process.execPath, [...cli, 'serve', '--manifest', 'store', '--manifest-refresh-ms', '200', '--port', '0', '--log-level', 'warn'], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  sidecar = child;
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
      const m = /listening on (http:\/\/[\d.]+:\d+) \(online store: sqlite; manifest: published in the online store \(registry (\w+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`palette serve exited with ${code}: ${err}`)));
  });
}

function uiPublished(): Promise<string> {
  const child = spawn(process.execPath, [...cli, 'ui', '--published', '--port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  ui = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /palette catalog on (http:\/\/[\d.]+:\d+) \(registry: published in the online store \(sqlite\)\)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr!.on('data', (d: Buffer) => { err += d; });
    child.once('exit', (code) => reject(new Error(`palette ui exited with ${code}: ${out} ${err}`)));
  });
}

const post = async (url: string, body: unknown) => {
  const r = await fetch(`${url}/v1/features`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() as any };
};

test('apply publishes the serving manifest; serve --manifest store follows it', { timeout: 180_000 }, async () => {
  assert.equal(spawnSync(process.execPath, [...cli, 'init', 'repo'], { cwd: work }).status, 0);
  assert.equal(palette(['compile']).code, 0);

  // An online store nothing was published to yet.
  await new SqliteStore({ path: join(repo, 'data', 'online.db') }).close();
  const none = palette(['serve', '--manifest', 'store', '--port', '0']);
  assert.equal(none.code, 1);
  assert.match(none.err, /no serving manifest is published in the online store \(sqlite\)/);
  assert.match(none.err, /run `palette apply`/);
  const noneListed = palette(['catalog', 'list', '--published']);
  assert.equal(noneListed.code, 1);
  assert.match(noneListed.err, /no registry is published in the online store \(.*online\.db\)/);

  const dry = palette(['apply', '--online-only', '--dry-run']);
  assert.equal(dry.code, 0, dry.err);
  const hash1 = (JSON.parse(readFileSync(join(repo, 'build', 'serving-manifest.json'), 'utf8')) as { registryHash: string }).registryHash;
  assert.match(dry.out, new RegExp(`would publish the registry ${hash1} and its serving manifest in the online store \\(the first one\\), keeping the newest 20 publications of each`));

  const first = palette(['apply', '--online-only']);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, new RegExp(`^publish the registry ${hash1} and its serving manifest`, 'm'));
  const again = palette(['apply', '--online-only']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, new RegExp(`unchanged: registry ${hash1} and its serving manifest are the ones published in the online store`));
  assert.doesNotMatch(again.out, /^publish/m);

  const listed = palette(['catalog', 'list', '--published', '--json']);
  assert.equal(listed.code, 0, listed.err);
  assert.ok((JSON.parse(listed.out) as { namespaces: { models: { name: string }[] }[] }).namespaces[0].models.some((m) => m.name === 'rides.eta_v3'));
  const uiUrl = await uiPublished();
  const models = async () => ((await (await fetch(`${uiUrl}/api/catalog`)).json()) as { namespaces: { models: { name: string }[] }[] }).namespaces[0].models.map((m) => m.name);
  assert.ok(!(await models()).includes('rides.eta_v9'));

  const url = await serveFromStore();
  const cat1 = await (await fetch(`${url}/v1/catalog`)).json() as { registryHash: string; models: { name: string }[] };
  assert.equal(cat1.registryHash, hash1);
  const v3 = await post(url, { model: 'eta_v3', entities: [{ driver_id: 'd1' }], at: NOW });
  assert.equal(v3.status, 200, JSON.stringify(v3.json));
  assert.equal(v3.json.registryHash, hash1);
  const missing = await post(url, { model: 'eta_v9', entities: [{ driver_id: 'd1' }] });
  assert.equal(missing.status, 400);

  // A new model: compile and apply; the running sidecar serves it within a few refreshes.
  appendFileSync(join(repo, 'definitions', 'models.pal'), '\nmodel eta_v9 {\n  features driver_trip_stats.trips_7d\n}\n');
  const c = palette(['compile']);
  assert.equal(c.code, 0, c.err);
  const zero = palette(['apply', '--online-only', '--keep-publications', '0']);
  assert.equal(zero.code, 1);
  assert.match(zero.err, /--keep-publications must be a whole number >= 1/);
  // Keeping only the newest: the first build's registry and manifest are removed once the second is published.
  const second = palette(['apply', '--online-only', '--keep-publications', '1']);
  assert.equal(second.code, 0, second.err);
  assert.match(second.out, /^removed 2 publication\(s\) older than the newest 1 of each artifact$/m);
  const hash2 = (JSON.parse(readFileSync(join(repo, 'build', 'serving-manifest.json'), 'utf8')) as { registryHash: string }).registryHash;
  assert.notEqual(hash2, hash1);
  assert.match(second.out, new RegExp(`publish the registry ${hash2} and its serving manifest in the online store \\(replacing ${hash1}, published `));
  const end = Date.now() + 10_000;
  let served = hash1;
  while (served !== hash2 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    served = ((await (await fetch(`${url}/v1/catalog`)).json()) as { registryHash: string }).registryHash;
  }
  assert.equal(served, hash2, 'the sidecar follows the new publication');
  const v9 = await post(url, { model: 'eta_v9', entities: [{ driver_id: 'd1' }], at: NOW });
  assert.equal(v9.status, 200, JSON.stringify(v9.json));
  assert.deepEqual(v9.json.features, ['driver_trip_stats.trips_7d']);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, new RegExp(`palette_sidecar_manifest_info\\{registry_hash="${hash2}",source="store"\\} 1`));
  assert.doesNotMatch(metrics, new RegExp(`registry_hash="${hash1}"`), 'one series: the manifest served now');
  assert.match(metrics, /palette_sidecar_manifest_swaps_total 1/);

  // An unchanged build still trims a history longer than asked: two older rows, one per artifact.
  const db = new SqliteStore({ path: join(repo, 'data', 'online.db') });
  await db.publish('serving-manifest', 'older', '{}', 1000);
  await db.publish('registry', 'older', '{}', 1000);
  await db.close();
  const trimDry = palette(['apply', '--online-only', '--keep-publications', '1', '--dry-run']);
  assert.equal(trimDry.code, 0, trimDry.err);
  assert.match(trimDry.out, /^would remove 2 publication\(s\) older than the newest 1 of each artifact$/m);
  const trim = palette(['apply', '--online-only', '--keep-publications', '1']);
  assert.match(trim.out, /^remove 2 publication\(s\) older than the newest 1 of each artifact$/m);
  assert.doesNotMatch(palette(['apply', '--online-only', '--keep-publications', '1']).out, /remove/, 'nothing left to remove');
  const check = new SqliteStore({ path: join(repo, 'data', 'online.db'), readonly: true });
  assert.deepEqual((await check.listPublications('serving-manifest')).map((p) => p.registryHash), [hash2]);
  await check.close();
  assert.equal(((await (await fetch(`${url}/v1/catalog`)).json()) as { registryHash: string }).registryHash, hash2, 'still serving the newest');

  // The catalog of what is applied: the new model, in the terminal and in the running ui.
  const shown = palette(['catalog', 'show', 'eta_v9', '--published']);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /^model rides\.eta_v9/m);
  const uiEnd = Date.now() + 10_000;
  while (!(await models()).includes('rides.eta_v9') && Date.now() < uiEnd) await new Promise((r) => setTimeout(r, 200));
  assert.ok((await models()).includes('rides.eta_v9'), 'the ui follows the new publication');

  // `palette fetch` straight from the store with the published manifest: the new model; the
  // build folder's manifest (the default) has it too, a path without one does not.
  const f = palette(['fetch', 'eta_v9', 'driver_id=d1', '--manifest', 'store', '--json']);
  assert.equal(f.code, 0, f.err);
  const fetched = JSON.parse(f.out) as { model: string; registryHash: string };
  assert.equal(fetched.model, 'rides.eta_v9');
  assert.equal(fetched.registryHash, hash2);

  sidecar!.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => sidecar!.once('exit', r));
  assert.equal(code, 0);
  sidecar = null;
});
