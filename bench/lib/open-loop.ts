/**
 * An open-loop load generator: request i is due at t0 + i / rate whatever happened to the
 * requests before it, and its latency is measured from when it was due, not from when it
 * was sent. A slow server therefore shows up as latency (no coordinated omission): a
 * closed-loop client that waits for answers before sending more would hide it.
 *
 * Bounded in count and time: it stops issuing at `maxRequests` or `durationMs`, and waits at
 * most `drainMs` for the last answers (anything still out is counted as timed out).
 */
import { Worker } from 'node:worker_threads';
import { percentile } from './results.js';

/**
 * The pacer: a worker thread that sleeps until the next request is due (Atomics.wait, whose
 * timeout has sub-millisecond precision, unlike Node's timers' 1 ms ticks) and then posts the
 * index of the last request due. It never spins: it is awake only to post. Times are epoch
 * milliseconds (timeOrigin + now()), the one clock both threads share.
 */
const PACER = `
const { parentPort, workerData } = require('node:worker_threads');
const { intervalMs, count } = workerData;
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();
parentPort.once('message', (start) => {
let next = 0;
while (next < count) {
  const wait = start + next * intervalMs - now();
  if (wait > 0.02) Atomics.wait(cell, 0, 0, wait);
  const elapsed = now() - start;
  let last = next;
  while (last + 1 < count && (last + 1) * intervalMs <= elapsed) last++;
  parentPort.postMessage(last);
  next = last + 1;
}
});
parentPort.postMessage(-1); // ready
`;

