/**
 * The sidecar's Prometheus metrics (prom-client), in a registry of its own so that two
 * sidecars in one process (tests) do not share counters. Label values are bounded: routes
 * are fixed, models and groups come from the manifest (unknown names are reported as "-").
 *
 * The metrics observed on every feature request (request and store-read durations, entities,
 * group results, requests in flight) do not go through prom-client's metric classes, which
 * resolve the label object on every observation (validating it and hashing it into a key),
 * gauges included: eight of those per request, on the path the latency goal is about (the
 * sidecar used 20–26 µs more CPU per request than the same read path behind a bare handler,
 * docs/serving-speed-log.md). They are kept as series resolved once (LeanHistogram, LeanCounter:
 * an array of bucket counts, a number; the in-flight gauge reads a number when scraped) and
 * registered in the same prom-client registry, which renders them as it renders its own
 * (test/unit/sidecar/metrics.test.ts compares the text with prom-client's).
 */
import { Counter, Gauge, type Metric, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds; fine below 10 ms, where the latency goal is. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Labels = Readonly<Record<string, string>>;
/** A sample as prom-client's registry renders it: `labels` first, then the series' `sharedLabels`. */
interface Sample { labels: Record<string, string | number>; sharedLabels: Labels; value: number; metricName: string }

/** The series of these label values, made by `make` the first time they are seen. */
function seriesOf<S>(bySeries: Map<string, S>, labelNames: readonly string[], values: readonly string[], make: (labels: Labels) => S): S {
  const key = values.join('\u0000');
  let s = bySeries.get(key);
  if (s === undefined) {
    const labels: Record<string, string> = {};
    labelNames.forEach((n, i) => { labels[n] = values[i]; });
    bySeries.set(key, (s = make(labels)));
  }
  return s;
}

/** One series of a LeanHistogram: observing allocates nothing and looks nothing up. */
export interface HistogramSeries { observe(value: number): void }

/**
 * A histogram whose series are resolved once (`series(...labelValues)`) and then observed by
 * bucket index. Registered in a prom-client registry, it renders as prom-client's Histogram:
 * cumulative `_bucket` samples with `le` (then `+Inf`), `_sum` and `_count`.
 */
export class LeanHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bySeries = new Map<string, { labels: Labels; counts: Float64Array; sum: number; count: number; observe(v: number): void }>();

  constructor(readonly name: string, readonly help: string, private readonly labelNames: readonly string[], private readonly buckets: readonly number[], registry: Registry) {
    registry.registerMetric(this as unknown as Metric);
  }

  series(...values: string[]): HistogramSeries {
    return seriesOf(this.bySeries, this.labelNames, values, (labels) => {
      const buckets = this.buckets;
      const series = {
        labels, counts: new Float64Array(buckets.length), sum: 0, count: 0,
        observe(v: number): void {
          if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
          for (let i = 0; i < buckets.length; i++) {
            if (v <= buckets[i]) { series.counts[i]++; break; }
          }
          series.sum += v;
          series.count++;
        },
      };
      return series;
    });
  }

  /** The samples in the registry's text order (what prom-client's Histogram.getForPromString gives). */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.bySeries.values()) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { le: this.buckets[i] }, sharedLabels: s.labels, value: acc, metricName: bucket });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As getForPromString, each sample's labels whole (the registry's JSON). */
  async get(): Promise<{ name: string; help: string; type: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[]; aggregator: string }> {
    const m = await this.getForPromString();
    return { ...m, values: m.values.map(({ labels, sharedLabels, value, metricName }) => ({ labels: { ...labels, ...sharedLabels }, value, metricName })) };
  }

  reset(): void {
    this.bySeries.clear();
  }
}

/** One series of a LeanCounter. */
export interface CounterSeries { inc(by?: number): void }

