/**
 * What the runtime needs to know about a group, shared by the materializer plan and the
 * serving manifest. Emitted by the compiler from the IR; consumed without it.
 */
import type { AggregationSpec } from './aggregation.js';
import type { Expr } from './expr.js';
import type { GroupLayout } from './layout.js';
import type { PalType } from './types.js';

export interface KeySpec {
  readonly name: string;
  readonly type: PalType;
}

export interface RuntimeFeature {
  /** Local name within the group. */
  readonly name: string;
  /** `namespace.group.feature`. */
  readonly qualifiedName: string;
  /** Over aggregate refs and other features of the group (windowed) or columns (snapshot). */
  readonly expr: Expr;
  readonly type: PalType;
  readonly description: string | null;
}

export interface GroupRuntime {
  /** `namespace.group`. */
  readonly name: string;
  /** Semantic hash: the storage identity of this definition. */
  readonly version: string;
  readonly kind: 'windowed' | 'snapshot';
  readonly entity: { readonly name: string; readonly keys: readonly KeySpec[] };
  readonly aggregations: readonly AggregationSpec[];
  /** In dependency order: a feature only refers to features before it. */
  readonly features: readonly RuntimeFeature[];
  readonly layout: GroupLayout;
}
