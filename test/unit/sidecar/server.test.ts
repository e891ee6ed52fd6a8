/**
 * The HTTP side: bearer token, probes, metrics, the catalog route, draining on close, and
 * a real socket on loopback for `palette fetch --via`'s client.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect as netConnect } from 'node:net';
import inject from 'light-my-request';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../../../runtime/errors.js';
import { callSidecar, renderResponse, requestBody } from '../../../sidecar/fetch-client.js';
import type { FeatureResponse } from '../../../sidecar/feature-service.js';
import type { CatalogSummary } from '../../../sidecar/serving-catalog.js';
import { NOW, testSidecar } from './helpers.js';

const body = { model: 'rides.eta_v3', entities: [{ driver_id: 'd1' }], at: NOW };

describe('sidecar server', () => {
  it('needs the bearer token on /v1/* when one is set, but not on probes and metrics', async () => {
    const s = await testSidecar({ server: { token: 's3cret' } });
    let r = await s.post(body);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'unauthorized');
    assert.equal(r.headers['www-authenticate'], 'Bearer');
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(r.json.error.message, /Authorization: Bearer/);
    r = await s.post(body, { authorization: 'Bearer s3cre' });
    assert.equal(r.status, 401);
    assert.match(r.json.error.message, /wrong/);
    r = await s.post(body, { authorization: 'Basic s3cret' });
    assert.equal(r.status, 401);
    assert.equal(s.store.reads.length, 0);
    r = await s.post(body, { authorization: 'Bearer s3cret' });
    assert.equal(r.status, 200);
    assert.equal((await s.get('/v1/catalog')).status, 401);
    assert.equal((await s.get('/v1/catalog', { authorization: 'Bearer s3cret' })).status, 200);
    assert.equal((await s.get('/healthz')).status, 200);
    assert.equal((await s.get('/readyz')).status, 200);
    assert.equal((await s.get('/metrics')).status, 200);
  });

  it('is ready when the store answers a ping, and not when it does not', async () => {
    const s = await testSidecar();
    let r = await s.get('/readyz');
    assert.equal(r.status, 200);
    assert.equal(r.json.ready, true);
    s.store.pingFails = true;
    r = await s.get('/readyz');
    assert.equal(r.status, 503);
    assert.equal(r.json.ready, false);
    assert.match(r.json.reason, /unreachable: fake store unreachable/);
    assert.equal((await s.get('/healthz')).status, 200, 'still alive');
    s.store.pingFails = false;
    assert.equal((await s.get('/readyz')).status, 200, 'ready again by itself');
  });

  it('exports latency per route and model, entities and statuses on /metrics', async () => {
    const s = await testSidecar();
    await s.post(body);
    await s.post({ features: ['rides.driver_profile.city'], entities: [{ driver_id: 'd1' }, { driver_id: 'd2' }] });
    await s.post({ model: 'nope', entities: [] });
    const m = await s.get('/metrics');
    assert.match(m.text, /palette_sidecar_request_duration_seconds_count\{route="\/v1\/features",model="rides.eta_v3",code="200"} 1/);
    assert.match(m.text, /palette_sidecar_request_duration_seconds_count\{route="\/v1\/features",model="features",code="200"} 1/);
    assert.match(m.text, /palette_sidecar_request_duration_seconds_count\{route="\/v1\/features",model="-",code="400"} 1/);
    assert.match(m.text, /palette_sidecar_request_duration_seconds_bucket\{le="0.005",route="\/v1\/features"/);
    assert.match(m.text, /palette_sidecar_entities_total\{model="features"} 2/);
    assert.match(m.text, /palette_sidecar_group_reads_total\{status="ok"}/);
    assert.match(m.text, /palette_sidecar_store_read_duration_seconds_count\{group="rides.driver_trip_stats",kind="tiles"} 1/);
  });

  it('refuses requests past maxInFlight at once with 503 overloaded, and takes them again after', async () => {
    const s = await testSidecar({ server: { maxInFlight: 2 }, service: { deadlineMs: 1000 } });
    s.store.delayMs.set('rides.driver_trip_stats', 100);
    const t0 = performance.now();
    const [a, b, c] = await Promise.all([s.post(body), s.post(body), (async () => {
      await new Promise((r) => setTimeout(r, 20));
      const t = performance.now();
      const r = await s.post(body);
      return { ...r, ms: performance.now() - t };
    })()]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(c.status, 503);
    assert.equal(c.json.error.code, 'overloaded');
    assert.equal(c.headers['retry-after'], '1');
    assert.equal(a.headers['content-length'], String(Buffer.byteLength(JSON.stringify(a.json))), 'the answer as sent, whole');
    assert.ok(c.ms < 50, `refused at once (${c.ms.toFixed(1)} ms)`);
    assert.ok(performance.now() - t0 >= 100);
    assert.equal((await s.post(body)).status, 200, 'admitted again once the others finished');
  });

  it('lists what it serves on /v1/catalog', async () => {
    const s = await testSidecar();
    const c = (await s.get('/v1/catalog')).json as CatalogSummary;
    const eta = c.models.find((m) => m.name === 'rides.eta_v3')!;
    assert.deepEqual(eta.keys, [{ name: 'driver_id', type: 'string' }]);
    assert.equal(eta.outputs[0], 'driver_trip_stats.trips_1h');
    assert.ok(c.groups.some((g) => g.name === 'rides.rider_activity' && g.keys[0].name === 'rider_id'));
  });

  it('drains on close: a request in flight finishes, one arriving is refused, then the store closes', { timeout: 10_000 }, async () => {
    const s = await testSidecar({ service: { deadlineMs: 1000 } });
    s.store.delayMs.set('rides.driver_trip_stats', 150);
    const inFlight = s.post(body);
    await new Promise((r) => setTimeout(r, 30));
    const closing = s.sidecar.close();
    assert.equal(s.sidecar.draining, true);
    // A request that still arrives (on a connection already open) is refused, and its connection closed.
    const late = await inject(s.sidecar.handler, { method: 'GET', url: '/readyz' });
    assert.equal(late.statusCode, 503);
    assert.equal(late.json().error.code, 'shutting_down');
    assert.equal(late.headers.connection, 'close');
    const r = await inFlight;
    assert.equal(r.status, 200, 'the request in flight was answered');
    assert.equal(r.json.results[0].statuses['driver_trip_stats.trips_1h'], 'ok');
    await closing;
    assert.equal(s.store.closed, true);
  });

  it('answers HEAD on its GET routes, and a known path with another method is 405 with Allow', async () => {
    const s = await testSidecar();
    const head = await inject(s.sidecar.handler, { method: 'HEAD', url: '/healthz' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength('{"status":"alive"}')));
    const wrong = await inject(s.sidecar.handler, { method: 'GET', url: '/v1/features' });
    assert.equal(wrong.statusCode, 405);
    assert.equal(wrong.headers.allow, 'POST');
    assert.equal(wrong.json().error.code, 'method_not_allowed');
    const del = await inject(s.sidecar.handler, { method: 'DELETE', url: '/metrics?x=1' });
    assert.equal(del.statusCode, 405);
    assert.equal(del.headers.allow, 'GET, HEAD');
    const q = await inject(s.sidecar.handler, { method: 'GET', url: '/healthz?probe=1' });
    assert.equal(q.statusCode, 200, 'a query string does not change the route');
  });

  it('drains over real connections: the answer in flight closes its keep-alive connection, close() does not wait for idle sockets', async () => {
    const s = await testSidecar({ server: { port: 0 }, service: { deadlineMs: 1000 } });
    const url = new URL(await s.sidecar.listen());
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const call = (method: string, path: string, payload?: string) => new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, agent, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(payload);
    });
    try {
      assert.equal((await call('GET', '/healthz')).status, 200); // two open keep-alive connections
      assert.equal((await call('GET', '/healthz')).status, 200);
      s.store.delayMs.set('rides.driver_trip_stats', 200);
      const inFlight = call('POST', '/v1/features', JSON.stringify(body));
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      const closing = s.sidecar.close();
      const r = await inFlight;
      assert.equal(r.status, 200, 'the request in flight was answered');
      assert.equal(r.headers.connection, 'close', 'and its connection closed with it');
      await closing;
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `close() took ${ms.toFixed(0)} ms: it must not wait for keep-alive timeouts`);
      assert.equal(s.store.closed, true);
    } finally {
      agent.destroy();
    }
  });

  it('a chunked body past the limit is 413 and its connection is closed; a client gone mid-body leaves nothing in flight', async () => {
    const s = await testSidecar({ server: { port: 0, maxBodyBytes: 1024 } });
    const url = new URL(await s.sidecar.listen());
    try {
      const raw = (text: string, end: boolean) => new Promise<string>((resolve, reject) => {
        const sock = netConnect(Number(url.port), url.hostname);
        let got = '';
        sock.setEncoding('utf8');
        sock.on('data', (c: string) => { got += c; });
        sock.on('close', () => resolve(got));
        sock.on('error', reject);
        sock.write(text);
        if (!end) setTimeout(() => sock.destroy(), 100);
      });
      const chunk = 'x'.repeat(600);
      const chunked = `POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`;
      const answer = await raw(chunked, true); // the sidecar answers and closes: no terminating chunk needed
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /connection: close/i);
      assert.match(answer, /"code":"body_too_large"/);
      // Headers and half a body, then the client goes away.
      await raw('POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":', false);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await s.metrics.inFlight.get()).values[0].value, 0);
      assert.equal((await s.post(body)).status, 200, 'and it still answers');
    } finally {
      await s.sidecar.close();
    }
  });

  it('serves on a loopback socket for `palette fetch --via`, and the table shows values and statuses', async () => {
    const s = await testSidecar({ server: { port: 0, token: 'tok' } });
    const url = await s.sidecar.listen();
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const summary = await callSidecar<CatalogSummary>(url, 'v1/catalog', { token: 'tok' });
      const req = requestBody(summary, 'pricing_v1', ['driver_id=d1', 'rider_id=r1'], String(NOW));
      assert.deepEqual(req, { model: 'rides.pricing_v1', entities: [{ driver_id: 'd1', rider_id: 'r1' }], at: NOW });
      const res = await callSidecar<FeatureResponse>(url, 'v1/features', { body: req, token: 'tok' });
      assert.equal(res.results[0].statuses.demand_pressure, 'ok');
      const text = renderResponse(res, 1.25);
      assert.match(text, /rides\.pricing_v1 for driver_id=d1 rider_id=r1 at 2026-01-10T12:00:00.000Z \(1\.3 ms\)/);
      assert.match(text, /demand_pressure\s+\d[\d.]*\s+ok/);
      assert.match(text, /rides\.rider_activity\s+\w{12}\s+ok\s+2026-01-10T/);
      await assert.rejects(callSidecar(url, 'v1/features', { body: { model: 'x', entities: [] }, token: 'tok' }),
        (e: unknown) => e instanceof UserError && /HTTP 400.*no model called `x`/.test(e.message));
      await assert.rejects(callSidecar(url, 'v1/features', { body: req }), (e: unknown) => e instanceof UserError && /HTTP 401/.test(e.message));
    } finally {
      await s.sidecar.close();
    }
    await assert.rejects(callSidecar(url, 'healthz', { timeoutMs: 2000 }), (e: unknown) => e instanceof UserError && /cannot reach the sidecar/.test(e.message));
  });

  it('also answers on a Unix socket when asked: same routes and token, mode 0660, gone after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palette-sock-'));
    const path = join(dir, 'sidecar.sock');
    const s = await testSidecar({ server: { port: 0, token: 'tok', socketPath: path } });
    const url = await s.sidecar.listen();
    try {
      assert.equal(s.sidecar.socketPath, path);
      assert.ok(statSync(path).isSocket());
      assert.equal(statSync(path).mode & 0o777, 0o660);
      const viaSocket = await callSidecar<FeatureResponse>(`unix:${path}`, 'v1/features', { body, token: 'tok' });
      const viaTcp = await callSidecar<FeatureResponse>(url, 'v1/features', { body, token: 'tok' });
      assert.equal(viaSocket.results[0].statuses['driver_trip_stats.trips_1h'], 'ok');
      assert.deepEqual(viaSocket.results, viaTcp.results);
      await assert.rejects(callSidecar(`unix:${path}`, 'v1/features', { body }), (e: unknown) => e instanceof UserError && /HTTP 401/.test(e.message));
      const m = await callSidecar<unknown>(`unix:${path}`, 'healthz');
      assert.deepEqual(m, { status: 'alive' });
      // A second sidecar on the same socket path is refused while this one listens.
      const other = await testSidecar({ server: { port: 0, socketPath: path } });
      await assert.rejects(other.sidecar.listen(), /another process is listening on it/);
      await other.sidecar.close();
      assert.ok(statSync(path).isSocket(), 'the refused one left the live socket alone');
    } finally {
      await s.sidecar.close();
    }
    assert.equal(existsSync(path), false, 'the socket file is removed on close');
    await assert.rejects(callSidecar(`unix:${path}`, 'healthz', { timeoutMs: 2000 }), (e: unknown) => e instanceof UserError && /cannot reach the sidecar at unix:.*ENOENT/.test(e.message));
  });

  it('replaces a socket file left by a sidecar that died, and says what is wrong with other paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palette-sock-'));
    // A socket file nobody listens on: what a server killed with SIGKILL leaves behind.
    const stale = join(dir, 'stale.sock');
    const dead = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.stdout.write('up'))`]);
    await new Promise<void>((r) => dead.stdout.once('data', () => r()));
    dead.kill('SIGKILL');
    await new Promise<void>((r) => dead.once('exit', () => r()));
    assert.ok(statSync(stale).isSocket());
    const s = await testSidecar({ server: { port: 0, socketPath: stale } });
    await s.sidecar.listen();
    try {
      assert.deepEqual(await callSidecar(`unix:${stale}`, 'healthz'), { status: 'alive' });
    } finally {
      await s.sidecar.close();
    }
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    const a = await testSidecar({ server: { port: 0, socketPath: file } });
    await assert.rejects(a.sidecar.listen(), (e: unknown) => e instanceof UserError && /a file that is not a socket is there/.test(e.message));
    assert.equal(statSync(file).size, 7, 'the file is untouched');
    const b = await testSidecar({ server: { port: 0, socketPath: join(dir, 'missing', 'x.sock') } });
    await assert.rejects(b.sidecar.listen(), (e: unknown) => e instanceof UserError && /its folder .*missing does not exist/.test(e.message));
    const long = join(dir, `${'s'.repeat(120)}.sock`);
    const c = await testSidecar({ server: { port: 0, socketPath: long } });
    await assert.rejects(c.sidecar.listen(), (e: unknown) => e instanceof UserError && /the path is \d+ bytes, and a Unix socket path has at most 107/.test(e.message));
    assert.equal(existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('sss')), false, 'no truncated socket left behind');
    await assert.rejects(callSidecar('unix:', 'healthz'), /needs the socket's path/);
  });

  it('builds fetch requests from NAME key=value: models, groups, typed keys, clear errors', async () => {
    const s = await testSidecar();
    const summary = s.service.catalog.summary();
    assert.deepEqual(requestBody(summary, 'driver_trip_stats', ['driver_id=d1']), { features: ['rides.driver_trip_stats.*'], entities: [{ driver_id: 'd1' }] });
    assert.deepEqual(requestBody(summary, 'rides.eta_v3', ['driver_id=42'], '2026-01-10T00:00:00Z'), { model: 'rides.eta_v3', entities: [{ driver_id: '42' }], at: '2026-01-10T00:00:00Z' });
    assert.throws(() => requestBody(summary, 'eta', ['driver_id=d1']), /no model or group called `eta`/);
    assert.throws(() => requestBody(summary, 'eta_v3', ['driver_id']), /`driver_id` is not key=value/);
  });
});
