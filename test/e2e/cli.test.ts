/**
 * The `palette` CLI end to end: init, check, compile, plan and catalog in a temporary
 * folder, with their exit codes (0 ok, 1 user error) and outputs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'palette-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function palette(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('init, check, compile, plan, catalog', () => {
  const init = palette(['init', 'repo']);
  assert.equal(init.code, 0, init.err);
  assert.match(init.out, /palette\.yaml/);
  const repo = join(work, 'repo');
  assert.ok(existsSync(join(repo, 'definitions', 'models.pal')));

  const again = palette(['init', 'repo']);
  assert.equal(again.code, 1);
  assert.match(again.err, /not empty/);

  const check = palette(['check'], repo);
  assert.equal(check.code, 0, check.err);
  assert.match(check.out, /ok: 5 file\(s\), 4 group\(s\), \d+ feature\(s\), 2 model\(s\)/);

  const compile = palette(['compile', '--explain'], repo);
  assert.equal(compile.code, 0, compile.err);
  for (const f of ['registry.json', 'registry.txt', 'online/cassandra.cql', 'offline/hive.hql', 'materializer-plan.json', 'serving-manifest.json']) {
    assert.ok(existsSync(join(repo, 'build', f)), f);
  }
  assert.match(compile.out, /group rides\.driver_trip_stats windowed on rides\.driver/);
  assert.match(readFileSync(join(repo, 'build/online/cassandra.cql'), 'utf8'), /CREATE TABLE IF NOT EXISTS palette\.rides_driver_trip_stats_[0-9a-f]{8}/);

  const same = palette(['plan'], repo);
  assert.equal(same.code, 0, same.err);
  assert.match(same.out, /No changes/);

  const defs = join(repo, 'definitions', 'driver_features.pal');
  writeFileSync(defs, readFileSync(defs, 'utf8').replace('max(distance_km) over 1d', 'max(distance_km) over 2d'));
  const plan = palette(['plan'], repo);
  assert.equal(plan.code, 0, plan.err);
  assert.match(plan.out, /~ group rides\.driver_trip_stats: changed in meaning/);
  assert.match(plan.out, /max_distance_1d: max\(distance_km\) over 1d every 1h {2}→ {2}max\(distance_km\) over 2d every 1h/);

  const list = palette(['catalog', 'list'], repo);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /group {3}rides\.driver_trip_stats/);
  const show = palette(['catalog', 'show', 'avg_fare_7d', '--json'], repo);
  assert.equal(show.code, 0, show.err);
  assert.equal(JSON.parse(show.out).name, 'rides.driver_trip_stats.avg_fare_7d');
  const missing = palette(['catalog', 'show', 'avg_fair_7d'], repo);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nothing called `avg_fair_7d`/);
  const search = palette(['catalog', 'search', 'rating'], repo);
  assert.match(search.out, /rides\.driver_trip_stats\.avg_rating_30d/);
});

test('broken definitions: all diagnostics with code frames, exit 1, no stack trace', () => {
  const dir = join(work, 'broken');
  palette(['init', 'broken']);
  const f = join(dir, 'definitions', 'driver_features.pal');
  writeFileSync(f, readFileSync(f, 'utf8').replace('avg(fare)', 'avg(fair)').replace('sum(distance_km)', 'sum(status)'));
  const r = palette(['check'], dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /driver_features\.pal:\d+:\d+: error\[unknown-column\]: no column called `fair` in `trips`/);
  assert.match(r.err, /hint: did you mean `fare`\?/);
  assert.match(r.err, /error\[argument-type\]: `sum` needs a number, got a string/);
  assert.match(r.err, /\|\s+\^+/, 'a code frame with a caret');
  assert.match(r.err, /2 errors, 0 warnings in 5 files/);
  assert.doesNotMatch(r.err, /at .*\.ts:\d+/);
  const json = palette(['check', '--json'], dir);
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.out).map((d: { code: string }) => d.code).sort(), ['argument-type', 'unknown-column']);
});

test('usage errors and bad configuration are user errors', () => {
  assert.equal(palette(['compile', '--no-such-flag']).code, 1);
  assert.equal(palette(['no-such-command']).code, 1);
  const missing = palette(['check', 'does-not-exist']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no such file or folder/);
  const dir = join(work, 'badcfg');
  palette(['init', 'badcfg']);
  writeFileSync(join(dir, 'palette.yaml'), 'name: x\nonline:\n  stor: sqlite\n');
  const bad = palette(['check'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown setting `online\.stor`/);
  const help = palette(['compile', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Example:/);
});

test('output piped into a reader that stops early (`palette catalog --help | true`: the reader is gone before the first write): a quiet exit 0, no EPIPE stack trace', () => {
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${join(root, 'compiler/cli/main.ts')}" catalog --help | true`],
    { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
});
