/**
 * An open-loop load generator: request i is due at t0 + i / rate whatever happened to the
 * requests before it, and its latency is measured from when it was due, not from when it
 * was sent. A slow server therefore shows up as latency (no coordinated omission): a
 * closed-loop client that waits for answers before sending more would hide it.
 *
 * Bounded in count and time: it stops issuing at `maxRequests` or `durationMs`, and waits at
 * most `drainMs` for the last answers (anything still out is counted as timed out).
 */
import { percentile } from './results.js';

export interface OpenLoopOptions {
  /** Requests per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Requests in the first `warmupMs` are sent but not measured. */
  readonly warmupMs?: number;
  readonly drainMs?: number;
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
  readonly firstError: string | null;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export async function runOpenLoop(send: (i: number) => Promise<void>, opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / opts.rate;
  const warmup = opts.warmupMs ?? 0;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let outstanding = 0;
  let sent = 0;
  let maxSendLag = 0;
  const t0 = performance.now();
  let allSent!: () => void;
  const sending = new Promise<void>((r) => { allSent = r; });
  let drained: (() => void) | null = null;

  const issue = (i: number, due: number) => {
    outstanding++;
    sent++;
    const lag = performance.now() - due;
    if (lag > maxSendLag) maxSendLag = lag;
    send(i).then(
      () => {
        if (due - t0 >= warmup) latencies.push(performance.now() - due);
      },
      (e: unknown) => {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      },
    ).finally(() => {
      outstanding--;
      if (outstanding === 0 && drained) drained();
    });
  };

  let next = 0;
  const tick = () => {
    const now = performance.now();
    const elapsed = now - t0;
    while (next < opts.maxRequests && next * intervalMs <= elapsed && next * intervalMs < opts.durationMs) {
      issue(next, t0 + next * intervalMs);
      next++;
    }
    if (next >= opts.maxRequests || next * intervalMs >= opts.durationMs) { allSent(); return; }
    // Timers only, never a setImmediate spin: spinning would burn a whole core of the machine
    // the server under test shares. Node's timers fire on 1 ms ticks, so at rates above
    // 1,000/s requests leave in small bursts up to ~1 ms after they were due; latency is still
    // measured from the due time, so that lag is counted against the server, never hidden.
    const wait = t0 + next * intervalMs - performance.now();
    setTimeout(tick, Math.max(1, Math.floor(wait)));
  };
  tick();
  await sending;
  const elapsedMs = performance.now() - t0;
  if (outstanding > 0) {
    await Promise.race([
      new Promise<void>((r) => { drained = r; }),
      new Promise<void>((r) => setTimeout(r, opts.drainMs ?? 5000).unref()),
    ]);
  }
  const timedOut = outstanding;
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  return {
    rate: opts.rate,
    sent,
    measured: latencies.length,
    errors,
    timedOut,
    achievedRate: Math.round(sent / (elapsedMs / 1000)),
    p50: round(percentile(latencies, 50)),
    p90: round(percentile(latencies, 90)),
    p99: round(percentile(latencies, 99)),
    p999: round(percentile(latencies, 99.9)),
    max: round(latencies[latencies.length - 1] ?? NaN),
    mean: round(mean),
    maxSendLagMs: round(maxSendLag),
    firstError,
  };
}