export interface OpenLoopOptions {
  /** Requests per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Requests in the first `warmupMs` are sent but not measured. */
  readonly warmupMs?: number;
  readonly drainMs?: number;
  /**
   * Requests split into classes (e.g. by time slice between two servers, as
   * bench/sidecar-bench.ts --interleave does): `classOf(i)` in 0..classes-1. The result then
   * also has `byClass`, each class's figures as for a run of its own.
   */
  readonly classes?: { readonly count: number; readonly classOf: (i: number) => number };
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly sent: number;
  readonly measured: number;
  readonly errors: number;
  readonly timedOut: number;
  readonly achievedRate: number;
  /** Latency in ms from due time to completion. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
  /** Most late the generator itself was in sending a request (ms): a check that the client kept up. */
  readonly maxSendLagMs: number;
  /** Mean of that lateness (ms): how precisely requests left on time. */
  readonly meanSendLagMs: number;
  /**
   * p99 of that lateness over the measured requests (ms). It is part of every latency above
   * (they count from the due time); a generator that shares a core with the server it
   * measures is late when the server holds the core, and this says by how much.
   */
  readonly p99SendLagMs: number;
  readonly firstError: string | null;
  /**
   * Every measured latency (ms, ascending), for pooling the runs of a repeated measurement;
   * not enumerable, so that results files (JSON.stringify) leave it out.
   */
  readonly latenciesMs?: readonly number[];
  /** With `classes`: per class, its requests' figures (achievedRate: over its share of the run's time). */
  readonly byClass?: readonly OpenLoopResult[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** What one class of requests (or the whole run) came to. */
interface Tally {
  latencies: number[];
  sendLags: number[];
  errors: number;
  firstError: string | null;
  sent: number;
  maxSendLag: number;
  sumSendLag: number;
  outstanding: number;
}

const newTally = (): Tally => ({ latencies: [], sendLags: [], errors: 0, firstError: null, sent: 0, maxSendLag: 0, sumSendLag: 0, outstanding: 0 });

export async function runOpenLoop(send: (i: number) => Promise<void>, opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / opts.rate;
  const warmup = opts.warmupMs ?? 0;
  const all = newTally();
  // Per class; without classes, the run is its one class and `all` is all there is.
  const tallies: Tally[] = opts.classes ? Array.from({ length: opts.classes.count }, newTally) : [];
  let t0 = performance.now();
  let allSent!: () => void;
  const sending = new Promise<void>((r) => { allSent = r; });
  let drained: (() => void) | null = null;

  const sentOne = (t: Tally, lag: number, measured: boolean) => {
    t.outstanding++;
    t.sent++;
    if (lag > t.maxSendLag) t.maxSendLag = lag;
    t.sumSendLag += lag;
    if (measured) t.sendLags.push(lag);
  };
  const failed = (t: Tally, e: unknown) => {
    t.errors++;
    t.firstError ??= e instanceof Error ? e.message : String(e);
  };
  const issue = (i: number, due: number) => {
    const own = opts.classes ? tallies[opts.classes.classOf(i)] : null;
    const lag = performance.now() - due;
    const measured = due - t0 >= warmup;
    sentOne(all, lag, measured);
    if (own) sentOne(own, lag, measured);
    send(i).then(
      () => {
        if (!measured) return;
        const latency = performance.now() - due;
        all.latencies.push(latency);
        own?.latencies.push(latency);
      },
      (e: unknown) => {
        failed(all, e);
        if (own) failed(own, e);
      },
    ).finally(() => {
      if (own) own.outstanding--;
      all.outstanding--;
      if (all.outstanding === 0 && drained) drained();
    });
  };

  // How many requests this run sends: every due time before durationMs, at most maxRequests.
  const count = Math.min(opts.maxRequests, Math.ceil(opts.durationMs / intervalMs));
  const pacer = new Worker(PACER, { eval: true, workerData: { intervalMs, count } });
  await new Promise<void>((resolve, reject) => { pacer.once('message', () => resolve()); pacer.once('error', reject); });
  t0 = performance.now();
  pacer.postMessage(performance.timeOrigin + t0);
  let next = 0;
  pacer.on('message', (last: number) => {
    // Request i is due at t0 + i * interval on this thread's clock; its latency counts from
    // then, so a late message (this thread busy) is counted against the server, never hidden.
    for (; next <= last; next++) issue(next, t0 + next * intervalMs);
    if (next >= count) allSent();
  });
  pacer.on('error', (e) => { all.firstError ??= `pacer: ${e.message}`; allSent(); });
  if (count === 0) allSent();
  await sending;
  await pacer.terminate();
  const elapsedMs = performance.now() - t0;
  if (all.outstanding > 0) {
    await Promise.race([
      new Promise<void>((r) => { drained = r; }),
      new Promise<void>((r) => setTimeout(r, opts.drainMs ?? 5000).unref()),
    ]);
  }
  const result = summarize(all, opts.rate, elapsedMs);
  // A class's achieved rate is that of its own share of the run (its slices, when the classes take turns).
  if (opts.classes) Object.assign(result, { byClass: tallies.map((t) => summarize(t, opts.rate, (elapsedMs * t.sent) / Math.max(1, all.sent))) });
  return result;
}

function summarize(t: Tally, rate: number, elapsedMs: number): OpenLoopResult {
  const latencies = t.latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  const result: OpenLoopResult = {
    rate,
    sent: t.sent,
    measured: latencies.length,
    errors: t.errors,
    timedOut: t.outstanding,
    achievedRate: Math.round(t.sent / (elapsedMs / 1000)),
    p50: round(percentile(latencies, 50)),
    p90: round(percentile(latencies, 90)),
    p99: round(percentile(latencies, 99)),
    p999: round(percentile(latencies, 99.9)),
    max: round(latencies[latencies.length - 1] ?? NaN),
    mean: round(mean),
    maxSendLagMs: round(t.maxSendLag),
    meanSendLagMs: round(t.sumSendLag / Math.max(1, t.sent)),
    p99SendLagMs: round(percentile(t.sendLags.sort((a, b) => a - b), 99)),
    firstError: t.firstError,
  };
  Object.defineProperty(result, 'latenciesMs', { value: latencies, enumerable: false });
  return result;
}
