/**
 * Two stripped-down HTTP servers for bench/sidecar-bench.ts, to split the sidecar's cost:
 *
 * - `reads` (--proxy): the least an HTTP sidecar over cassandra-driver can do. A node:http
 *   server that, per POST, parses the JSON body, runs the given prepared reads for its first
 *   entity through one cassandra-driver client with the raw client's settings (the Cassandra
 *   store's: token-aware, LOCAL_ONE, one connection, prepared), waits for all of them, and
 *   answers with the row counts. No framework, validation, tile decoding, merge, features,
 *   metrics or logging: a floor, not a product. Its latency, from the same generator on the
 *   same CPUs as the sidecar's, is what the HTTP hop plus the driver's reads cost in a second
 *   process sharing the client's core. If even this misses a goal against the raw client, no
 *   sidecar built from these parts on this layout can meet it, whatever it does inside.
 *   With `workUs` (--proxy-work-us N), it also keeps the CPU busy for N µs per request after
 *   the reads, allocating nothing: the floor of a sidecar whose own work costs N µs of CPU,
 *   with no garbage to collect. What any sidecar doing that much work can at best reach.
 * - `service` (--proxy-service): the same node:http handler around the sidecar's own
 *   FeatureService (request checks, store reads, tile decoding, merge, features, the answer's
 *   JSON as the sidecar writes it) built from the bench's palette.yaml, without the sidecar's
 *   server (routes, token, limits), metrics or logging. It loads the FeatureService from
 *   dist/ (tsc's build, what `palette serve` runs; sets before this was so ran it through
 *   tsx). Against `reads` it prices Palette's read path; against the sidecar, the sidecar's
 *   server and metrics.
 *
 * Each also keeps its own view of the requests it answered, as the sidecar does in its
 * metrics (`GET /stats`, JSON: `OwnStats`): how many it answered within 1, 2, 3, 5, 10, 25 and
 * 50 ms by its own clock (from the request's headers parsed to its answer handed to the
 * socket, the sidecar's palette_sidecar_request_duration_seconds), and its garbage
 * collector's pauses by kind. So the bench can tell a server's own share of the tail from the
 * machine's, for each server alike.
 *
 * Child process: argv[2] is a JSON ReadProxyConfig; it prints `listening <port>` on stdout
 * once it answers, and ends on SIGTERM.
 */
import { createServer } from 'node:http';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { OWN_LIMITS_MS, type OwnStats } from './own-stats.js';
import { rawCassandraClient } from './raw-cassandra.js';

export type ReadProxyConfig =
  /** reads: prepared SELECTs with one `?`, the entity key; workUs: CPU to burn per request after the reads (0: none). */
  | { readonly mode: 'reads'; readonly host: string; readonly port: number; readonly reads: readonly string[]; readonly workUs?: number }
  /** config: a palette.yaml whose build and online store the FeatureService uses. */
  | { readonly mode: 'service'; readonly config: string; readonly deadlineMs: number };

/** The answer to one parsed body: a JSON text, or an Error for a 503. */
type Answer = (body: unknown) => Promise<string>;

/** Keeps the CPU busy for `us` microseconds, allocating nothing: work of a known cost and no garbage. */
function burn(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) { /* spin */ }
}

async function readsAnswer(cfg: Extract<ReadProxyConfig, { mode: 'reads' }>): Promise<{ answer: Answer; close: () => Promise<void> }> {
  const client = rawCassandraClient(`${cfg.host}:${cfg.port}`);
  const workUs = cfg.workUs ?? 0;
  await client.connect();
  return {
    answer: async (body) => {
      const key = (body as { entities: Record<string, string>[] }).entities[0].driver_id;
      const rss = await Promise.all(cfg.reads.map((cql) => client.execute(cql, [key], { prepare: true })));
      if (workUs > 0) burn(workUs);
      return JSON.stringify({ rows: rss.map((rs) => rs.rowLength) });
    },
    close: () => client.shutdown(),
  };
}

async function serviceAnswer(cfg: Extract<ReadProxyConfig, { mode: 'service' }>): Promise<{ answer: Answer; close: () => Promise<void> }> {
  // The read path as `palette serve` runs it: compiled by tsc into dist/ (bench/sidecar-bench.ts
  // builds it first), not through tsx, so that this and the sidecar differ by the server alone.
  const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
  const { loadConfig } = await import(dist('runtime/config/palette-config.js')) as typeof import('../../runtime/config/palette-config.js');
  const { openFeatureService } = await import(dist('sidecar/sidecar-setup.js')) as typeof import('../../sidecar/sidecar-setup.js');
  const { responseJson } = await import(dist('sidecar/response-json.js')) as typeof import('../../sidecar/response-json.js');
  const service = openFeatureService(loadConfig(cfg.config), { deadlineMs: cfg.deadlineMs });
  await service.ping(5000); // connected before the first request, as `palette serve` is
  return { answer: async (body) => responseJson(await service.handle(body)), close: () => service.store.close() };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as ReadProxyConfig;
  const { answer, close } = cfg.mode === 'reads' ? await readsAnswer(cfg) : await serviceAnswer(cfg);
  let requests = 0;
  const atOrUnder = OWN_LIMITS_MS.map(() => 0);
  const answered = (started: number) => {
    const ms = performance.now() - started;
    requests++;
    for (let i = OWN_LIMITS_MS.length - 1; i >= 0 && ms <= OWN_LIMITS_MS[i]; i--) atOrUnder[i]++;
  };
  const gc = { minor: { count: 0, ms: 0 }, major: { count: 0, ms: 0 }, incremental: { count: 0, ms: 0 } };
  const GC_KIND: Record<number, keyof typeof gc> = {
    [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const k = GC_KIND[(e as unknown as { detail: { kind: number } }).detail.kind];
      if (k) { gc[k].count++; gc[k].ms += e.duration; }
    }
  }).observe({ entryTypes: ['gc'] });
  const server = createServer((req, res) => {
    const started = performance.now();
    if (req.method === 'GET' && req.url === '/stats') {
      const stats: OwnStats = { requests, atOrUnderMs: Object.fromEntries(OWN_LIMITS_MS.map((l, i) => [String(l), atOrUnder[i]])), gc };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        res.writeHead(400).end(String(e));
        return;
      }
      answer(body).then(
        (out) => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out); answered(started); },
        (e: Error) => { res.writeHead(503).end(e.message); answered(started); },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
  process.once('SIGTERM', () => { server.close(); server.closeAllConnections(); void close().then(() => process.exit(0)); });
}

await main();
