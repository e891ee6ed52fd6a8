/**
 * The sidecar's HTTP server (fastify 5; chosen over node:http by measurement, see
 * sidecar/README.md).
 *
 *   POST /v1/features  feature values (body: sidecar/feature-request.ts; answer: FeatureResponse)
 *   GET  /v1/catalog   the models and groups it serves, with their keys (for clients and `palette fetch --via`)
 *   GET  /healthz      alive: the process answers (liveness probe)
 *   GET  /readyz       ready: manifest loaded, the online store answers a ping, not shutting down
 *   GET  /metrics      Prometheus text
 *
 * Contracts: a bad request is a 4xx with `{"error": {"code", "message", "hint"?}}`, never a
 * 500 (a 500 is a bug, logged with its stack); with a token configured, /v1/* needs
 * `Authorization: Bearer <token>` (probes and metrics stay open so kubelet and Prometheus
 * need no secret); bodies over maxBodyBytes are 413; only application/json bodies are read.
 * close() drains: readiness turns false, the listener stops, requests in flight finish
 * (up to drainTimeoutMs, then connections are cut), then the store is closed.
 *
 * Unix socket (optional, `socketPath`): the same routes also answer on a Unix domain socket,
 * for a model in the same pod that mounts the socket's folder (an emptyDir shared by the two
 * containers): no port to agree on, access by file permissions. It skips the TCP loopback
 * stack, but that made no measurable difference to CPU or latency here (bench/sidecar-bench.ts
 * --socket, docs/serving.md#speed). TCP stays on for the probes and Prometheus, which only
 * speak TCP. The socket is made
 * mode 0660 (owner and group: a pod's containers share a group through fsGroup); a socket
 * file left by a sidecar that died is replaced, one another process listens on is an error.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { UserError } from '../runtime/errors.js';
import type { FeatureService } from './feature-service.js';
import type { SidecarMetrics } from './metrics.js';
import { RequestError } from './request-error.js';

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

/** fastify's keep-alive and request timeouts, for the Unix socket's server as for its own. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const REQUEST_TIMEOUT_MS = 30_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Model label for metrics, set once the request is resolved. */
    paletteModel?: string;
  }
}

