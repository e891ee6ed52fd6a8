/**
 * The streaming materializer plan (build/materializer-plan.json): which topics to read,
 * how to decode and check events, and how each group turns them into tiles.
 */
import type { Expr } from './expr.js';
import type { GroupRuntime, KeySpec } from './group-runtime.js';

export const PLAN_VERSION = 1;

export interface EventSourceSpec {
  /** `namespace.source`. */
  readonly name: string;
  readonly fields: readonly KeySpec[];
  readonly timestampField: string;
  readonly stream: { readonly kind: 'kafka'; readonly topic: string; readonly format: 'json' };
}

export interface MaterializedGroup {
  readonly group: GroupRuntime;
  /** `namespace.source` of an entry in MaterializerPlan.sources. */
  readonly source: string;
  /** Row filter over source columns and lets; null keeps every row. */
  readonly filter: Expr | null;
  /** Row-level columns computed before the filter, in order (each may use earlier ones). */
  readonly lets: readonly { readonly name: string; readonly expr: Expr }[];
  /** Entity key i is read from source column keyColumns[i]. */
  readonly keyColumns: readonly string[];
  /** Events older than (now - maxEventAgeMs) are late: counted and skipped. */
  readonly maxEventAgeMs: number;
}

export interface MaterializerPlan {
  readonly planVersion: typeof PLAN_VERSION;
  /** Hash of the registry this plan was compiled from. */
  readonly registryHash: string;
  readonly sources: readonly EventSourceSpec[];
  readonly groups: readonly MaterializedGroup[];
}
