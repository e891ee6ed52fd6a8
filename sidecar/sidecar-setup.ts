/**
 * Putting a sidecar together from palette.yaml: the manifest, the online store (through
 * runtime/stores/open-store.ts, so any store behind the OnlineStore interface plugs in), the
 * feature service and the HTTP server. `palette serve`, `palette fetch` (without --via) and
 * `palette quickstart` all start here, so they read features the same way.
 *
 * Settings come from palette.yaml's `serving` section, then command-line overrides. The
 * bearer token never comes from palette.yaml itself (it is committed with the definitions):
 * PALETTE_SERVING_TOKEN, or the file `serving.tokenFile` names (e.g. a mounted secret).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { PaletteConfig } from '../runtime/config/palette-config.js';
import { UserError } from '../runtime/errors.js';
import type { OnlineStore } from '../runtime/stores/online-store.js';
import { openOnlineStore } from '../runtime/stores/open-store.js';
import { FeatureService, type FeatureServiceOptions, type ServiceLogger } from './feature-service.js';
import { loadServingManifest } from './manifest-loader.js';
import { ManifestFollower, loadPublishedCatalog } from './published-manifest.js';
import { SidecarMetrics } from './metrics.js';
import { ServingCatalog } from './serving-catalog.js';
import { type ServerOptions, type Sidecar, createSidecar } from './server.js';

export interface ServingOverrides {
  readonly manifest?: string;
  readonly host?: string;
  readonly port?: number;
  readonly deadlineMs?: number;
  readonly maxEntities?: number;
  readonly maxBodyBytes?: number;
  readonly cacheEntries?: number;
  readonly cacheTtlMs?: number;
  readonly tokenFile?: string;
  readonly maxInFlight?: number;
  /** With the manifest from the store: how often to look for a newer one, ms (0 = never). */
  readonly manifestRefreshMs?: number;
  /** Also answer on this Unix socket (see server.ts). */
  readonly socket?: string;
}

export const TOKEN_ENV = 'PALETTE_SERVING_TOKEN';

/** The bearer token: $PALETTE_SERVING_TOKEN, else the first line of the token file, else none. */
export function readToken(tokenFile: string | null): string | null {
  const env = process.env[TOKEN_ENV];
  if (env !== undefined && env !== '') return env;
  if (tokenFile === null) return null;
  if (!existsSync(tokenFile)) throw new UserError(`the serving token file ${tokenFile} does not exist`, 'set serving.tokenFile to a file holding the token, or PALETTE_SERVING_TOKEN');
  const token = readFileSync(tokenFile, 'utf8').split('\n')[0].trim();
  if (token === '') throw new UserError(`the serving token file ${tokenFile} is empty`);
  return token;
}

function positive(name: string, v: number, min = 1): number {
  if (!Number.isFinite(v) || v < min) throw new UserError(`${name} must be a number >= ${min}, not ${v}`);
  return v;
}

export function serviceOptions(config: PaletteConfig, o: ServingOverrides = {}): FeatureServiceOptions {
  const s = config.serving;
  return {
    deadlineMs: positive('serving.deadlineMs', o.deadlineMs ?? s.deadlineMs),
    limits: { maxEntities: positive('serving.maxEntities', o.maxEntities ?? s.maxEntities) },
    cache: { maxEntries: positive('serving.cache.maxEntries', o.cacheEntries ?? s.cache.maxEntries, 0), ttlMs: positive('serving.cache.ttlMs', o.cacheTtlMs ?? s.cache.ttlMs) },
  };
}

export function serverOptions(config: PaletteConfig, o: ServingOverrides = {}): ServerOptions {
  const s = config.serving;
  const port = o.port ?? s.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`serving.port must be a port number, not ${port}`);
  return {
    host: o.host ?? s.host,
    port,
    token: readToken(o.tokenFile ?? s.tokenFile),
    maxBodyBytes: positive('serving.maxBodyBytes', o.maxBodyBytes ?? s.maxBodyBytes, 64),
    drainTimeoutMs: positive('serving.drainTimeoutMs', s.drainTimeoutMs, 0),
    readyTimeoutMs: Math.min(1000, Math.max(200, o.deadlineMs ?? s.deadlineMs)),
    maxInFlight: positive('serving.maxInFlight', o.maxInFlight ?? s.maxInFlight),
    socketPath: o.socket !== undefined ? resolve(o.socket) : s.socket,
  };
}

