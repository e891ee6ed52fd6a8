/**
 * The read path shared by `palette serve` (HTTP) and `palette fetch` (straight from the
 * store): a checked request in, feature values out.
 *
 * Reads. One partition read per distinct (group, entity key), all issued at once across
 * entities and groups: tile rows from `oldestTileNeeded(at)` on for windowed groups, the
 * value row for snapshot groups. Every read carries the request's absolute deadline (the
 * store should give up by then), and the service does not wait past it either: a single
 * timer per request ends the wait, and any read still out becomes an `error` result
 * ("deadline exceeded"). A late answer is dropped. So a request returns within its deadline
 * whatever the store does.
 *
 * Values. GroupEvaluator merges batch and streaming tiles at `at` with the runtime's merge
 * and finalize functions and computes the group's features; model-level expressions are then
 * computed in order over the qualified feature values (and earlier model expressions).
 *
 * Statuses, per entity and group, shared by the group's features:
 *   ok      the entity has rows and they were read;
 *   no_data the entity has no row (windowed: values are those of an empty window, e.g.
 *           count 0 as in training; snapshot: null), or its snapshot row describes a day
 *           after `at` (not visible at `at`, as in a point-in-time training set: null);
 *   stale   the group has a ttl and its newest data is older than at - ttl (values kept);
 *   error   the read failed or missed the deadline (values null).
 * A model expression takes the most severe status of its inputs (error, stale, no_data, ok)
 * and is null when that is error.
 */
import type { Value } from '../runtime/contracts/types.js';
import type { GroupValues, TileMerge } from '../runtime/serving/group-evaluator.js';
import type { OnlineStore, TileRow, ValueRow } from '../runtime/stores/online-store.js';
import { type ParsedRequest, type RequestLimits, parseFeatureRequest } from './feature-request.js';
import type { SidecarMetrics } from './metrics.js';
import { RowCache, type RowCacheOptions } from './row-cache.js';
import type { ServedGroup, ServingCatalog } from './serving-catalog.js';

export type FeatureStatus = 'ok' | 'no_data' | 'stale' | 'error';

export interface GroupResult {
  readonly status: FeatureStatus;
  /** Newest time the data describes (newest tile start, or the snapshot's first servable time), epoch ms. */
  readonly dataTime: number | null;
  /** Newest write of the rows read (epoch ms), when the store records it. */
  readonly updatedAt: number | null;
  /** at - dataTime: how old the newest data is at the request time. */
  readonly ageMs: number | null;
  /** Why the read failed (status error). */
  readonly error?: string;
}

export interface EntityResult {
  /** The entity's keys as the request gave them (normalized). */
  readonly key: Readonly<Record<string, Value>>;
  /** Output name → value, in the response's feature order. */
  readonly values: Record<string, Value>;
  /** Output name → status. */
  readonly statuses: Record<string, FeatureStatus>;
  /** Group name → how its read went for this entity. */
  readonly groups: Record<string, GroupResult>;
}

export interface FeatureResponse {
  /** The model's qualified name; null for a feature list. */
  readonly model: string | null;
  readonly registryHash: string;
  /** Request time, epoch ms. */
  readonly at: number;
  /** Output names in order. */
  readonly features: readonly string[];
  /** The groups read and their versions (semantic hashes: the storage identity). */
  readonly groups: readonly { name: string; version: string; kind: string }[];
  /** One per requested entity, in request order. */
  readonly results: readonly EntityResult[];
  /** Time spent answering, ms. */
  readonly tookMs: number;
}

export interface FeatureServiceOptions {
  /** Per-request deadline for the store reads, ms. */
  readonly deadlineMs: number;
  readonly limits: RequestLimits;
  /** Row cache; off when maxEntries is 0. */
  readonly cache: RowCacheOptions;
}

export const DEFAULT_SERVICE_OPTIONS: FeatureServiceOptions = {
  deadlineMs: 100,
  limits: { maxEntities: 1000 },
  cache: { maxEntries: 0, ttlMs: 1000 },
};