/** A counter whose series are resolved once; rendered as prom-client's Counter. */
export class LeanCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly bySeries = new Map<string, { labels: Labels; value: number; inc(by?: number): void }>();

  constructor(readonly name: string, readonly help: string, private readonly labelNames: readonly string[], registry: Registry) {
    registry.registerMetric(this as unknown as Metric);
  }

  series(...values: string[]): CounterSeries {
    return seriesOf(this.bySeries, this.labelNames, values, (labels) => {
      const series = {
        labels, value: 0,
        inc(by = 1): void {
          if (!(by >= 0) || !Number.isFinite(by)) throw new Error(`a counter only goes up: ${by}`);
          series.value += by;
        },
      };
      return series;
    });
  }

  async get(): Promise<{ name: string; help: string; type: string; values: { labels: Labels; value: number }[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: [...this.bySeries.values()].map((s) => ({ labels: s.labels, value: s.value })), aggregator: this.aggregator };
  }

  reset(): void {
    this.bySeries.clear();
  }
}

export class SidecarMetrics {
  readonly registry = new Registry();
  readonly requestDuration: LeanHistogram;
  readonly entities: LeanCounter;
  readonly storeReadDuration: LeanHistogram;
  readonly storeErrors: Counter<'group' | 'reason'>;
  readonly cacheLookups: Counter<'result'>;
  readonly featureStatuses: LeanCounter;
  /** Requests being answered: a number the server keeps, read by the gauge when scraped. */
  requestsInFlight = 0;
  readonly inFlight: Gauge;
  readonly ready: Gauge;
  /** 1 for the registry hash served now (and its source: build or store). */
  readonly manifest: Gauge<'registry_hash' | 'source'>;
  /** With the manifest from the store: newer publications swapped in, and looks that failed. */
  readonly manifestSwaps: Counter;
  readonly manifestLookFailures: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requestDuration = new LeanHistogram('palette_sidecar_request_duration_seconds',
      'Time from request received to response sent, by route, model (or "features" for a feature list, "-" if unresolved) and HTTP status',
      ['route', 'model', 'code'], LATENCY_BUCKETS, this.registry);
    this.entities = new LeanCounter('palette_sidecar_entities_total', 'Entities answered, by model', ['model'], this.registry);
    this.storeReadDuration = new LeanHistogram('palette_sidecar_store_read_duration_seconds',
      'One online-store partition read, by group and kind (tiles or values); failed reads included',
      ['group', 'kind'], LATENCY_BUCKETS, this.registry);
    this.storeErrors = new Counter({
      name: 'palette_sidecar_store_errors_total',
      help: 'Online-store reads that failed, by group and reason (deadline: not answered within the request deadline; error: the store failed)',
      labelNames: ['group', 'reason'], registers,
    });
    this.cacheLookups = new Counter({
      name: 'palette_sidecar_cache_lookups_total', help: 'Row cache lookups by result (hit, miss); absent when the cache is off',
      labelNames: ['result'], registers,
    });
    this.featureStatuses = new LeanCounter('palette_sidecar_group_reads_total', 'Per-entity group results by status (ok, no_data, stale, error)', ['status'], this.registry);
    const self = this;
    this.inFlight = new Gauge({
      name: 'palette_sidecar_requests_in_flight', help: 'Requests being answered', registers,
      collect() { this.set(self.requestsInFlight); },
    });
    this.ready = new Gauge({ name: 'palette_sidecar_ready', help: '1 when the last readiness check passed', registers });
    this.manifest = new Gauge({
      name: 'palette_sidecar_manifest_info', help: '1 for the serving manifest served now: its registry hash and where it came from (build or store)',
      labelNames: ['registry_hash', 'source'], registers,
    });
    this.manifestSwaps = new Counter({ name: 'palette_sidecar_manifest_swaps_total', help: 'Newer published manifests swapped in (manifest from the store)', registers });
    this.manifestLookFailures = new Counter({
      name: 'palette_sidecar_manifest_look_failures_total', help: 'Looks for a newer published manifest that failed (store unreachable, a manifest that does not check)', registers,
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'palette_sidecar_' });
  }

  /** Records the manifest served now (one series: the previous one is removed). */
  setManifest(registryHash: string, source: 'build' | 'store'): void {
    this.manifest.reset();
    this.manifest.set({ registry_hash: registryHash, source }, 1);
  }

  observeRequest(route: string, model: string, code: string, seconds: number): void {
    this.requestDuration.series(route, model, code).observe(seconds);
  }

  observeStoreRead(group: string, kind: string, seconds: number): void {
    this.storeReadDuration.series(group, kind).observe(seconds);
  }
}
