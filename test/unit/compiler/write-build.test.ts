/** writeBuild: complete output, unchanged files untouched, stale files removed, previous registry kept. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeBuild, writeBuild } from '../../../compiler/cli/compile-commands.js';
import { DEFAULT_TARGET_OPTIONS } from '../../../compiler/targets/index.js';
import { compileOk, exampleInputs } from './helpers.js';

test('a rebuild rewrites only what changed and removes what is no longer emitted', () => {
  const out = mkdtempSync(join(tmpdir(), 'palette-build-'));
  try {
    const rides = exampleInputs('rides');
    const first = writeBuild(compileOk(rides), out, DEFAULT_TARGET_OPTIONS);
    for (const p of first) assert.ok(existsSync(join(out, p)), p);
    assert.match(describeBuild(first), /registry\.json/);
    const cql = join(out, 'online/cassandra.cql');
    const old = new Date(Date.UTC(2020, 0, 1));
    utimesSync(cql, old, old);
    writeFileSync(join(out, 'stale.txt'), 'left over');
    const registryBefore = readFileSync(join(out, 'registry.json'), 'utf8');

    // Same definitions: nothing rewritten, stale file gone.
    writeBuild(compileOk(rides), out, DEFAULT_TARGET_OPTIONS);
    assert.equal(statSync(cql).mtimeMs, old.getTime());
    assert.ok(!existsSync(join(out, 'stale.txt')));
    assert.ok(!existsSync(join(out, 'previous-registry.json')), 'an unchanged registry is not rotated');

    // A change of meaning: the CQL changes, the old registry becomes previous-registry.json.
    const changed = rides.map((f) => (f.path === 'driver_features.pal' ? { ...f, text: f.text.replace('count() over 7d', 'count() over 8d') } : f));
    writeBuild(compileOk(changed), out, DEFAULT_TARGET_OPTIONS);
    assert.notEqual(statSync(cql).mtimeMs, old.getTime());
    assert.equal(readFileSync(join(out, 'previous-registry.json'), 'utf8'), registryBefore);
    assert.notEqual(readFileSync(join(out, 'registry.json'), 'utf8'), registryBefore);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
