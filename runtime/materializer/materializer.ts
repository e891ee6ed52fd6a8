/**
 * The streaming materializer: stream events → the plan's groups → tiles in memory → the
 * online store, then offsets committed.
 *
 * Per event (one record of a topic partition): decode and check it against the source
 * (stream/event-decoder.ts; malformed → dead letter), then for each group of that source:
 * lets + filter (compileRowPipeline), the entity key, the late check, and the aggregation
 * inputs; the event then updates, for each hop of the group, the tile row
 * (group, key, hop, tile start, stream partition) in memory. Dirty rows are flushed on an
 * interval or when there are too many, and only after the write succeeded are the
 * partitions' offsets committed.
 *
 * EXACTLY-ONCE EFFECT (no event lost, none counted twice in the online store):
 * 1. Single writer. A tile row's clustering key includes the stream partition whose events
 *    it holds; a partition is consumed by one instance at a time, so each row has one
 *    writer, and rows of different partitions never race (the reader merges them,
 *    serving/group-evaluator.ts).
 * 2. Full-state upserts with a position. A written row holds the complete partial states of
 *    its tile over the partition's events up to `stream_offset`, the last offset of that
 *    partition processed when the row was snapshotted; writing it again is harmless.
 * 3. Skip by offset. A tile is loaded from the store before this process first touches it
 *    (per key and partition; again after a restart, a rebalance or an eviction); an event
 *    whose offset is <= the loaded row's stream_offset is already in the row and is
 *    skipped. Events redelivered to a process that still holds the partition are skipped by
 *    the partition's position (the last offset it processed).
 * 4. Commit after write. A partition's next offset (position + 1) is committed only after
 *    every row dirtied by events up to that position has been written. So after a crash
 *    (kill -9) the stream resumes at or before the first event some row lacks, and every
 *    event before the committed offset is in every row it belongs to: replayed events are
 *    either skipped (3) or applied once.
 * 5. Stale writers lose. Rows are written fenced by their stream_offset (Cassandra: USING
 *    TIMESTAMP stream_offset + 1; SQLite: a conditional upsert), so a late write from an
 *    instance that lost the partition, or a retried write, can never replace a row holding
 *    more events.
 * A failed write marks its rows dirty again (the in-memory state is complete) and nothing
 * is committed; consumption stops when too many rows wait (back-pressure).
 * Dead letters are written before the offsets past them are committed: at least once (a
 * crash between the two can repeat a dead letter, never lose one).
 *
 * LATE EVENTS. Each partition keeps a watermark: the newest event time seen on it. An
 * event with ts < watermark - maxEventAgeMs (plan.ts: the group's longest window + its hop;
 * unlimited with a lifetime window) is late for that group: counted
 * (late_events_total{group}) and skipped. No window at a time >= the watermark covers it, so
 * skipping it changes no value served from now on. The watermark starts empty in each
 * process, so after a restart an event that was late before may be applied; it lands in a
 * tile no served window reads (and that the table's TTL expires).
 *
 * MEMORY. Tiles of a partition that no non-late event can reach any more (start before
 * floor(watermark - maxEventAgeMs, hop)) are dropped once written; a key untouched for
 * `keyIdleMs` is dropped too and loaded again if it comes back. Eviction
 * runs only between flushes, when every clean row is in the store.
 */
import type { Logger } from 'pino';
import { type AggState, type Aggregator, makeAggregator } from '../aggregations/index.js';
import type { GroupRuntime } from '../contracts/group-runtime.js';
import type { MaterializedGroup, MaterializerPlan } from '../contracts/plan.js';
import type { Value } from '../contracts/types.js';
import { type CompiledExpr, type RowPipeline, compileExpr, compileRowPipeline } from '../expr/index.js';
import type { OnlineStore, TileRow } from '../stores/online-store.js';
import { type DecodeResult, type EventDecoder, makeEventDecoder } from '../stream/event-decoder.js';
import type { DeadLetter, RecordBatch, StreamHandler, StreamSource, TopicPartition } from '../stream/stream-source.js';
import { UserError } from '../errors.js';
import { floorTo } from '../windows/index.js';
import { deadLetterKind, MaterializerMetrics } from './metrics.js';

