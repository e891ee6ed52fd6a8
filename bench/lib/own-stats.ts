/**
 * The own view a stripped-down server of bench/lib/read-proxy.ts keeps of its requests
 * (`GET /stats`), in a module of its own so that bench/sidecar-bench.ts can read it without
 * loading the server (read-proxy.ts starts one when imported).
 */

/** Bounds (ms) of OwnStats.atOrUnderMs: those of the sidecar's request-duration histogram up to 50 ms. */
export const OWN_LIMITS_MS = [1, 2, 3, 5, 10, 25, 50] as const;

/** A server's own view since it started. Counts only grow: the bench takes differences. */
export interface OwnStats {
  /** Requests answered (200 or 503; /stats itself not counted). */
  readonly requests: number;
  /** Per bound of OWN_LIMITS_MS (as a string), the requests answered within it. */
  readonly atOrUnderMs: Readonly<Record<string, number>>;
  /** GC pauses by kind (minor: scavenges; major: mark-compact; incremental: marking steps): count and total ms. */
  readonly gc: Readonly<Record<'minor' | 'major' | 'incremental', { readonly count: number; readonly ms: number }>>;
}
