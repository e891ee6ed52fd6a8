/**
 * The sidecar's lean metrics (sidecar/metrics.ts) render exactly as prom-client's own classes
 * would with the same observations: same text in the registry's exposition, same JSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { LeanCounter, LeanHistogram, SidecarMetrics } from '../../../sidecar/metrics.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.5];

/** The registry's JSON, each sample as its name, labels and value (prom-client adds internal fields such as exemplars). */
async function samples(r: Registry) {
  return (await r.getMetricsAsJSON()).map((m) => ({ ...m, values: m.values.map((v) => ({ metricName: (v as { metricName?: string }).metricName, labels: v.labels, value: v.value })) }));
}
// On a bound, between bounds, below the first, above the last, zero.
const OBSERVATIONS: [string, string, number][] = [
  ['/v1/features', 'm1', 0.001], ['/v1/features', 'm1', 0.0042], ['/v1/features', 'm2', 0.0001],
  ['/v1/features', 'm1', 7.5], ['/healthz', '-', 0], ['/v1/features', 'm2', 0.01], ['/v1/features', 'm1', 0.3],
];

test('LeanHistogram: the text and JSON of prom-client\'s Histogram for the same observations', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const lean = new LeanHistogram('x_seconds', 'help "quoted" text', ['route', 'model'], BUCKETS, ours);
  const ref = new Histogram({ name: 'x_seconds', help: 'help "quoted" text', labelNames: ['route', 'model'], buckets: BUCKETS, registers: [theirs] });
  for (const [route, model, v] of OBSERVATIONS) {
    lean.series(route, model).observe(v);
    ref.labels({ route, model }).observe(v);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.deepEqual(await samples(ours), await samples(theirs));
  assert.match(await ours.metrics(), /x_seconds_bucket\{le="\+Inf",route="\/v1\/features",model="m1"} 4/);
  assert.throws(() => lean.series('/v1/features', 'm1').observe(Number.NaN), /not a valid number/);
  lean.reset();
  ref.reset();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('LeanCounter: the text and JSON of prom-client\'s Counter; it only goes up', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const lean = new LeanCounter('y_total', 'things', ['status'], ours);
  const ref = new Counter({ name: 'y_total', help: 'things', labelNames: ['status'], registers: [theirs] });
  for (const [status, n] of [['ok', 3], ['error', 1], ['ok', 2], ['no_data', 0]] as const) {
    lean.series(status).inc(n);
    ref.labels({ status }).inc(n);
  }
  lean.series('ok').inc();
  ref.labels({ status: 'ok' }).inc();
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.deepEqual(await samples(ours), await samples(theirs));
  assert.throws(() => lean.series('ok').inc(-1), /only goes up/);
});

test('SidecarMetrics: requests in flight are read when scraped', async () => {
  const m = new SidecarMetrics();
  m.requestsInFlight += 2;
  assert.match(await m.registry.metrics(), /palette_sidecar_requests_in_flight 2\n/);
  m.requestsInFlight -= 2;
  assert.match(await m.registry.metrics(), /palette_sidecar_requests_in_flight 0\n/);
});
