/**
 * `palette verify` end to end on the embedded default: backfill the rides model, upload it to
 * the SQLite online store, and the online values at the end of a day equal the offline daily
 * state (exit 0); drop the online tiles of that day and verify reports the differences
 * feature by feature with an example (exit 1); clear errors for unknown names and days.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { scaffold } from '../../compiler/cli/init-command.js';
import { writeSampleData } from '../../compiler/cli/quickstart-data.js';
import { DuckDbSession } from '../../runtime/offline/duckdb-session.js';
import { loadConfig } from '../../runtime/config/palette-config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'palette-verify-cli-'));
const repo = join(work, 'rides');
const DATA = { start: '2026-01-01', days: 10, seed: 11, candidateTrips: 20_000, drivers: 120, riders: 300 };

function palette(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts'), ...args],
    { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Report {
  consistent: boolean;
  groups: { group: string; day: string; entities: number; matching: number; missingOnline: number; diffs: { feature: string; mismatches: number; example: { key: unknown[]; online: unknown; offline: unknown } }[] }[];
}

describe('palette verify', () => {
  before(async () => {
    scaffold(repo, 'rides');
    const session = await DuckDbSession.open({ threads: 2 });
    try {
      await writeSampleData(session, { ...DATA, offlinePath: join(repo, 'data', 'offline') });
    } finally {
      session.close();
    }
    const b = palette(['backfill', 'eta_v3', '--from', '2026-01-01', '--to', '2026-01-10']);
    assert.equal(b.code, 0, b.err);
    for (const g of ['driver_trip_stats', 'driver_profile']) {
      const u = palette(['upload', g]);
      assert.equal(u.code, 0, u.err);
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('online values at the end of the newest day equal the offline daily state', () => {
    const r = palette(['verify', 'eta_v3', '--sample', '50', '--json']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const rep = JSON.parse(r.out) as Report;
    assert.equal(rep.consistent, true);
    assert.deepEqual(rep.groups.map((g) => g.group).sort(), ['rides.driver_profile', 'rides.driver_trip_stats']);
    for (const g of rep.groups) {
      assert.equal(g.day, '2026-01-10');
      assert.equal(g.entities, 50, g.group);
      assert.equal(g.matching, 50, g.group);
      assert.equal(g.missingOnline, 0, g.group);
    }
    const text = palette(['verify', 'driver_trip_stats', '--day', '2026-01-10', '--sample', '20']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /rides\.driver_trip_stats at 2026-01-11T00:00Z \(end of 2026-01-10\): 20 of 20 entities equal/);
  });

  it('reports online tiles that are missing, feature by feature with an example, and exits 1', () => {
    const config = loadConfig(join(repo, 'palette.yaml'));
    const db = new Database(config.online.path);
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rides_driver_trip_stats%'").all() as { name: string }[];
      assert.equal(tables.length, 1);
      const gone = db.prepare(`DELETE FROM "${tables[0].name}" WHERE tile_start >= ?`).run(Date.parse('2026-01-10T00:00:00Z'));
      assert.ok(gone.changes > 0);
    } finally {
      db.close();
    }
    const r = palette(['verify', 'driver_trip_stats', '--sample', '120', '--json']);
    assert.equal(r.code, 1, `${r.out}\n${r.err}`);
    assert.match(r.err, /online and offline values differ/);
    const g = (JSON.parse(r.out) as Report).groups[0];
    assert.ok(g.matching < g.entities, JSON.stringify(g));
    assert.ok(g.diffs.length > 0);
    for (const d of g.diffs) {
      assert.ok(d.mismatches > 0);
      assert.notDeepEqual(d.example.online, d.example.offline, d.feature);
    }
    const text = palette(['verify', 'driver_trip_stats', '--sample', '120']);
    assert.equal(text.code, 1);
    assert.match(text.out, /: \d+ differ, e\.g\. key "d\d+": online .*, offline /);
  });

  it('clear errors: unknown name, a day without daily state, a bad flag', () => {
    const unknown = palette(['verify', 'no_such_thing']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no group or model called `no_such_thing`/);
    const day = palette(['verify', 'driver_trip_stats', '--day', '2025-06-01']);
    assert.equal(day.code, 1);
    assert.match(day.err, /has no daily state of 2025-06-01 .*\n?.*2026-01-01\.\.2026-01-10/);
    const bad = palette(['verify', 'driver_trip_stats', '--sample', '0']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--sample must be a whole number in \[1, 1000000\]/);
  });
});
