/**
 * The CLI starts fast: building the command tree must not load the heavy runtime
 * libraries (database drivers, Kafka, HTTP servers, Arrow). A command loads what it needs
 * inside its action with `await import(...)`, so `palette check` or `palette --help` does
 * not pay for DuckDB or Cassandra.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const HEAVY = ['@duckdb', 'cassandra-driver', 'kafkajs', 'hive-driver', 'better-sqlite3', 'fastify', 'apache-arrow', 'prom-client', 'pino', 'cli-progress'];

test('building the command tree loads no heavy runtime library', () => {
  const script = `
    const { createRequire } = await import('node:module');
    const { buildProgram } = await import(${JSON.stringify(`${root}compiler/cli/program.ts`)});
    buildProgram();
    const require = createRequire(import.meta.url);
    console.log(JSON.stringify(Object.keys(require.cache)));`;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const loaded: string[] = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const heavy = HEAVY.filter((h) => loaded.some((p) => p.includes(`/node_modules/${h}/`)));
  assert.deepEqual(heavy, [], `compiler/cli loads ${heavy.join(', ')} at startup; import them inside the command's action with \`await import(...)\``);
});
