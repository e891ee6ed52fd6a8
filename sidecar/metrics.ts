/**
 * The sidecar's Prometheus metrics (prom-client), in a registry of its own so that two
 * sidecars in one process (tests) do not share counters. Label values are bounded: routes
 * are fixed, models and groups come from the manifest (unknown names are reported as "-").
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds; fine below 10 ms, where the latency goal is. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class SidecarMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'route' | 'model' | 'code'>;
  readonly entities: Counter<'model'>;
  readonly storeReadDuration: Histogram<'group' | 'kind'>;
  readonly storeErrors: Counter<'group' | 'reason'>;
  readonly cacheLookups: Counter<'result'>;
  readonly featureStatuses: Counter<'status'>;
  readonly inFlight: Gauge;
  readonly ready: Gauge;
  /** 1 for the registry hash served now (and its source: build or store). */
  readonly manifest: Gauge<'registry_hash' | 'source'>;
  /** With the manifest from the store: newer publications swapped in, and looks that failed. */
  readonly manifestSwaps: Counter;
  readonly manifestLookFailures: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requestDuration = new Histogram({
      name: 'palette_sidecar_request_duration_seconds',
      help: 'Time from request received to response sent, by route, model (or "features" for a feature list, "-" if unresolved) and HTTP status',
      labelNames: ['route', 'model', 'code'], buckets: LATENCY_BUCKETS, registers,
    });
    this.entities = new Counter({
      name: 'palette_sidecar_entities_total', help: 'Entities answered, by model', labelNames: ['model'], registers,
    });
    this.storeReadDuration = new Histogram({
      name: 'palette_sidecar_store_read_duration_seconds',
      help: 'One online-store partition read, by group and kind (tiles or values); failed reads included',
      labelNames: ['group', 'kind'], buckets: LATENCY_BUCKETS, registers,
    });
    this.storeErrors = new Counter({
      name: 'palette_sidecar_store_errors_total',
      help: 'Online-store reads that failed, by group and reason (deadline: not answered within the request deadline; error: the store failed)',
      labelNames: ['group', 'reason'], registers,
    });
    this.cacheLookups = new Counter({
      name: 'palette_sidecar_cache_lookups_total', help: 'Row cache lookups by result (hit, miss); absent when the cache is off',
      labelNames: ['result'], registers,
    });
    this.featureStatuses = new Counter({
      name: 'palette_sidecar_group_reads_total', help: 'Per-entity group results by status (ok, no_data, stale, error)',
      labelNames: ['status'], registers,
    });
    this.inFlight = new Gauge({ name: 'palette_sidecar_requests_in_flight', help: 'Requests being answered', registers });
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

  private readonly children = new Map<string, { observe(v: number): void }>();

  /**
   * The per-request observations, through label children kept by their label values: a
   * child is found by one Map lookup instead of prom-client hashing the labels object at
   * every observation (a few of these per request, on the path the latency goal is about).
   */
  observeRequest(route: string, model: string, code: string, seconds: number): void {
    const k = `r\0${route}\0${model}\0${code}`;
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = this.requestDuration.labels({ route, model, code })));
    c.observe(seconds);
  }

  observeStoreRead(group: string, kind: string, seconds: number): void {
    const k = `s\0${group}\0${kind}`;
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = this.storeReadDuration.labels({ group, kind })));
    c.observe(seconds);
  }
}