/** Something that logs (pino's signature); optional so that the CLI can stay quiet. */
export interface ServiceLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * What a read returned: tile rows (when the row cache is on: a cached read serves later
 * request times), tiles already merged at the request's time as the store handed them over
 * (OnlineStore.scanTiles; the default), or a snapshot group's value row.
 */
type Rows = { kind: 'tiles'; rows: TileRow[] } | { kind: 'merged'; merge: TileMerge } | { kind: 'values'; row: ValueRow | null };
type Failure = { ok: false; reason: 'deadline' | 'error'; message: string };
type ReadResult = { ok: true; rows: Rows } | Failure;

interface PlannedRead {
  readonly group: ServedGroup;
  readonly key: Value[];
  readonly cacheKey: string;
}

const SEVERITY: Record<FeatureStatus, number> = { ok: 0, no_data: 1, stale: 2, error: 3 };

export class FeatureService {
  readonly cache: RowCache<Rows>;
  private readonly lastWarn = new Map<string, { at: number; suppressed: number }>();

  private current: ServingCatalog;

  constructor(
    catalog: ServingCatalog,
    readonly store: OnlineStore,
    readonly options: FeatureServiceOptions = DEFAULT_SERVICE_OPTIONS,
    private readonly metrics: SidecarMetrics | null = null,
    private readonly log: ServiceLogger | null = null,
  ) {
    this.cache = new RowCache(options.cache);
    this.current = catalog;
  }

  /** The models and groups served now. */
  get catalog(): ServingCatalog {
    return this.current;
  }

  /**
   * Serve another manifest from now on (a newer publication, see published-manifest.ts).
   * Requests already parsed finish with the catalog they were parsed against; the row cache
   * is emptied, since a group of the same name may now be another version in another table.
   */
  replaceCatalog(catalog: ServingCatalog): void {
    this.current = catalog;
    this.cache.clear();
  }

  /** Check a request body and answer it; a bad body throws RequestError. */
  async handle(body: unknown, now = Date.now()): Promise<FeatureResponse> {
    return this.fetch(parseFeatureRequest(body, this.catalog, this.options.limits, now), now);
  }

  parse(body: unknown, now = Date.now()): ParsedRequest {
    return parseFeatureRequest(body, this.catalog, this.options.limits, now);
  }