export interface MaterializerOptions {
  readonly plan: MaterializerPlan;
  readonly store: OnlineStore;
  readonly source: StreamSource;
  readonly logger: Logger;
  readonly metrics?: MaterializerMetrics;
  /** Flush dirty rows at least this often (default 500 ms). */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many rows are dirty; batches wait while twice as many are (default 20,000). */
  readonly maxDirtyRows?: number;
  /** Stop after this many records (exactly: the rest of a batch is left for the next run). */
  readonly maxEvents?: number;
  /** Stop once nothing arrived for this long and everything is written and committed. */
  readonly untilIdleMs?: number;
  /** Drop a clean key's state after this long without events (default 10 min). */
  readonly keyIdleMs?: number;
  /** Concurrent key loads per batch (default 64). */
  readonly loadConcurrency?: number;
}

export interface MaterializerStats {
  readonly events: number;
  readonly deadLetters: number;
  readonly late: number;
  readonly replayed: number;
  readonly flushes: number;
  readonly rowsWritten: number;
  /** Store reads of keys not held yet (one per group and key, again after an eviction or rebalance). */
  readonly keyLoads: number;
  /**
   * Where the time went (ms, summed). prepare, apply and snapshot are synchronous work of
   * this process. loadMs and backpressureMs are batches waiting; partitions are processed
   * concurrently, so a wait also covers other partitions' work done meanwhile. writeMs and
   * commitMs are flushes in flight, which overlap consumption.
   */
  readonly timing: {
    /** Decode, check, row pipelines, keys and aggregation inputs. */
    readonly prepareMs: number;
    /** Waiting for key loads (store reads). */
    readonly loadMs: number;
    /** Updating tiles in memory. */
    readonly applyMs: number;
    /** Snapshotting dirty rows (serialising states). */
    readonly snapshotMs: number;
    /** Writing rows to the online store. */
    readonly writeMs: number;
    /** Committing offsets. */
    readonly commitMs: number;
    /** Batches waiting for a flush (back-pressure). */
    readonly backpressureMs: number;
  };
}

/** The aggregations of a group that share one hop: one tile row per (key, tile start, partition). */
interface HopPlan {
  readonly hopMs: number;
  /** Aggregation indexes (into the group's aggregations) stored in this hop's rows. */
  readonly aggs: readonly number[];
  /** Per aggregation of `aggs`: its state columns, in stateFields() order. */
  readonly columns: readonly (readonly string[])[];
  /** Tiles starting before floor(watermark - maxEventAgeMs, hopMs) cannot change any more. */
}

interface GroupPlan {
  readonly mg: MaterializedGroup;
  readonly group: GroupRuntime;
  readonly name: string;
  readonly pipeline: RowPipeline;
  readonly copyRow: boolean;
  readonly inputs: readonly (CompiledExpr | null)[];
  readonly aggregators: readonly Aggregator[];
  readonly hops: readonly HopPlan[];
  readonly keyColumns: readonly string[];
  readonly maxEventAgeMs: number;
}

interface TileEntry {
  readonly hop: number;
  readonly start: number;
  /** States of hops[hop].aggs, in that order. */
  readonly states: AggState[];
  /** Events with offset <= this are already in the stored row (from a load); -1: none. */
  readonly floorOffset: number;
  dirty: boolean;
}

interface KeyState {
  readonly key: Value[];
  /** `${hop}:${start}` → tile. */
  readonly tiles: Map<string, TileEntry>;
  /**
   * Tiles starting at or after this were loaded from the store (or are new): the memory is
   * authoritative there. An event for an older tile first extends the load (loadKeys).
   * -Infinity: everything was loaded.
   */
  loadedSince: number;
  lastTouched: number;
}

interface DirtyRef {
  readonly g: GroupPlan;
  readonly ks: KeyState;
  readonly entry: TileEntry;
}

/** Per owned topic partition. */
interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Last offset processed; -1 before the first. */
  position: number;
  /** Next offset committed by this process (-1: none yet). */
  committed: number;
  /** Newest event time seen (the late-event watermark). */
  watermark: number;
  highWatermark: number | null;
  /** Per group name: entity key (JSON) → state. */
  readonly keys: Map<string, Map<string, KeyState>>;
  dirty: DirtyRef[];
  /** Produce times of the events since the last snapshot (freshness metric). */
  produced: number[];
}

