/**
 * The sidecar benchmark's measuring instruments: the HTTP load client and the open-loop
 * generator with its pacer. If they were wrong, every latency figure in docs/serving.md would be.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpLoadClient } from '../../../bench/lib/http-load-client.js';
import { runOpenLoop } from '../../../bench/lib/open-loop.js';

let server: Server;
let port: number;
let received = 0;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/chunked') { res.writeHead(200); res.write('a'); res.end('b'); return; }
      const out = JSON.stringify({ echo: body, n: received, ü: 'ß' });
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
after(() => { server.closeAllConnections(); server.close(); });

describe('HttpLoadClient', () => {
  it('frames responses by Content-Length, status and UTF-8 body intact, over reused connections', async () => {
    const client = new HttpLoadClient({ host: '127.0.0.1', port }, 2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.post('/x', JSON.stringify({ i, s: 'é' }))));
    for (let i = 0; i < 20; i++) {
      assert.equal(answers[i].status, 200);
      const j = JSON.parse(answers[i].body) as { echo: string; ü: string };
      assert.deepEqual(JSON.parse(j.echo), { i, s: 'é' });
      assert.equal(j.ü, 'ß');
    }
    const notFound = await client.post('/missing', '{}');
    assert.equal(notFound.status, 404);
    client.close();
  });

  it('keeps to its connection cap, and counts the most connections open and requests queued for one', async () => {
    const client = new HttpLoadClient({ host: '127.0.0.1', port }, 2);
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => client.post('/x', String(i))));
    assert.deepEqual(answers.map((a) => JSON.parse(JSON.parse(a.body).echo)), [0, 1, 2, 3, 4]);
    // All five wait at first (no connection is open yet); two connections are opened, no more.
    assert.deepEqual(client.peak, { connections: 2, queued: 5 });
    client.close();
  });

  it('speaks the same HTTP over a Unix socket', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'palette-lc-')), 's.sock');
    const unixServer = createServer((req, res) => {
      const out = JSON.stringify({ url: req.url, host: req.headers.host });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
    await new Promise<void>((r) => unixServer.listen(path, () => r()));
    try {
      const client = new HttpLoadClient({ socketPath: path }, 2);
      const answers = await Promise.all([client.get('/a'), client.post('/b', '{}'), client.get('/c')]);
      assert.deepEqual(answers.map((a) => JSON.parse(a.body)), [{ url: '/a', host: 'localhost' }, { url: '/b', host: 'localhost' }, { url: '/c', host: 'localhost' }]);
      client.close();
    } finally {
      unixServer.closeAllConnections();
      await new Promise<void>((r) => unixServer.close(() => r()));
    }
  });

  it('refuses a body it cannot frame, and a server that is not there, with errors that say so', async () => {
    const client = new HttpLoadClient({ host: '127.0.0.1', port }, 1);
    await assert.rejects(client.post('/chunked', '{}'), /without Content-Length/);
    client.close();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(new HttpLoadClient({ socketPath: join(tmpdir(), `palette-none-${process.pid}.sock`) }, 1).post('/x', '{}'), /cannot connect to unix:.*ENOENT/);
    await assert.rejects(new HttpLoadClient({ host: '127.0.0.1', port: freePort }, 1).post('/x', '{}'), /cannot connect to 127\.0\.0\.1:/);
  });
});

describe('runOpenLoop', () => {
  it('sends every request at its rate, on time, and counts latency from the due time', async () => {
    const sentAt: number[] = [];
    const r = await runOpenLoop(async () => { sentAt.push(performance.now()); await new Promise((res) => setTimeout(res, 5)); }, { rate: 1000, durationMs: 500, maxRequests: 10_000 });
    assert.equal(r.sent, 500);
    assert.equal(r.measured, 500);
    assert.equal(r.errors, 0);
    // A 5 ms server: no latency can be below it (the pacer must not start the clock late).
    assert.ok(r.p50 >= 5 && r.p50 < 50, `p50 ${r.p50}`);
    // 500 requests in ~0.5 s: sent over the duration, not in a burst.
    const span = sentAt[sentAt.length - 1] - sentAt[0];
    assert.ok(span > 400 && span < 1500, `span ${span} ms`);
  });

  it('stops at maxRequests and reports failures as errors, not latencies', async () => {
    let i = 0;
    const r = await runOpenLoop(async () => { if (i++ % 2) throw new Error('boom'); }, { rate: 2000, durationMs: 10_000, maxRequests: 100 });
    assert.equal(r.sent, 100);
    assert.equal(r.errors, 50);
    assert.equal(r.measured, 50);
    assert.equal(r.firstError, 'boom');
  });

  it('splits the figures by class: each class has its own requests, latencies and errors', async () => {
    // Slices of 50 requests take turns: class 0 answers in 2 ms, class 1 in 40 ms and fails every
    // 10th. (The gap leaves room for timers firing late on a busy machine: with 12 ms, the fast
    // class's p99 once came out at 14.9 ms while other work ran.)
    const classOf = (i: number) => Math.floor(i / 50) % 2;
    const r = await runOpenLoop(async (i) => {
      await new Promise((res) => setTimeout(res, classOf(i) === 0 ? 2 : 40));
      if (classOf(i) === 1 && i % 10 === 0) throw new Error(`slow ${i}`);
    }, { rate: 1000, durationMs: 400, maxRequests: 400, warmupMs: 100, classes: { count: 2, classOf } });
    const [fast, slow] = r.byClass!;
    assert.equal(fast.sent + slow.sent, r.sent);
    assert.equal(fast.sent, 200);
    assert.equal(slow.sent, 200);
    assert.equal(fast.errors, 0);
    assert.equal(slow.errors, 20);
    assert.equal(r.errors, 20);
    assert.match(slow.firstError ?? '', /^slow \d+$/);
    // The first 100 ms (requests 0-99: one slice of each) are warm-up.
    assert.equal(fast.measured, 150);
    assert.equal(slow.measured, 135);
    assert.equal(r.measured, fast.measured + slow.measured);
    assert.ok(fast.p99 < 40, `fast p99 ${fast.p99}`);
    assert.ok(slow.p50 >= 40, `slow p50 ${slow.p50}`);
    assert.deepEqual([...r.latenciesMs!].sort((a, b) => a - b), [...fast.latenciesMs!, ...slow.latenciesMs!].sort((a, b) => a - b));
    // Each class ran at the full rate during its own slices.
    assert.ok(fast.achievedRate > 500, `fast achieved ${fast.achievedRate}/s`);
  });
});