  async fetch(req: ParsedRequest, now = Date.now()): Promise<FeatureResponse> {
    const t0 = performance.now();
    const { plan, entities, at } = req;
    const deadline = now + this.options.deadlineMs;
    const useCache = this.cache.enabled && !req.atGiven;

    // Distinct reads, and for each (entity, group) the read that answers it.
    const reads: PlannedRead[] = [];
    const readOf: number[] = new Array(entities.length * plan.groups.length);
    const index = new Map<string, number>();
    for (let e = 0; e < entities.length; e++) {
      const ent = entities[e];
      for (let g = 0; g < plan.groups.length; g++) {
        const group = plan.groups[g];
        const key = group.keyNames.map((n) => ent[n]);
        const cacheKey = `${group.name}\u0000${key.length === 1 ? String(key[0]) + typeof key[0] : JSON.stringify(key)}`;
        let r = index.get(cacheKey);
        if (r === undefined) {
          r = reads.length;
          reads.push({ group, key, cacheKey });
          index.set(cacheKey, r);
        }
        readOf[e * plan.groups.length + g] = r;
      }
    }

    const results = await this.readAll(reads, at, deadline, useCache, now);

    // Values per distinct read (an entity key shared by several entities is evaluated once).
    const evaluated: (GroupValues | Failure)[] = reads.map((r, i) => this.evaluate(r.group, results[i], at));

    const out: EntityResult[] = new Array(entities.length);
    const statusCounts: Record<FeatureStatus, number> = { ok: 0, no_data: 0, stale: 0, error: 0 };
    for (let e = 0; e < entities.length; e++) {
      const values: Record<string, Value> = {};
      const statuses: Record<string, FeatureStatus> = {};
      const groups: Record<string, GroupResult> = {};
      const groupStatus: FeatureStatus[] = new Array(plan.groups.length);
      const groupValues: (GroupValues | null)[] = new Array(plan.groups.length);
      for (let g = 0; g < plan.groups.length; g++) {
        const group = plan.groups[g];
        const ev = evaluated[readOf[e * plan.groups.length + g]];
        const gr = groupResult(group, ev, at);
        groups[group.name] = gr;
        groupStatus[g] = gr.status;
        groupValues[g] = 'values' in ev ? ev : null;
        statusCounts[gr.status]++;
      }
      for (const o of plan.outputs) {
        const gv = groupValues[o.group];
        const status = groupStatus[o.group];
        values[o.outputName] = gv && status !== 'error' ? gv.values[o.localName] ?? null : null;
        statuses[o.outputName] = status;
      }
      if (plan.derived.length > 0) {
        // Model expressions see qualified feature names (and earlier expressions by name).
        const features: Record<string, Value> = {};
        for (let g = 0; g < plan.groups.length; g++) {
          const gv = groupValues[g];
          if (!gv || groupStatus[g] === 'error') continue;
          for (const f of plan.groups[g].runtime.features) features[f.qualifiedName] = gv.values[f.name] ?? null;
        }
        const ctx = { features, snapshotDate: null };
        for (const d of plan.derived) {
          let status: FeatureStatus = 'ok';
          for (const g of d.groups) if (SEVERITY[groupStatus[g]] > SEVERITY[status]) status = groupStatus[g];
          for (const n of d.derived) if (SEVERITY[statuses[n]] > SEVERITY[status]) status = statuses[n];
          let v: Value = null;
          if (status !== 'error') {
            try {
              v = d.fn({}, ctx);
            } catch (err) {
              status = 'error';
              this.warn(`derived:${d.outputName}`, { output: d.outputName, err: (err as Error).message }, 'model expression failed');
            }
          }
          features[d.outputName] = v;
          values[d.outputName] = v;
          statuses[d.outputName] = status;
        }
      }
      out[e] = { key: entities[e], values, statuses, groups };
    }
    if (this.metrics) {
      this.metrics.entities.series(plan.model ?? 'features').inc(entities.length);
      for (const st of Object.keys(statusCounts) as FeatureStatus[]) if (statusCounts[st] > 0) this.metrics.featureStatuses.series(st).inc(statusCounts[st]);
    }
    return {
      model: plan.model,
      registryHash: req.registryHash,
      at,
      features: plan.outputNames,
      groups: plan.groups.map((g) => ({ name: g.name, version: g.version, kind: g.kind })),
      results: out,
      tookMs: Math.round((performance.now() - t0) * 1000) / 1000,
    };
  }