interface PreparedEvent {
  readonly g: GroupPlan;
  readonly keyId: string;
  readonly key: Value[];
  readonly ts: number;
  readonly offset: number;
  readonly inputs: Value[];
}

const tpId = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class Materializer implements StreamHandler {
  readonly metrics: MaterializerMetrics;
  private readonly log: Logger;
  private readonly byTopic = new Map<string, { decoder: EventDecoder; groups: GroupPlan[]; source: string }>();
  private readonly parts = new Map<string, PartitionState>();
  private assigned: Set<string> | null = null;
  private flushing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private dirtyCount = 0;
  private stopRequested: Promise<void> | null = null;
  private stopped = false;
  private failure: Error | null = null;
  private lastEvictAt = Date.now();
  private lastFlushAt = Date.now();
  private consecutiveFailures = 0;
  private readonly stats = { events: 0, deadLetters: 0, late: 0, replayed: 0, flushes: 0, rowsWritten: 0, keyLoads: 0 };
  private readonly timing = { prepareMs: 0, loadMs: 0, applyMs: 0, snapshotMs: 0, writeMs: 0, commitMs: 0, backpressureMs: 0 };
  /** Bumped on every key eviction and assignment change: a key load read before one may be stale for other partitions. */
  private epoch = 0;
  /** Key loads in flight, per group and key: concurrent batches share one read. */
  private readonly pendingLoads = new Map<string, { readonly since: number; readonly rows: Promise<TileRow[]> }>();
  /** Exact freshness distribution in ms (index = ms, capped at the last slot). */
  private readonly freshnessMs = new Float64Array(120_001);

  constructor(private readonly options: MaterializerOptions) {
    this.log = options.logger;
    this.metrics = options.metrics ?? new MaterializerMetrics();
    const sources = new Map(options.plan.sources.map((s) => [s.name, s]));
    for (const mg of options.plan.groups) {
      const src = sources.get(mg.source);
      if (!src) throw new Error(`palette: plan group ${mg.group.name} reads unknown source ${mg.source}`);
      const topic = src.stream.topic;
      let t = this.byTopic.get(topic);
      if (!t) {
        t = { decoder: makeEventDecoder(src), groups: [], source: src.name };
        this.byTopic.set(topic, t);
      } else if (t.source !== src.name) {
        throw new Error(`palette: topic ${topic} is the stream of two sources (${t.source}, ${src.name})`);
      }
      t.groups.push(planGroup(mg));
    }
  }

  /** The topics to consume. */
  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  get groups(): GroupRuntime[] {
    return [...this.byTopic.values()].flatMap((t) => t.groups.map((g) => g.group));
  }

  /** Creates the tables, consumes until stopped, then flushes and commits what it holds. */
  async run(): Promise<MaterializerStats> {
    await this.options.store.ensureTables(this.groups);
    const interval = this.options.flushIntervalMs ?? 500;
    this.flushTimer = setInterval(() => {
      if (!this.flushing && !this.stopped && Date.now() - this.lastFlushAt >= interval && this.hasWork()) void this.flush().catch(() => {});
    }, Math.max(5, Math.floor(interval / 10)));
    this.log.info({ topics: this.topics, groups: this.groups.map((g) => g.name), source: this.options.source.kind, store: this.options.store.kind }, 'materializer started');
    try {
      await this.options.source.run(this);
    } catch (e) {
      this.failure ??= e as Error;
    } finally {
      await this.stop();
    }
    if (this.failure) throw this.failure;
    return this.summary();
  }

  summary(): MaterializerStats {
    const r = (x: number) => Math.round(x);
    const t = this.timing;
    return {
      ...this.stats,
      timing: {
        prepareMs: r(t.prepareMs), loadMs: r(t.loadMs), applyMs: r(t.applyMs), snapshotMs: r(t.snapshotMs),
        writeMs: r(t.writeMs), commitMs: r(t.commitMs), backpressureMs: r(t.backpressureMs),
      },
    };
  }

  /** Forget the freshness observed so far (benchmarks measure a steady phase). */
  resetFreshness(): void {
    this.freshnessMs.fill(0);
  }

  /** Stops consuming, writes and commits what is held, leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopRequested ??= (async () => {
      try {
        await this.options.source.pause();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'pausing the stream failed');
      }
      this.stopped = true;
      if (this.flushTimer) clearInterval(this.flushTimer);
      // Final flush: retried a few times; what cannot be written is not committed either.
      for (let attempt = 0; this.hasWork(); attempt++) {
        try {
          await this.flush();
        } catch (e) {
          if (attempt >= 4) {
            this.failure ??= new UserError(`could not write the last tiles to the online store: ${(e as Error).message}`, 'nothing unwritten was committed: a restart replays it');
            break;
          }
          await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        }
      }
      await this.options.source.stop();
      this.log.info(this.summary(), 'materializer stopped');
    })();
    return this.stopRequested;
  }

  /** Exact percentiles (ms) of freshness (produce → written) over the events flushed so far. */
  freshnessPercentiles(ps: readonly number[]): number[] {
    let total = 0;
    for (const c of this.freshnessMs) total += c;
    return ps.map((p) => {
      if (total === 0) return NaN;
      const want = Math.ceil(p * total);
      let acc = 0;
      for (let i = 0; i < this.freshnessMs.length; i++) {
        acc += this.freshnessMs[i];
        if (acc >= want) return i;
      }
      return this.freshnessMs.length - 1;
    });
  }

  // ---------------------------------------------------------------- StreamHandler

  onAssignment(partitions: readonly TopicPartition[]): void {
    const next = new Set(partitions.map((p) => tpId(p.topic, p.partition)));
    for (const [id, part] of this.parts) {
      if (!next.has(id)) {
        // Revoked: its rows are now another instance's. Unwritten state is dropped, not
        // flushed: the new owner replays from the committed offset (see the file comment).
        this.dirtyCount -= part.dirty.length;
        this.parts.delete(id);
        this.metrics.lag.remove({ topic: part.topic, partition: String(part.partition) });
      }
    }
    for (const p of partitions) {
      const id = tpId(p.topic, p.partition);
      if (!this.parts.has(id) && this.byTopic.has(p.topic)) this.parts.set(id, this.newPartition(p.topic, p.partition));
    }
    this.assigned = next;
    this.epoch++;
    this.log.info({ partitions: partitions.map((p) => `${p.topic}/${p.partition}`) }, 'partitions assigned');
  }

  onIdle(idleMs: number): void {
    const until = this.options.untilIdleMs;
    if (until === undefined || this.stopRequested || this.assigned === null || idleMs < until) return;
    for (const id of this.assigned) {
      const p = this.parts.get(id);
      if (p && p.highWatermark !== null && p.position + 1 < p.highWatermark) return;
    }
    if (this.hasWork() || this.flushing) return;
    this.log.info({ idleMs }, 'idle: stopping (--until-idle)');
    void this.stop();
  }

  async onBatch(batch: RecordBatch): Promise<void> {
    if (this.stopped || this.failure) return;
    const t = this.byTopic.get(batch.topic);
    if (!t) return;
    const id = tpId(batch.topic, batch.partition);
    if (this.assigned !== null && !this.assigned.has(id)) return;
    let part = this.parts.get(id);
    if (!part) {
      part = this.newPartition(batch.topic, batch.partition);
      this.parts.set(id, part);
    }
    const t0 = performance.now();
    let records = batch.records;
    const max = this.options.maxEvents;
    if (max !== undefined) {
      const left = max - this.stats.events;
      if (left <= 0) return;
      if (records.length > left) records = records.slice(0, left);
    }

    // 1. Decode, check, run each group's row pipeline: pure, no state changed yet.
    const prepared: PreparedEvent[] = [];
    const letters: DeadLetter[] = [];
    const produced: number[] = [];
    let watermark = part.watermark;
    let lastOffset = part.position;
    let late = 0;
    for (const rec of records) {
      if (rec.offset <= part.position) continue; // redelivered after a rebalance: already held
      lastOffset = rec.offset;
      const d: DecodeResult = rec.value === null ? { ok: false, reason: 'empty record (null value)' } : t.decoder(rec.value);
      if (!d.ok) {
        letters.push({ topic: batch.topic, partition: batch.partition, offset: rec.offset, reason: d.reason, raw: rec.value });
        continue;
      }
      produced.push(rec.producedAt);
      if (d.ts > watermark) watermark = d.ts;
      for (const g of t.groups) {
        if (d.ts < watermark - g.maxEventAgeMs) {
          this.metrics.late.inc({ group: g.name });
          late++;
          continue;
        }
        const row = g.copyRow ? { ...d.row } : d.row;
        if (!g.pipeline(row)) continue;
        const key: Value[] = new Array(g.keyColumns.length);
        let nullKey = false;
        for (let i = 0; i < key.length; i++) {
          const v = row[g.keyColumns[i]];
          if (v === null || v === undefined) nullKey = true;
          key[i] = v ?? null;
        }
        if (nullKey) {
          this.metrics.dropped.inc({ group: g.name, reason: 'null_key' });
          continue;
        }
        const inputs: Value[] = new Array(g.inputs.length);
        for (let i = 0; i < inputs.length; i++) {
          const f = g.inputs[i];
          inputs[i] = f === null ? null : f(row);
        }
        prepared.push({ g, keyId: key.length === 1 ? String(key[0]) : JSON.stringify(key), key, ts: d.ts, offset: rec.offset, inputs });
      }
    }

    const t1 = performance.now();
    this.timing.prepareMs += t1 - t0;
    // 2. Dead letters are durable before anything past them can be committed.
    if (letters.length) {
      await this.options.source.deadLetter(letters);
      for (const l of letters) {
        this.metrics.deadLetters.inc({ topic: l.topic, kind: deadLetterKind(l.reason) });
        this.log.warn({ topic: l.topic, partition: l.partition, offset: l.offset, reason: l.reason }, 'dead letter');
      }
    }

    // 3. Load the stored rows of keys this process does not hold yet (one partition read each).
    const t2 = performance.now();
    await this.loadKeys(part, prepared);
    if (this.parts.get(id) !== part) return; // revoked while loading: drop the batch

    // 4. Apply (synchronous: a flush snapshot never sees half a batch).
    const t3 = performance.now();
    this.timing.loadMs += t3 - t2;
    const now = Date.now();
    for (const e of prepared) {
      const ks = part.keys.get(e.g.name)!.get(e.keyId)!;
      ks.lastTouched = now;
      const hops = e.g.hops;
      let replayed = false;
      for (let h = 0; h < hops.length; h++) {
        const hp = hops[h];
        const start = floorTo(e.ts, hp.hopMs);
        const tk = `${h}:${start}`;
        let entry = ks.tiles.get(tk);
        if (!entry) {
          // A tile not in memory is new only where the load covered the store (see loadKeys).
          if (start < ks.loadedSince) throw new Error(`palette: materializer bug: tile ${start} of ${e.g.name} ${e.keyId} was not loaded (loaded since ${ks.loadedSince})`);
          entry = { hop: h, start, states: hp.aggs.map((a) => e.g.aggregators[a].create()), floorOffset: -1, dirty: false };
          ks.tiles.set(tk, entry);
        }
        if (e.offset <= entry.floorOffset) {
          replayed = true;
          continue;
        }
        for (let i = 0; i < hp.aggs.length; i++) {
          const a = hp.aggs[i];
          e.g.aggregators[a].update(entry.states[i], e.inputs[a], e.ts);
        }
        if (!entry.dirty) {
          entry.dirty = true;
          part.dirty.push({ g: e.g, ks, entry });
          this.dirtyCount++;
        }
      }
      if (replayed) {
        this.metrics.replayed.inc({ group: e.g.name });
        this.stats.replayed++;
      }
    }
    for (const p of produced) part.produced.push(p);
    part.watermark = watermark;
    if (lastOffset > part.position) part.position = lastOffset;
    if (batch.highWatermark !== null) part.highWatermark = batch.highWatermark;
    if (part.highWatermark !== null) this.metrics.lag.set({ topic: part.topic, partition: String(part.partition) }, Math.max(0, part.highWatermark - part.position - 1));
    this.stats.events += records.length;
    this.stats.deadLetters += letters.length;
    this.stats.late += late;
    this.metrics.consumed(batch.topic, records.length);
    const t4 = performance.now();
    this.timing.applyMs += t4 - t3;

    // 5. Size bound: flush now; wait (back-pressure) while far too much is unwritten.
    const maxDirty = this.options.maxDirtyRows ?? 20_000;
    if (this.dirtyCount >= maxDirty && !this.flushing) void this.flush().catch(() => {});
    while (this.dirtyCount >= 2 * maxDirty && !this.stopped && !this.failure) {
      await (this.flushing ?? this.flush()).catch(() => new Promise((r) => setTimeout(r, 200)));
    }
    this.timing.backpressureMs += performance.now() - t4;
    if (max !== undefined && this.stats.events >= max) {
      this.log.info({ events: this.stats.events }, 'reached --max-events: stopping');
      setImmediate(() => void this.stop());
    }
  }

  private newPartition(topic: string, partition: number): PartitionState {
    const groups = this.byTopic.get(topic)!.groups;
    return {
      topic, partition, position: -1, committed: -1, watermark: -Infinity,
      highWatermark: null, keys: new Map(groups.map((g) => [g.name, new Map()])), dirty: [], produced: [],
    };
  }

  // ---------------------------------------------------------------- loading

  /**
   * Makes `part` hold, for every key of `prepared`, the stored rows of every tile the batch
   * touches: a key it does not hold is read from the store (one read per group and key)
   * from the oldest tile the batch touches; a key it holds from a later tile on has its load
   * extended back. Rows read are also merged into the other partitions this process owns
   * (rows of an owned partition are only written by this process), unless a key was evicted
   * or the assignment changed while the read was in flight (the rows could be older than
   * what this process wrote since). Concurrent batches share reads.
   */
  private async loadKeys(part: PartitionState, prepared: readonly PreparedEvent[]): Promise<void> {
    const need = new Map<string, { g: GroupPlan; keyId: string; key: Value[]; since: number }>();
    for (const e of prepared) {
      let since = Infinity;
      for (const hp of e.g.hops) since = Math.min(since, floorTo(e.ts, hp.hopMs));
      const ks = part.keys.get(e.g.name)!.get(e.keyId);
      if (ks && ks.loadedSince <= since) continue;
      const id = `${e.g.name}\u0000${e.keyId}`;
      const cur = need.get(id);
      if (!cur) need.set(id, { g: e.g, keyId: e.keyId, key: e.key, since });
      else if (since < cur.since) cur.since = since;
    }
    if (need.size === 0) return;
    const items = [...need];
    const limit = this.options.loadConcurrency ?? 64;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const [loadId, { g, keyId, key, since }] = items[next++];
        const held = part.keys.get(g.name)!.get(keyId);
        if (held && held.loadedSince <= since) continue; // extended meanwhile by another partition's read
        const epoch = this.epoch;
        let pending = this.pendingLoads.get(loadId);
        if (!pending || pending.since > since) {
          const entry = { since, rows: this.options.store.readTiles(g.group, key, since) };
          pending = entry;
          this.pendingLoads.set(loadId, entry);
          void entry.rows.then(() => { if (this.pendingLoads.get(loadId) === entry) this.pendingLoads.delete(loadId); }, () => { if (this.pendingLoads.get(loadId) === entry) this.pendingLoads.delete(loadId); });
          this.stats.keyLoads++;
        }
        const { rows, since: readSince } = { rows: await pending.rows, since: pending.since };
        for (const other of this.parts.values()) {
          if (other.topic !== part.topic || (other !== part && this.epoch !== epoch)) continue;
          const map = other.keys.get(g.name)!;
          const ks = map.get(keyId);
          if (!ks) map.set(keyId, this.keyState(g, key, rows, other.partition, readSince));
          else if (readSince < ks.loadedSince) this.extend(g, ks, rows, other.partition, readSince);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  }

  private keyState(g: GroupPlan, key: Value[], rows: readonly TileRow[], partition: number, since: number): KeyState {
    const ks: KeyState = { key, tiles: new Map(), loadedSince: Infinity, lastTouched: Date.now() };
    this.extend(g, ks, rows, partition, since);
    return ks;
  }

  /** Adds the rows of `partition` older than what ks holds; ks then holds everything from `since`. */
  private extend(g: GroupPlan, ks: KeyState, rows: readonly TileRow[], partition: number, since: number): void {
    for (const r of rows) {
      if (r.streamPartition !== partition || r.tileStart >= ks.loadedSince || r.tileStart < since) continue;
      const h = g.hops.findIndex((hp) => hp.hopMs === r.hopMs);
      if (h < 0) continue;
      const hp = g.hops[h];
      const states = hp.aggs.map((a, i) => g.aggregators[a].fromFields(hp.columns[i].map((c) => r.states[c] ?? null)));
      ks.tiles.set(`${h}:${r.tileStart}`, { hop: h, start: r.tileStart, states, floorOffset: r.streamOffset ?? -1, dirty: false });
    }
    ks.loadedSince = Math.min(ks.loadedSince, since);
  }

  // ---------------------------------------------------------------- flushing

  private hasWork(): boolean {
    if (this.dirtyCount > 0) return true;
    for (const p of this.parts.values()) if (p.position + 1 > p.committed && p.position >= 0) return true;
    return false;
  }

  /** One flush at a time; a call while one runs waits for it and then runs another. */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      const prev = this.flushing;
      if (prev) await prev.catch(() => {});
      await this.flushOnce();
    };
    const p = run().finally(() => {
      if (this.flushing === p) this.flushing = null;
    });
    this.flushing = p;
    return p;
  }

  private async flushOnce(): Promise<void> {
    const started = performance.now();
    const now = Date.now();
    this.lastFlushAt = now;
    // Snapshot (synchronous): full states of every dirty row, with its partition's position.
    const rowsByGroup = new Map<GroupPlan, { key: readonly Value[]; row: TileRow }[]>();
    const snap: { part: PartitionState; position: number; refs: DirtyRef[]; produced: number[] }[] = [];
    for (const part of this.parts.values()) {
      if (part.dirty.length === 0 && !(part.position >= 0 && part.position + 1 > part.committed)) continue;
      const refs = part.dirty;
      const produced = part.produced;
      part.dirty = [];
      part.produced = [];
      this.dirtyCount -= refs.length;
      for (const { g, ks, entry } of refs) {
        entry.dirty = false;
        const hp = g.hops[entry.hop];
        const states: Record<string, Value> = {};
        for (let i = 0; i < hp.aggs.length; i++) {
          const fields = g.aggregators[hp.aggs[i]].toFields(entry.states[i]);
          const cols = hp.columns[i];
          for (let j = 0; j < cols.length; j++) if (fields[j] !== null) states[cols[j]] = fields[j] as Value;
        }
        let list = rowsByGroup.get(g);
        if (!list) rowsByGroup.set(g, (list = []));
        list.push({ key: ks.key, row: { hopMs: hp.hopMs, tileStart: entry.start, streamPartition: part.partition, streamOffset: part.position, states, updatedAt: now } });
      }
      snap.push({ part, position: part.position, refs, produced });
    }
    if (snap.length === 0) return;
    const snapped = performance.now();
    this.timing.snapshotMs += snapped - started;
    try {
      await Promise.all([...rowsByGroup].map(([g, rows]) => this.options.store.writeTiles(g.group, rows)));
    } catch (e) {
      // Nothing of this snapshot is committed; its rows are written again by the next flush.
      for (const s of snap) {
        if (this.parts.get(tpId(s.part.topic, s.part.partition)) !== s.part) continue;
        for (const r of s.refs) {
          if (!r.entry.dirty) {
            r.entry.dirty = true;
            s.part.dirty.push(r);
            this.dirtyCount++;
          }
        }
        s.part.produced = s.produced.concat(s.part.produced);
      }
      this.consecutiveFailures++;
      this.log.error({ err: (e as Error).message, failures: this.consecutiveFailures }, 'online store write failed; will retry');
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** this.consecutiveFailures)));
      throw e;
    }
    this.consecutiveFailures = 0;
    const written = Date.now();
    const wrote = performance.now();
    this.timing.writeMs += wrote - snapped;
    for (const [g, rows] of rowsByGroup) {
      this.metrics.flushedRows.inc({ group: g.name }, rows.length);
      this.stats.rowsWritten += rows.length;
    }
    // Commit only partitions still owned by this snapshot's state (a revoked partition's
    // rows were written, fenced, but its offsets belong to the new owner now).
    const commits = snap.filter((s) => this.parts.get(tpId(s.part.topic, s.part.partition)) === s.part && s.position + 1 > s.part.committed);
    if (commits.length) {
      try {
        await this.options.source.commit(commits.map((s) => ({ topic: s.part.topic, partition: s.part.partition, offset: s.position + 1 })));
        for (const s of commits) s.part.committed = Math.max(s.part.committed, s.position + 1);
      } catch (e) {
        // Rows are written; a lost commit only means more replay (skipped by offset).
        this.log.warn({ err: (e as Error).message }, 'offset commit failed (the rows are written; a restart replays and skips them)');
      }
    }
    this.timing.commitMs += performance.now() - wrote;
    for (const s of snap) {
      for (const p of s.produced) {
        const ms = Math.max(0, written - p);
        this.freshnessMs[Math.min(ms, this.freshnessMs.length - 1)]++;
        this.metrics.freshness.observe(ms / 1000);
      }
    }
    this.stats.flushes++;
    this.metrics.flushSeconds.observe((performance.now() - started) / 1000);
    if (written - this.lastEvictAt > 5000) {
      this.lastEvictAt = written;
      this.evict(written);
    }
  }

  /** Drops clean tiles no event can reach and idle clean keys (between flushes only). */
  private evict(now: number): void {
    const idle = this.options.keyIdleMs ?? 600_000;
    let tiles = 0;
    let keys = 0;
    for (const part of this.parts.values()) {
      for (const g of this.byTopic.get(part.topic)!.groups) {
        const horizonOk = Number.isFinite(part.watermark) && g.maxEventAgeMs < Number.MAX_SAFE_INTEGER;
        const horizons = g.hops.map((hp) => (horizonOk ? floorTo(part.watermark - g.maxEventAgeMs, hp.hopMs) : -Infinity));
        const map = part.keys.get(g.name)!;
        for (const [id, ks] of map) {
          let dirty = false;
          for (const [tk, e] of ks.tiles) {
            if (e.dirty) dirty = true;
            else if (e.start < horizons[e.hop]) {
              ks.tiles.delete(tk);
              tiles++;
            }
          }
          if (!dirty && now - ks.lastTouched > idle) {
            map.delete(id);
            keys++;
          }
        }
      }
    }
    if (keys) this.epoch++;
    if (tiles || keys) this.log.debug({ tiles, keys }, 'evicted');
  }
}

function planGroup(mg: MaterializedGroup): GroupPlan {
  const g = mg.group;
  if (g.kind !== 'windowed') throw new Error(`palette: materializer plan has snapshot group ${g.name}`);
  const hops = new Map<number, { aggs: number[]; columns: string[][] }>();
  for (const s of g.layout.aggregations) {
    const h = hops.get(s.hopMs) ?? { aggs: [], columns: [] };
    h.aggs.push(s.aggregationIndex);
    h.columns.push(s.columns.map((c) => c.column));
    hops.set(s.hopMs, h);
  }
  return {
    mg,
    group: g,
    name: g.name,
    pipeline: compileRowPipeline(mg.lets, mg.filter),
    copyRow: mg.lets.length > 0,
    inputs: g.aggregations.map((a) => (a.input === null ? null : compileExpr(a.input))),
    aggregators: g.aggregations.map((a) => makeAggregator(a)),
    hops: [...hops].sort((a, b) => a[0] - b[0]).map(([hopMs, h]) => ({ hopMs, aggs: h.aggs, columns: h.columns })),
    keyColumns: mg.keyColumns,
    maxEventAgeMs: mg.maxEventAgeMs,
  };
}
