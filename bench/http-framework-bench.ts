/**
 * node:http against fastify 5 for the sidecar's request shape: a POST with a small JSON body
 * (one entity), a JSON answer of 20 feature values with statuses. The handler is the same
 * for both (parse, build, stringify); only the HTTP layer differs. Each server runs in a
 * child process on loopback; the open-loop generator (bench/lib/open-loop.ts) runs here.
 *
 *   node --import tsx bench/http-framework-bench.ts [--rates 1000,3000] [--seconds 8]
 *
 * Writes bench/results/http-framework.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { runOpenLoop } from './lib/open-loop.js';
import { writeResults } from './lib/results.js';

function answer(body: { model: string; entities: Record<string, string>[] }): object {
  const values: Record<string, number> = {};
  const statuses: Record<string, string> = {};
  for (let i = 0; i < 20; i++) { values[`group_${i % 3}.feature_${i}`] = i * 1.5; statuses[`group_${i % 3}.feature_${i}`] = 'ok'; }
  return { model: body.model, at: Date.now(), results: body.entities.map((key) => ({ key, values, statuses })) };
}

async function serve(kind: string): Promise<void> {
  // The parent asks for this process's CPU time around each run: CPU per request is the
  // framework's cost, and unlike tail latency it hardly moves when other jobs load the machine.
  process.on('message', () => process.send!({ cpu: process.cpuUsage() }));
  if (kind === 'node') {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const out = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  } else {
    const { default: fastify } = await import('fastify');
    const app = fastify({ logger: false, keepAliveTimeout: 60_000 });
    app.post('/v1/features', async (req) => answer(req.body as never));
    const addr = await app.listen({ port: 0, host: '127.0.0.1' });
    process.send!({ port: Number(new URL(addr).port) });
  }
}

async function start(kind: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { child, port };
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
  if (process.argv.includes('--serve')) return serve(arg('--serve', 'node'));
  const rates = arg('--rates', '1000,3000').split(',').map(Number);
  const seconds = Number(arg('--seconds', '8'));
  const figures: Record<string, unknown> = {};
  for (const kind of ['node', 'fastify']) {
    const { child, port } = await start(kind);
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const send = (i: number) => new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ model: 'bench.m', entities: [{ driver_id: `d${i % 100_000}` }] });
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/features', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.on('data', () => {});
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
    await runOpenLoop(send, { rate: 1000, durationMs: 3000, maxRequests: 3000 }); // warm-up (JIT)
    const cpu = () => new Promise<number>((resolve) => {
      child.once('message', (m: { cpu: NodeJS.CpuUsage }) => resolve(m.cpu.user + m.cpu.system));
      child.send('cpu');
    });
    const rows = [];
    for (const rate of rates) {
      const before = await cpu();
      const run = await runOpenLoop(send, { rate, durationMs: seconds * 1000, maxRequests: rate * seconds, warmupMs: 1000 });
      const r = { ...run, serverCpuUsPerRequest: Math.round(((await cpu()) - before) / run.sent) };
      rows.push(r);
      console.log(`${kind.padEnd(8)} ${String(rate).padStart(5)}/s  p50 ${r.p50} ms  p90 ${r.p90} ms  mean ${r.mean} ms  p99 ${r.p99} ms  p99.9 ${r.p999} ms  max ${r.max} ms  server CPU ${r.serverCpuUsPerRequest} µs/req  errors ${r.errors}  achieved ${r.achievedRate}/s`);
    }
    figures[kind] = rows;
    agent.destroy();
    child.kill('SIGTERM');
  }
  const path = writeResults('http-framework', `node --import tsx bench/http-framework-bench.ts --rates ${rates.join(',')} --seconds ${seconds}`, figures);
  console.log(`wrote ${path}`);
}

await main();