  /** Readiness: the store answers a ping within `timeoutMs`. Throws with the reason otherwise. */
  async ping(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the online store did not answer a ping within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.store.ping({ deadline }), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Issue every read now; resolve when all have settled or at the deadline, whichever is first. */
  private readAll(reads: readonly PlannedRead[], at: number, deadline: number, useCache: boolean, now: number): Promise<(ReadResult | undefined)[]> {
    const results: (ReadResult | undefined)[] = new Array(reads.length);
    let pending = 0;
    const toIssue: number[] = [];
    for (let i = 0; i < reads.length; i++) {
      if (useCache) {
        const hit = this.cache.get(reads[i].cacheKey, now);
        this.metrics?.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
        if (hit) { results[i] = { ok: true, rows: hit }; continue; }
      }
      toIssue.push(i);
    }
    if (toIssue.length === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        resolve(results);
      };
      const timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
      pending = toIssue.length;
      for (const i of toIssue) {
        const r = reads[i];
        const started = performance.now();
        const kind = r.group.kind === 'windowed' ? 'tiles' : 'values';
        const settle = (res: ReadResult) => {
          this.metrics?.observeStoreRead(r.group.name, kind, (performance.now() - started) / 1000);
          if (finished) return; // past the deadline: already reported as such
          results[i] = res;
          if (res.ok && useCache) this.cache.set(r.cacheKey, res.rows, Date.now());
          if (--pending === 0) finish();
        };
        let p: Promise<Rows>;
        try {
          if (kind === 'values') p = this.store.readValues(r.group.runtime, r.key, { deadline }).then((row) => ({ kind: 'values', row }));
          else if (useCache) p = this.store.readTiles(r.group.runtime, r.key, r.group.evaluator.oldestTileNeeded(at), { deadline }).then((rows) => ({ kind: 'tiles', rows }));
          else {
            const merge = r.group.evaluator.merge(at);
            p = this.store.scanTiles(r.group.runtime, r.key, r.group.evaluator.oldestTileNeeded(at), merge, { deadline }).then(() => ({ kind: 'merged', merge }));
          }
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(
          (rows) => settle({ ok: true, rows }),
          (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            this.metrics?.storeErrors.inc({ group: r.group.name, reason: 'error' });
            this.warn(`store:${r.group.name}`, { group: r.group.name, err: message }, 'online store read failed');
            settle({ ok: false, reason: 'error', message: `online store read failed: ${message}` });
          },
        );
      }
    });
  }

  /** A read's values at `at`, or its failure (a missing result is a read past the deadline). */
  private evaluate(group: ServedGroup, res: ReadResult | undefined, at: number): GroupValues | Failure {
    if (res === undefined) {
      this.metrics?.storeErrors.inc({ group: group.name, reason: 'deadline' });
      return { ok: false, reason: 'deadline', message: `deadline exceeded: the online store did not answer within ${this.options.deadlineMs} ms` };
    }
    if (!res.ok) return res;
    try {
      if (res.rows.kind === 'merged') return res.rows.merge.values();
      if (res.rows.kind === 'tiles') return group.evaluator.fromTiles(res.rows.rows, at);
      const row = res.rows.row;
      const v = group.evaluator.fromValues(row);
      if (v.newestData !== null && v.newestData > at) {
        // The uploaded snapshot describes a day after `at`: not visible at that time.
        const values: Record<string, Value> = {};
        for (const k of Object.keys(v.values)) values[k] = null;
        return { values, newestData: null, empty: true, updatedAt: row?.updatedAt ?? null };
      }
      return { values: v.values, newestData: v.newestData, empty: v.empty, updatedAt: row?.updatedAt ?? null };
    } catch (err) {
      this.warn(`eval:${group.name}`, { group: group.name, err: (err as Error).message }, 'cannot compute the group from its online rows');
      return { ok: false, reason: 'error', message: `cannot compute ${group.name} from its online rows: ${(err as Error).message}` };
    }
  }

  /** Log at most once a second per topic, with the count of what was held back. */
  private warn(topic: string, obj: Record<string, unknown>, msg: string): void {
    if (!this.log) return;
    const now = Date.now();
    const last = this.lastWarn.get(topic);
    if (last && now - last.at < 1000) { last.suppressed++; return; }
    this.lastWarn.set(topic, { at: now, suppressed: 0 });
    this.log.warn({ ...obj, suppressed: last?.suppressed ?? 0 }, msg);
  }
}

function groupResult(group: ServedGroup, ev: GroupValues | Failure, at: number): GroupResult {
  if (!('values' in ev)) return { status: 'error', dataTime: null, updatedAt: null, ageMs: null, error: ev.message };
  const updatedAt = ev.updatedAt;
  const dataTime = ev.newestData;
  const ageMs = dataTime === null ? null : at - dataTime;
  let status: FeatureStatus = ev.empty ? 'no_data' : 'ok';
  if (status === 'ok' && group.ttlMs !== null && ageMs !== null && ageMs > group.ttlMs) status = 'stale';
  return { status, dataTime, updatedAt, ageMs };
}
