/**
 * The sidecar's HTTP server: node:http, with the routing, limits and errors written here
 * (chosen over fastify by measurement, see sidecar/README.md: the same FeatureService behind
 * a bare node:http handler cost 20–30 µs less CPU per request, on the core the model shares).
 *
 *   POST /v1/features  feature values (body: sidecar/feature-request.ts; answer: FeatureResponse)
 *   GET  /v1/catalog   the models and groups it serves, with their keys (for clients and `palette fetch --via`)
 *   GET  /healthz      alive: the process answers (liveness probe)
 *   GET  /readyz       ready: manifest loaded, the online store answers a ping, not shutting down
 *   GET  /metrics      Prometheus text
 * (HEAD too for each GET route.)
 *
 * Contracts: a bad request is a 4xx with `{"error": {"code", "message", "hint"?}}`, never a
 * 500 (a 500 is a bug, logged with its stack): an unknown path is 404, a known path with
 * another method 405 (with `Allow`); with a token configured, /v1/* needs
 * `Authorization: Bearer <token>` (probes and metrics stay open so kubelet and Prometheus
 * need no secret); only application/json bodies are read (415 otherwise), at most
 * maxBodyBytes of them (413, and the connection is closed rather than the rest read); a body
 * that is not JSON, is empty, or has a `__proto__` key or a `constructor.prototype` anywhere
 * (prototype poisoning) is 400 invalid_json.
 * close() drains: readiness turns false, the listener stops, a request that still arrives on
 * an open connection gets 503 shutting_down with `Connection: close`, requests in flight
 * finish (up to drainTimeoutMs, then connections are cut), then the store is closed.
 *
 * Metrics per request (route, model, status, seconds from the request's arrival to its
 * answer handed to the socket) and the in-flight gauge are kept on the request's own path:
 * no listener or hook object per request.
 *
 * Unix socket (optional, `socketPath`): the same routes also answer on a Unix domain socket,
 * for a model in the same pod that mounts the socket's folder (an emptyDir shared by the two
 * containers): no port to agree on, access by file permissions. It skips the TCP loopback
 * stack, but that made no measurable difference to CPU or latency here (bench/sidecar-bench.ts
 * --socket, docs/serving-speed-log.md). TCP stays on for the probes and Prometheus, which only
 * speak TCP. The socket is made
 * mode 0660 (owner and group: a pod's containers share a group through fsGroup); a socket
 * file left by a sidecar that died is replaced, one another process listens on is an error.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { UserError } from '../runtime/errors.js';
import type { FeatureService } from './feature-service.js';
import type { SidecarMetrics } from './metrics.js';
import { RequestError } from './request-error.js';
import { responseJson } from './response-json.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Bearer token for /v1/*; null = no authentication. */
  readonly token: string | null;
  readonly maxBodyBytes: number;
  readonly drainTimeoutMs: number;
  /** How long /readyz waits for the store's ping. */
  readonly readyTimeoutMs: number;
  /**
   * Most feature requests answered at once; more get a fast 503 (`overloaded`). Without a
   * bound, a sidecar offered more than it can do queues requests until every answer is
   * seconds late; with it, the excess is refused at once and the rest stay fast.
   */
  readonly maxInFlight: number;
  /** Also answer on this Unix domain socket; null = TCP only. */
  readonly socketPath: string | null;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1', port: 8700, token: null, maxBodyBytes: 1_048_576, drainTimeoutMs: 10_000, readyTimeoutMs: 1000, maxInFlight: 256, socketPath: null,
};

/** Longest Unix socket path (bytes) Linux takes: sockaddr_un's 108 less the final NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** Keep-alive and whole-request timeouts, the same for the TCP and the Unix socket server. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const REQUEST_TIMEOUT_MS = 30_000;

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface Sidecar {
  /**
   * The request listener both servers use (TCP and the Unix socket). Tests can drive it
   * without a socket (light-my-request's `inject`).
   */
  readonly handler: RequestListener;
  /** Start listening; resolves to the base URL (http://host:port). */
  listen(): Promise<string>;
  /** The Unix socket it also answers on, once listening; null if none. */
  readonly socketPath: string | null;
  /** Drain and stop (idempotent). Closes the store. */
  close(): Promise<void>;
  readonly draining: boolean;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

