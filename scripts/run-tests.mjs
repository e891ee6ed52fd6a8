#!/usr/bin/env node
// Runs Palette's tests with node's test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs unit   fast tests: no external services
//   node scripts/run-tests.mjs all    every test (what `npm test` and CI run)
// Test files are test/**/*.test.ts. Files under test/integration/ need real services.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const mode = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const all = find(join(root, 'test')).map((p) => relative(root, p)).sort();
const isIntegration = (p) => p.startsWith('test/integration/');
const files = mode === 'unit' ? all.filter((p) => !isIntegration(p)) : all;
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...extra, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TZ: 'UTC' },
});
process.exit(result.status ?? 1);
