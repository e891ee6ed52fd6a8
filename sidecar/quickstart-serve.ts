/**
 * The serving step of `palette quickstart`: start the sidecar on the embedded online store
 * (any free loopback port), fetch a model's features for a few entities over HTTP as a
 * client would, print each answer with the time the fetch took, and stop the sidecar.
 */
import pino from 'pino';
import type { PaletteConfig } from '../runtime/config/palette-config.js';
import type { Value } from '../runtime/contracts/types.js';
import { callSidecar } from './fetch-client.js';
import type { FeatureResponse } from './feature-service.js';
import { openSidecar } from './sidecar-setup.js';

const show = (v: Value): string => (v === null ? 'null' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * `at`: the request time (default now); the quickstart's sample data ends at a fixed day, so
 * it passes that. Returns the responses, for tests.
 */
export async function serveAndFetch(config: PaletteConfig, model: string, entities: readonly Record<string, Value>[],
  out: (line: string) => void, opts: { at?: number; show?: number } = {}): Promise<FeatureResponse[]> {
  const sidecar = openSidecar(config, { port: 0, host: '127.0.0.1' }, pino({ level: 'silent' }));
  const url = await sidecar.listen();
  const responses: FeatureResponse[] = [];
  try {
    out(`   sidecar on ${url} (online store: ${config.online.store}); POST /v1/features for ${model}:`);
    for (const e of entities) {
      const t0 = performance.now();
      const r = await callSidecar<FeatureResponse>(url, 'v1/features', { body: { model, entities: [e], ...(opts.at === undefined ? {} : { at: opts.at }) } });
      const ms = performance.now() - t0;
      responses.push(r);
      const res = r.results[0];
      const keys = Object.entries(res.key).map(([k, v]) => `${k}=${show(v)}`).join(' ');
      const values = r.features.slice(0, opts.show ?? 4).map((f) => `${f.replace(/^.*\./, '')}=${show(res.values[f])}`).join(' ');
      const statuses = [...new Set(Object.values(res.statuses))].join('/');
      out(`     ${keys.padEnd(18)} ${ms.toFixed(1).padStart(6)} ms  ${statuses.padEnd(7)}  ${values}`);
    }
  } finally {
    await sidecar.close();
  }
  return responses;
}
