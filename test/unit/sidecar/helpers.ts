/**
 * The rides example compiled into a serving manifest and materializer plan, trips for a few
 * drivers and riders written into a FakeStore as the materializer would, and a sidecar over
 * it (light-my-request's inject into its request listener: no socket needed).
 */
import inject from 'light-my-request';
import pino from 'pino';
import { compileSources } from '../../../compiler/compile.js';
import { materializerPlan } from '../../../compiler/targets/materializer-plan-target.js';
import { servingManifest } from '../../../compiler/targets/serving-manifest-target.js';
import type { ServingManifest } from '../../../runtime/contracts/manifest.js';
import type { MaterializerPlan } from '../../../runtime/contracts/plan.js';
import type { Row } from '../../../runtime/expr/index.js';
import { DEFAULT_SERVICE_OPTIONS, FeatureService, type FeatureServiceOptions } from '../../../sidecar/feature-service.js';
import { SidecarMetrics } from '../../../sidecar/metrics.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions, type Sidecar, createSidecar } from '../../../sidecar/server.js';
import { ServingCatalog } from '../../../sidecar/serving-catalog.js';
import { exampleInputs } from '../compiler/helpers.js';
import { tileRowsFor } from '../../support/tile-rows.js';
import { FakeStore } from './fake-store.js';

export function compile(inputs: { path: string; text: string }[]): { manifest: ServingManifest; plan: MaterializerPlan } {
  const r = compileSources(inputs);
  if (!r.registry) throw new Error(r.diagnostics.map((d) => `${d.span.file}:${d.span.line} ${d.code}: ${d.message}`).join('\n'));
  return { manifest: servingManifest(r.registry), plan: materializerPlan(r.registry) };
}

export const rides = compile(exampleInputs('rides'));

/** Request time of the tests: a whole hour, so tile edges are easy to reason about. */
export const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const H = 3_600_000;

/** Trips: d1 has many over the last days, d2 a few, d3 none; riders r1, r2. */
export function trips(): Row[] {
  const out: Row[] = [];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const add = (driver: string, rider: string, hoursAgo: number, status = 'completed') => {
    out.push({
      trip_id: `t${out.length}`, driver_id: driver, rider_id: rider, status,
      fare: Math.round(rnd() * 5000) / 100, distance_km: Math.round(rnd() * 300) / 10,
      rating: rnd() < 0.2 ? null : 1 + Math.floor(rnd() * 5), event_time: NOW - Math.round(hoursAgo * H) - 1,
    });
  };
  for (let i = 0; i < 60; i++) add('d1', i % 3 === 0 ? 'r2' : 'r1', rnd() * 24 * 9, rnd() < 0.1 ? 'cancelled' : 'completed');
  for (let i = 0; i < 5; i++) add('d1', 'r1', rnd() * 0.9); // within the last hour
  for (let i = 0; i < 4; i++) add('d2', 'r2', 30 + rnd() * 100);
  return out;
}

/** A FakeStore holding the rides tiles of `events` and driver profiles. */
export async function ridesStore(events: Row[] = trips()): Promise<FakeStore> {
  const store = new FakeStore();
  for (const mg of rides.plan.groups) {
    const rows = tileRowsFor(mg, events, 'event_time', { partitionOf: (_e, i) => i % 2, updatedAt: NOW - 60_000 });
    await store.writeTiles(mg.group, rows);
  }
  const profile = rides.manifest.groups.find((g) => g.name === 'rides.driver_profile')!;
  await store.writeValues(profile, [
    { key: ['d1'], row: { values: { vehicle_type: 'sedan', city: 'Lisbon', tenure_days: 400 }, snapshotDs: '2026-01-09', updatedAt: NOW - 3 * H } },
    // Older than the group's ttl (3d): stale.
    { key: ['d2'], row: { values: { vehicle_type: 'van', city: 'Porto', tenure_days: 12 }, snapshotDs: '2026-01-01', updatedAt: NOW - 200 * H } },
  ]);
  return store;
}

export const quietLog = pino({ level: 'silent' });

export interface TestSidecar {
  readonly sidecar: Sidecar;
  readonly service: FeatureService;
  readonly store: FakeStore;
  readonly metrics: SidecarMetrics;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Record<string, unknown> }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
}

export async function testSidecar(opts: {
  store?: FakeStore; manifest?: ServingManifest; service?: Partial<FeatureServiceOptions>; server?: Partial<ServerOptions>;
} = {}): Promise<TestSidecar> {
  const store = opts.store ?? await ridesStore();
  const metrics = new SidecarMetrics();
  const service = new FeatureService(new ServingCatalog(opts.manifest ?? rides.manifest), store, { ...DEFAULT_SERVICE_OPTIONS, ...opts.service }, metrics, quietLog);
  const sidecar = createSidecar(service, { ...DEFAULT_SERVER_OPTIONS, ...opts.server }, metrics, quietLog);
  return {
    sidecar, service, store, metrics,
    async post(body, headers = {}) {
      const res = await inject(sidecar.handler, {
        method: 'POST', url: '/v1/features', headers: { 'content-type': 'application/json', ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.statusCode, json: res.json(), headers: res.headers };
    },
    async get(path, headers = {}) {
      const res = await inject(sidecar.handler, { method: 'GET', url: path, headers });
      let json: unknown = null;
      try { json = res.json(); } catch { /* text route */ }
      return { status: res.statusCode, json, text: res.body };
    },
  };
}