export interface Sidecar {
  readonly app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;
  /** Start listening; resolves to the base URL (http://host:port). */
  listen(): Promise<string>;
  /** The Unix socket it also answers on, once listening; null if none. */
  readonly socketPath: string | null;
  /** Drain and stop (idempotent). Closes the store. */
  close(): Promise<void>;
  readonly draining: boolean;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export function createSidecar(service: FeatureService, options: ServerOptions, metrics: SidecarMetrics, log: Logger): Sidecar {
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  // Only JSON bodies: without this, fastify would hand text/plain bodies to the route as strings.
  app.removeContentTypeParser('text/plain');
  const tokenHash = options.token === null ? null : sha(options.token);
  let draining = false;
  let featureRequests = 0;
  let closing: Promise<void> | null = null;
  let socketServer: Server | null = null;

  // Callback-style hooks: no promise per request and hook (this is the per-request path).
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    metrics.inFlight.inc();
    if (tokenHash !== null && req.url.startsWith('/v1/')) {
      const h = req.headers.authorization;
      const given = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : null;
      // Compare fixed-length digests in constant time: neither length nor prefix leaks.
      if (given === null || !timingSafeEqual(sha(given), tokenHash)) {
        reply.header('www-authenticate', 'Bearer');
        done(new RequestError('unauthorized', given === null ? 'this sidecar needs `Authorization: Bearer <token>`' : 'the bearer token is wrong'));
        return;
      }
    }
    done();
  });
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    metrics.inFlight.dec();
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(route, req.paletteModel ?? '-', String(reply.statusCode), reply.elapsedTime / 1000);
    // One line per request at debug level only: at thousands of requests/s, metrics are the record.
    if (log.isLevelEnabled('debug')) req.log.debug({ route, model: req.paletteModel, code: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
    done();
  });

  app.setErrorHandler((err: FastifyError | RequestError, req, reply) => {
    if (err instanceof RequestError) return reply.code(err.status).send(err.toJSON());
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // fastify's own checks of the raw request: body size, media type, JSON syntax.
      const code = status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_json';
      const message = status === 413 ? `the request body is larger than ${options.maxBodyBytes} bytes`
        : status === 415 ? 'send the request body as application/json'
          : `the request body is not valid JSON: ${err.message}`;
      return reply.code(status).send(new RequestError(code, message).toJSON());
    }
    req.log.error({ err, url: req.url }, 'internal error while answering a request');
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error in the sidecar; its log has the details' } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new RequestError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`,
      'routes: POST /v1/features, GET /v1/catalog, /healthz, /readyz, /metrics').toJSON());
  });

  app.post('/v1/features', async (req, reply) => {
    if (featureRequests >= options.maxInFlight) {
      reply.header('retry-after', '1');
      throw new RequestError('overloaded', `the sidecar is answering ${featureRequests} requests already (serving.maxInFlight)`, 'retry shortly, or add sidecar capacity');
    }
    featureRequests++;
    try {
      // Resolve first so that metrics carry the model even when the reads fail.
      const parsed = service.parse(req.body);
      req.paletteModel = parsed.plan.model ?? 'features';
      return await service.fetch(parsed);
    } finally {
      featureRequests--;
    }
  });
  app.get('/v1/catalog', async () => service.catalog.summary());
  app.get('/healthz', async () => ({ status: 'alive' }));
  let pinging: Promise<void> | null = null;
  app.get('/readyz', async (_req, reply) => {
    if (draining) {
      metrics.ready.set(0);
      return reply.code(503).send({ ready: false, reason: 'shutting down' });
    }
    try {
      // One ping at a time however many probes arrive.
      pinging ??= service.ping(options.readyTimeoutMs).finally(() => { pinging = null; });
      await pinging;
      metrics.ready.set(1);
      return { ready: true, registryHash: service.catalog.registryHash, store: service.store.kind };
    } catch (err) {
      metrics.ready.set(0);
      return reply.code(503).send({ ready: false, reason: `online store (${service.store.kind}) unreachable: ${(err as Error).message}` });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      metrics.ready.set(0);
      const inFlight = Promise.all([app.close(), socketServer === null ? null : closeServer(socketServer)]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        inFlight.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), options.drainTimeoutMs); }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        log.warn({ drainTimeoutMs: options.drainTimeoutMs }, 'requests still in flight after the drain timeout: closing their connections');
        app.server.closeAllConnections();
        socketServer?.closeAllConnections();
        await inFlight;
      }
      await service.store.close();
      log.info('sidecar stopped');
    })();
    return closing;
  };

  return {
    app,
    get draining() { return draining; },
    async listen() {
      // Connect to the store before taking traffic, so that the first requests do not pay
      // for it. Not fatal: a store that is down now is reported by /readyz until it is back.
      try {
        await service.ping(Math.max(options.readyTimeoutMs, 5000));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'the online store is not reachable yet; /readyz stays false until it is');
      }
      const url = await app.listen({ host: options.host, port: options.port });
      if (options.socketPath !== null) {
        try {
          // fastify's request handler, as its own server has it: same routes, hooks and limits.
          socketServer = await listenOnSocket(options.socketPath, app.routing);
        } catch (e) {
          await app.close(); // nothing half-started: no TCP listener without the socket asked for
          throw e;
        }
      }
      return url;
    },
    get socketPath() { return socketServer === null ? null : options.socketPath; },
    close,
  };
}

/**
 * An HTTP server on the Unix socket `path`, answering with `handler`. A socket file left by
 * a process that died is removed first; a path another process listens on, or one that is
 * not a socket, is an error that says so.
 */
async function listenOnSocket(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
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
  const server = createServer(handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
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
