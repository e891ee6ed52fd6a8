/**
 * Tests and benchmarks run through tsx, which strips types without checking them, and the
 * build (tsconfig.json) covers only the product's sources. This runs the TypeScript checker
 * over everything (tsconfig.all.json), so that a test or a benchmark that no longer matches
 * the code it drives fails here rather than misleading at run time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

test('sources, tests and benchmarks type-check (tsconfig.all.json)', { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.all.json'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc -p tsconfig.all.json:\n${r.stdout}${r.stderr}`);
});
