/**
 * Aggregations, windows and partial states: the part of the IR that every engine (the TS
 * runtime, DuckDB, Spark) must implement identically. design.md section 3 is the source;
 * this file is its precise form.
 *
 * Windows are sawtooth. `agg(x) over W every H`, asked at time t (epoch ms), covers the
 * events e with  floor(t - W, H) <= e.ts < t,  where floor(v, H) = v - mod(v, H) rounded
 * towards minus infinity. A lifetime window (`over all`) covers every event with e.ts < t.
 *
 * Nulls: aggregations skip null inputs; count() counts rows. With no inputs, count,
 * count(x) and count_distinct are 0 and every other aggregation is null.
 *
 * Ties (first, last, last_k): events are ordered by (ts, value) where values compare in
 * their natural order (numbers numerically, strings by Unicode code point, i.e. UTF-8
 * byte order, booleans false < true). `first` is the minimum of (ts, value), `last` the
 * maximum; `last_k` keeps the k largest (ts, value) pairs and returns their values most
 * recent first. Null inputs are skipped before ordering.
 *
 * variance and stddev are the sample versions (n - 1), null for fewer than 2 values.
 * avg of integers is a double. sum of int/long is long, of float/double is double.
 */
import type { Expr } from './expr.js';
import type { PalType } from './types.js';

export type AggFn =
  | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'last' | 'last_k'
  | 'count_distinct' | 'stddev' | 'variance';

export const AGG_FNS: readonly AggFn[] = [
  'count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'last_k', 'count_distinct', 'stddev', 'variance',
];

export type Window =
  | { readonly kind: 'sliding'; readonly sizeMs: number; readonly hopMs: number }
  | { readonly kind: 'lifetime'; readonly hopMs: number };

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Default hop of a window (design.md 3): 5 minutes for W < 12h, 1 hour for W < 12d,
 * otherwise 1 day; lifetime windows hop by 1 day.
 */
export function defaultHopMs(sizeMs: number | 'lifetime'): number {
  if (sizeMs === 'lifetime') return DAY_MS;
  if (sizeMs < 12 * HOUR_MS) return 5 * MINUTE_MS;
  if (sizeMs < 12 * DAY_MS) return HOUR_MS;
  return DAY_MS;
}

/** One aggregation of a group, deduplicated: two features using `sum(fare) over 7d` share it. */
export interface AggregationSpec {
  /** Position in the group's aggregation list; storage column names derive from it. */
  readonly index: number;
  readonly fn: AggFn;
  /** Row-level input over source columns and lets; null for `count()`. */
  readonly input: Expr | null;
  /** `last_k(x, k)` only. */
  readonly k: number | null;
  readonly window: Window;
  /** Type of the finalized value. */
  readonly resultType: PalType;
  /** Canonical text, e.g. `avg(fare) over 7d every 1h`: for humans, catalogs and hashes. */
  readonly display: string;
}

/**
 * The named fields of an aggregation's partial state, in storage order. Every store and
 * engine lays out a partial state with exactly these fields (see layout.ts).
 *   count → n          sum → s            avg → s, n        variance/stddev → n, mean, m2
 *   min/max → v        first/last → ts, v  last_k → ts (list), v (list, same order)
 *   count_distinct → v (list of distinct values)
 */
export interface StateField {
  readonly name: string;
  readonly type: PalType;
}

/**
 * The partial state fields of an aggregation, given its input type (null for `count()`).
 * A pure function of the spec: the layout pass, the runtime and the SQL targets all call it.
 */
export function stateFields(fn: AggFn, inputType: PalType | null): readonly StateField[] {
  const long: PalType = { kind: 'scalar', name: 'long', nullable: true };
  const double: PalType = { kind: 'scalar', name: 'double', nullable: true };
  const ts: PalType = { kind: 'scalar', name: 'timestamp', nullable: true };
  const value: PalType = inputType ? { ...inputType, nullable: true } : long;
  switch (fn) {
    case 'count':
      return [{ name: 'n', type: long }];
    case 'sum': {
      const integral = inputType?.kind === 'scalar' && (inputType.name === 'int' || inputType.name === 'long');
      return [{ name: 's', type: integral ? long : double }];
    }
    case 'avg':
      return [{ name: 's', type: double }, { name: 'n', type: long }];
    case 'variance':
    case 'stddev':
      return [{ name: 'n', type: long }, { name: 'mean', type: double }, { name: 'm2', type: double }];
    case 'min':
    case 'max':
      return [{ name: 'v', type: value }];
    case 'first':
    case 'last':
      return [{ name: 'ts', type: ts }, { name: 'v', type: value }];
    case 'last_k':
      return [
        { name: 'ts', type: { kind: 'list', element: { ...ts, nullable: false }, nullable: true } },
        { name: 'v', type: { kind: 'list', element: { ...value, nullable: false }, nullable: true } },
      ];
    case 'count_distinct':
      return [{ name: 'v', type: { kind: 'list', element: { ...value, nullable: false }, nullable: true } }];
  }
}
