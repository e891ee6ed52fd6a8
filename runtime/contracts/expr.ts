/**
 * The expression tree of the IR, shared by the compiler (which builds and types it) and the
 * runtime (which evaluates it) and every SQL target (which prints it). Fully typed: every
 * node carries its result type, so no consumer re-infers types.
 *
 * Null semantics (all engines): any operator or function with a null argument yields null,
 * except `and`/`or` (three-valued logic), `coalesce`, `if`/`case` (only the taken branch
 * matters; a null condition takes the else branch) and `nullif(a, b)` (SQL NULLIF: null only
 * when a == b is true, so a null b keeps a). Division `/` always yields double, and division or modulo by zero yields null.
 * A row filter that evaluates to null drops the row.
 */
import type { PalType } from './types.js';

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | 'and' | 'or';

export type UnaryOp = '-' | 'not';

/** Scalar functions. Each has one meaning, implemented once per engine. */
export type FunctionName =
  | 'if' | 'coalesce' | 'nullif'
  | 'lower' | 'upper' | 'length' | 'concat' | 'substr'
  | 'abs' | 'round' | 'floor' | 'ceil' | 'log' | 'exp' | 'sqrt' | 'pow'
  | 'hour_of_day' | 'day_of_week' | 'date_trunc' | 'days_between'
  | 'snapshot_date';

export type Expr =
  | LiteralExpr
  | ColumnExpr
  | FeatureRefExpr
  | AggregateRefExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | CaseExpr
  | CastExpr;

/** timestamp literals are epoch ms; date literals are 'YYYY-MM-DD'. */
export interface LiteralExpr {
  readonly kind: 'literal';
  readonly type: PalType;
  readonly value: string | number | boolean | null;
}

/** A column of the row being processed: a source field or a group `let`. */
export interface ColumnExpr {
  readonly kind: 'column';
  readonly name: string;
  readonly type: PalType;
}

/**
 * Another feature's final value. Inside a group: the local feature name. Inside a model:
 * the qualified name `namespace.group.feature`.
 */
export interface FeatureRefExpr {
  readonly kind: 'feature';
  readonly name: string;
  readonly type: PalType;
}

/** The finalized value of the group's aggregation number `index` (see ir.Group.aggregations). */
export interface AggregateRefExpr {
  readonly kind: 'aggregate';
  readonly index: number;
  readonly type: PalType;
}

export interface CallExpr {
  readonly kind: 'call';
  readonly fn: FunctionName;
  readonly args: readonly Expr[];
  readonly type: PalType;
}

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly type: PalType;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly type: PalType;
}

/** `case when c1 then v1 ... else e end`; a missing else is null. */
export interface CaseExpr {
  readonly kind: 'case';
  readonly branches: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else: Expr | null;
  readonly type: PalType;
}

/** `cast(x as T)`: a failed cast (e.g. 'abc' as int) yields null. */
export interface CastExpr {
  readonly kind: 'cast';
  readonly operand: Expr;
  readonly type: PalType;
}

/** `date_trunc` units, in the order of their size. */
export const DATE_TRUNC_UNITS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type DateTruncUnit = (typeof DATE_TRUNC_UNITS)[number];