const ROUTES = 'routes: POST /v1/features, GET /v1/catalog, /healthz, /readyz, /metrics';
const JSON_TYPE = 'application/json; charset=utf-8';
/** The routes by path: the method each answers to (GET routes answer HEAD too). */
const METHOD_OF: Readonly<Record<string, 'GET' | 'POST'>> = {
  '/v1/features': 'POST', '/v1/catalog': 'GET', '/healthz': 'GET', '/readyz': 'GET', '/metrics': 'GET',
};

/** application/json, with or without parameters (charset), in any case. */
function isJsonType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  const semi = ct.indexOf(';');
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/**
 * JSON.parse, refusing prototype poisoning: a `__proto__` key, or a `constructor` key whose
 * value has a `prototype` key, anywhere in the body. The walk runs only when the text could
 * spell one (either word, or a \u escape that could spell it): feature requests never do.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new RequestError('invalid_json', 'the request body is empty', 'send a JSON object: {"model": ..., "entities": [...]}');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RequestError('invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) { for (const x of v) walk(x); return; }
      if (Object.prototype.hasOwnProperty.call(v, '__proto__')) throw new RequestError('invalid_json', 'the request body has a `__proto__` key, which this sidecar refuses');
      const c = (v as Record<string, unknown>).constructor;
      if (Object.prototype.hasOwnProperty.call(v, 'constructor') && c !== null && typeof c === 'object' && Object.prototype.hasOwnProperty.call(c, 'prototype')) {
        throw new RequestError('invalid_json', 'the request body has a `constructor.prototype` key, which this sidecar refuses');
      }
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
    };
    walk(value);
  }
  return value;
}

export function createSidecar(service: FeatureService, options: ServerOptions, metrics: SidecarMetrics, log: Logger): Sidecar {
  const tokenHash = options.token === null ? null : sha(options.token);
  let draining = false;
  let featureRequests = 0;
  let closing: Promise<void> | null = null;
  let server: Server | null = null;
  let socketServer: Server | null = null;
  let pinging: Promise<void> | null = null;
  const debug = log.isLevelEnabled('debug');
  // Requests being answered (every route), and who waits for them to be none (close()).
  let active = 0;
  let whenIdle: (() => void) | null = null;
  /** A request is over (answered, or its client gone): exactly once per request. */
  const done = (): void => {
    metrics.requestsInFlight--;
    if (--active === 0 && whenIdle !== null) whenIdle();
  };

  /** The one way a request ends: its answer written, its metrics recorded. */
  const send = (res: ServerResponse, started: number, route: string, model: string, status: number, body: string, type = JSON_TYPE, extra?: Record<string, string>): void => {
    if (!res.headersSent) {
      // While draining, every answer closes its connection, so that the listeners can stop.
      if (draining) res.shouldKeepAlive = false;
      // writeHead with the whole header object: node:http then writes it as given, where
      // setHeader validates and stores each header first (on every answer's path).
      const headers: Record<string, string | number> = { 'content-type': type, 'content-length': Buffer.byteLength(body) };
      if (extra) for (const k in extra) headers[k] = extra[k];
      res.writeHead(status, headers);
      res.end(res.req.method === 'HEAD' ? undefined : body);
    }
    done();
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest(route, model, String(status), seconds);
    // One line per request at debug level only: at thousands of requests/s, metrics are the record.
    if (debug) log.debug({ route, model, code: status, ms: Math.round(seconds * 100_000) / 100 }, 'request');
  };
  const sendError = (res: ServerResponse, started: number, route: string, model: string, err: unknown, extra?: Record<string, string>): void => {
    if (err instanceof RequestError) {
      send(res, started, route, model, err.status, JSON.stringify(err.toJSON()), JSON_TYPE, extra);
      return;
    }
    log.error({ err, url: res.req.url }, 'internal error while answering a request');
    send(res, started, route, model, 500, JSON.stringify({ error: { code: 'internal', message: 'internal error in the sidecar; its log has the details' } }));
  };

  /** POST /v1/features: read the body (JSON, within the limit), answer it. */
  const features = (req: IncomingMessage, res: ServerResponse, started: number): void => {
    const route = '/v1/features';
    if (!isJsonType(req.headers['content-type'])) {
      sendError(res, started, route, '-', new RequestError('unsupported_media_type', 'send the request body as application/json'));
      return;
    }
    const tooLarge = () => {
      res.shouldKeepAlive = false; // the rest of the body is not read: the connection cannot serve another request
      sendError(res, started, route, '-', new RequestError('body_too_large', `the request body is larger than ${options.maxBodyBytes} bytes`), { connection: 'close' });
    };
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > options.maxBodyBytes) { tooLarge(); return; }
    if (featureRequests >= options.maxInFlight) {
      sendError(res, started, route, '-', new RequestError('overloaded', `the sidecar is answering ${featureRequests} requests already (serving.maxInFlight)`, 'retry shortly, or add sidecar capacity'), { 'retry-after': '1' });
      return;
    }
    featureRequests++;
    let size = 0;
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      featureRequests--;
    };
    req.on('data', (chunk: Buffer) => {
      if (ended) return;
      size += chunk.length;
      if (size > options.maxBodyBytes) { end(); tooLarge(); return; }
      if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    req.on('error', () => { if (!ended) { end(); done(); } }); // the client went away: nothing to answer
    req.on('end', () => {
      if (ended) return;
      let model = '-';
      let parsed;
      try {
        const text = more !== null ? Buffer.concat(more).toString('utf8') : first === null ? '' : (first as Buffer).toString('utf8');
        // Resolve first so that metrics carry the model even when the reads fail.
        parsed = service.parse(parseJsonBody(text));
        model = parsed.plan.model ?? 'features';
      } catch (err) {
        end();
        sendError(res, started, route, model, err);
        return;
      }
      service.fetch(parsed).then(
        (answer) => { end(); send(res, started, route, model, 200, responseJson(answer)); },
        (err: unknown) => { end(); sendError(res, started, route, model, err); },
      );
    });
  };

  const readyz = (res: ServerResponse, started: number): void => {
    const route = '/readyz';
    // One ping at a time however many probes arrive.
    pinging ??= service.ping(options.readyTimeoutMs).finally(() => { pinging = null; });
    pinging.then(
      () => {
        metrics.ready.set(1);
        send(res, started, route, '-', 200, JSON.stringify({ ready: true, registryHash: service.catalog.registryHash, store: service.store.kind }));
      },
      (err: unknown) => {
        metrics.ready.set(0);
        send(res, started, route, '-', 503, JSON.stringify({ ready: false, reason: `online store (${service.store.kind}) unreachable: ${(err as Error).message}` }));
      },
    );
  };

  const handler: RequestListener = (req, res) => {
    const started = performance.now();
    metrics.requestsInFlight++;
    active++;
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const method = req.method ?? 'GET';
      const expected = METHOD_OF[path];
      const route = expected === undefined ? 'unmatched' : path;
      if (draining) {
        res.shouldKeepAlive = false;
        if (route === '/readyz') metrics.ready.set(0);
        sendError(res, started, route, '-', new RequestError('shutting_down', 'the sidecar is shutting down', 'retry on another replica'), { connection: 'close' });
        return;
      }
      if (tokenHash !== null && path.startsWith('/v1/')) {
        const h = req.headers.authorization;
        const given = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : null;
        // Compare fixed-length digests in constant time: neither length nor prefix leaks.
        if (given === null || !timingSafeEqual(sha(given), tokenHash)) {
          sendError(res, started, route, '-', new RequestError('unauthorized', given === null ? 'this sidecar needs `Authorization: Bearer <token>`' : 'the bearer token is wrong'), { 'www-authenticate': 'Bearer' });
          return;
        }
      }
      if (expected === undefined) {
        sendError(res, started, route, '-', new RequestError('not_found', `no route ${method} ${path}`, ROUTES));
        return;
      }
      if (method !== expected && !(expected === 'GET' && method === 'HEAD')) {
        sendError(res, started, route, '-', new RequestError('method_not_allowed', `${path} answers ${expected}, not ${method}`, ROUTES), { allow: expected === 'GET' ? 'GET, HEAD' : expected });
        return;
      }
      switch (path) {
        case '/v1/features': features(req, res, started); return;
        case '/v1/catalog': send(res, started, route, '-', 200, JSON.stringify(service.catalog.summary())); return;
        case '/healthz': send(res, started, route, '-', 200, '{"status":"alive"}'); return;
        case '/readyz': readyz(res, started); return;
        case '/metrics':
          metrics.registry.metrics().then(
            (text) => send(res, started, route, '-', 200, text, metrics.registry.contentType),
            (err: unknown) => sendError(res, started, route, '-', err),
          );
          return;
      }
    } catch (err) {
      sendError(res, started, 'unmatched', '-', err);
    }
  };

  /** One listener's server (TCP, or the Unix socket): the same handler and timeouts. */
  const newServer = (): Server => createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, handler);

  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      metrics.ready.set(0);
      const answered = active === 0 ? Promise.resolve() : new Promise<void>((r) => { whenIdle = r; });
      const listeners = Promise.all([server === null ? null : closeServer(server), socketServer === null ? null : closeServer(socketServer)]);
      const inFlight = Promise.all([answered, listeners]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        inFlight.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), options.drainTimeoutMs); }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        log.warn({ drainTimeoutMs: options.drainTimeoutMs }, 'requests still in flight after the drain timeout: closing their connections');
        server?.closeAllConnections();
        socketServer?.closeAllConnections();
        await listeners; // requests still being answered are cut with their connections
      }
      await service.store.close();
      log.info('sidecar stopped');
    })();
    return closing;
  };

  return {
    handler,
    get draining() { return draining; },
    async listen() {
      // Connect to the store before taking traffic, so that the first requests do not pay
      // for it. Not fatal: a store that is down now is reported by /readyz until it is back.
      try {
        await service.ping(Math.max(options.readyTimeoutMs, 5000));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'the online store is not reachable yet; /readyz stays false until it is');
      }
      const tcp = newServer();
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', (e) => reject(new UserError(`cannot listen on ${options.host}:${options.port}: ${e.message}`, (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'another process uses the port: choose another with --port or serving.port' : undefined)));
        tcp.listen(options.port, options.host, () => resolve());
      });
      server = tcp;
      if (options.socketPath !== null) {
        try {
          socketServer = await listenOnSocket(options.socketPath, newServer());
        } catch (e) {
          await closeServer(tcp); // nothing half-started: no TCP listener without the socket asked for
          server = null;
          throw e;
        }
      }
      const addr = tcp.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${host}:${addr.port}`;
    },
    get socketPath() { return socketServer === null ? null : options.socketPath; },
    close,
  };
}

/**
 * `server` listening on the Unix socket `path`. A socket file left by
 * a process that died is removed first; a path another process listens on, or one that is
 * not a socket, is an error that says so.
 */
async function listenOnSocket(path: string, server: Server): Promise<Server> {
  // sockaddr_un holds 108 bytes with the final NUL; Node would silently bind a truncated name.
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new UserError(`cannot listen on the Unix socket ${path}: the path is ${Buffer.byteLength(path)} bytes, and a Unix socket path has at most ${MAX_SOCKET_PATH_BYTES}`, 'choose a shorter path, e.g. /var/run/palette/sidecar.sock');
  if (!existsSync(dirname(path))) throw new UserError(`cannot listen on the Unix socket ${path}: its folder ${dirname(path)} does not exist`, 'serving.socket must be in an existing folder (in a pod: a volume mounted in both containers)');
  let isSocket = false;
  try {
    isSocket = lstatSync(path).isSocket();
    if (!isSocket) throw new UserError(`cannot listen on the Unix socket ${path}: a file that is not a socket is there`, 'serving.socket names the socket the sidecar creates: choose a path nothing else uses');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (isSocket) {
    const live = await new Promise<boolean>((resolve) => {
      const probe = connect(path);
      probe.once('connect', () => { probe.destroy(); resolve(true); });
      probe.once('error', () => resolve(false));
    });
    if (live) throw new UserError(`cannot listen on the Unix socket ${path}: another process is listening on it`, 'is another `palette serve` running with the same serving.socket?');
    unlinkSync(path); // left by a sidecar that did not stop cleanly
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UserError(`cannot listen on the Unix socket ${path}: ${e.message}`)));
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o660);
  return server;
}

/** Stop accepting, let idle keep-alive connections go, resolve when every connection is done. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
