/**
 * `palette ui`: the feature catalog in a browser. A small read-only HTTP server over the
 * compiled registry; the page (catalog-page.ts) is one self-contained HTML document that
 * asks the JSON routes below, so it needs nothing from the network but this server.
 *
 *   GET /                      the page
 *   GET /api/catalog           listCatalog: namespaces with their entities, sources, groups, models
 *   GET /api/show?name=N       showCatalog: one entity, source, group, feature or model
 *                              (404 with candidates when N is unknown or ambiguous)
 *   GET /api/search?q=WORDS    searchCatalog: features ranked by name, tags, description, owner
 *   GET /healthz               alive
 *
 * Contracts: read-only (any other method is 405); binds 127.0.0.1 unless told otherwise; a
 * registry file that changes on disk (a new `palette compile`) is read again on the next
 * request, so the page shows the last build; a registry that cannot be read is a 503 with
 * the reason, never a crash.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Registry } from '../ir/ir.js';
import { CATALOG_PAGE } from './catalog-page.js';
import { listCatalog, searchCatalog, showCatalog } from './catalog.js';

/** Where the registry comes from: asked on each request, so it may change between requests. */
export type RegistrySource = () => Registry | Promise<Registry>;

export interface CatalogServer {
  readonly server: Server;
  /** Start listening; resolves to the base URL. */
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

const MAX_QUERY = 500;

export function createCatalogServer(source: RegistrySource): CatalogServer {
  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      // A bug, not the request: say so and keep serving.
      process.stderr.write(`palette ui: internal error on ${req.method} ${req.url}: ${e.stack ?? e.message}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(`${JSON.stringify({ error: { code: 'internal', message: 'internal error in palette ui; its stderr has the details' } })}\n`);
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown, type = 'application/json; charset=utf-8') => {
      const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
      res.writeHead(status, {
        'content-type': type,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        // The page is ours alone: no framing, no outside scripts, styles or connections.
        'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const error = (status: number, code: string, message: string, extra: object = {}) => send(status, { error: { code, message, ...extra } });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return error(405, 'method_not_allowed', `the catalog is read-only: ${req.method} is not allowed`);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://catalog');
    } catch {
      return error(400, 'bad_url', 'the request URL cannot be parsed');
    }
    if (url.pathname === '/healthz') return send(200, { status: 'alive' });
    if (url.pathname === '/' || url.pathname === '/index.html') return send(200, CATALOG_PAGE, 'text/html; charset=utf-8');
    if (!url.pathname.startsWith('/api/')) return error(404, 'not_found', `no page ${url.pathname}`, { hint: 'routes: /, /api/catalog, /api/show?name=, /api/search?q=' });

    let registry: Registry;
    try {
      registry = await source();
    } catch (e) {
      return error(503, 'registry_unavailable', (e as Error).message);
    }
    switch (url.pathname) {
      case '/api/catalog':
        return send(200, {
          registryHash: registry.registryHash,
          counts: { groups: registry.groups.length, features: registry.groups.reduce((n, g) => n + g.features.length, 0), models: registry.models.length },
          ...listCatalog(registry),
        });
      case '/api/show': {
        const name = url.searchParams.get('name');
        if (!name) return error(400, 'missing_name', 'give the name to show: /api/show?name=namespace.group.feature');
        if (name.length > MAX_QUERY) return error(400, 'name_too_long', `a name is at most ${MAX_QUERY} characters`);
        const found = showCatalog(registry, name);
        if ('candidates' in found) return error(404, 'unknown_name', `nothing called \`${name}\` in the catalog`, { candidates: found.candidates.slice(0, 20) });
        return send(200, { kind: found.kind, value: found.value });
      }
      case '/api/search': {
        const q = url.searchParams.get('q') ?? '';
        if (q.length > MAX_QUERY) return error(400, 'query_too_long', `a search is at most ${MAX_QUERY} characters`);
        const results = q.trim() === '' ? [] : searchCatalog(registry, q);
        return send(200, { query: q, results: results.slice(0, 200), total: results.length });
      }
      default:
        return error(404, 'not_found', `no route ${url.pathname}`, { hint: 'routes: /api/catalog, /api/show?name=, /api/search?q=' });
    }
  };
  return {
    server,
    listen: (host, port) => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address();
        const p = typeof a === 'object' && a ? a.port : port;
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${p}`);
      });
    }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}