/** The feature service over palette.yaml's online store (or `store`, for tests and embedding). */
export function openFeatureService(config: PaletteConfig, o: ServingOverrides = {}, deps: {
  store?: OnlineStore; metrics?: SidecarMetrics; log?: ServiceLogger;
} = {}): FeatureService {
  const catalog = new ServingCatalog(loadServingManifest(o.manifest ?? config.build));
  const options = serviceOptions(config, o);
  // The sidecar only reads: SQLite is opened read-only (the materializer is its writer).
  const store = deps.store ?? openOnlineStore(config.online, { readonly: true });
  return new FeatureService(catalog, store, options, deps.metrics ?? null, deps.log ?? null);
}

/**
 * The feature service over the manifest palette.yaml and the overrides name: the build's
 * file, or the newest one published in the online store (`--manifest store`, or
 * `serving.manifest: store`), read once. For one-off readers such as `palette fetch`.
 */
export async function openFeatureServiceFor(config: PaletteConfig, o: ServingOverrides = {}): Promise<FeatureService> {
  if (!manifestFromStore(config, o)) return openFeatureService(config, o);
  const { store, loaded } = await openPublished(config);
  return new FeatureService(loaded.catalog, store, serviceOptions(config, o));
}

/** The online store (read-only, or `store`) and the newest serving manifest published in it; the store is closed again if that fails. */
async function openPublished(config: PaletteConfig, store = openOnlineStore(config.online, { readonly: true })) {
  try {
    return { store, loaded: await loadPublishedCatalog(store) };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** True when the manifest comes from the online store (`--manifest store` or `serving.manifest: store`). */
export function manifestFromStore(config: PaletteConfig, o: ServingOverrides): boolean {
  return o.manifest !== undefined ? o.manifest === 'store' : config.serving.manifest === 'store';
}

/**
 * A ready-to-listen sidecar whose manifest is the newest one published in the online store
 * (sidecar/published-manifest.ts), following newer ones every serving.manifestRefreshMs.
 */
export async function openSidecarFromStore(config: PaletteConfig, o: ServingOverrides, log: Logger, deps: { store?: OnlineStore } = {}): Promise<Sidecar & { readonly follower: ManifestFollower }> {
  const server = serverOptions(config, o);
  const refreshMs = o.manifestRefreshMs ?? config.serving.manifestRefreshMs;
  if (!Number.isSafeInteger(refreshMs) || refreshMs < 0) throw new UserError(`serving.manifestRefreshMs must be a whole number >= 0, not ${refreshMs}`);
  const { store, loaded } = await openPublished(config, deps.store);
  const metrics = new SidecarMetrics({ defaultMetrics: true });
  const service = new FeatureService(loaded.catalog, store, serviceOptions(config, o), metrics, log);
  metrics.setManifest(loaded.publication.registryHash, 'store');
  const follower = new ManifestFollower(service, loaded.publication, log, {
    swapped: (p) => { metrics.setManifest(p.registryHash, 'store'); metrics.manifestSwaps.inc(); },
    failed: () => metrics.manifestLookFailures.inc(),
  });
  const sidecar = createSidecar(service, server, metrics, log);
  return {
    handler: sidecar.handler,
    follower,
    get draining() { return sidecar.draining; },
    get socketPath() { return sidecar.socketPath; },
    async listen() {
      const url = await sidecar.listen();
      follower.start(refreshMs);
      return url;
    },
    async close() {
      await follower.stop();
      await sidecar.close();
    },
  };
}

/** A ready-to-listen sidecar: service, metrics and server. */
export function openSidecar(config: PaletteConfig, o: ServingOverrides, log: Logger, deps: { store?: OnlineStore } = {}): Sidecar {
  const server = serverOptions(config, o);
  const metrics = new SidecarMetrics({ defaultMetrics: true });
  const service = openFeatureService(config, o, { store: deps.store, metrics, log });
  metrics.setManifest(service.catalog.registryHash, 'build');
  return createSidecar(service, server, metrics, log);
}
