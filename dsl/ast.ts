/**
 * The typed AST of a `.pal` file: syntax only, nothing resolved. Built from the Chevrotain
 * CST by cst-to-ast.ts. Every node has a span. A piece that error recovery could not parse
 * becomes an `ErrorExpr` (expressions) or is left out (lists), so the checker never reports
 * a cascade of errors for one syntax mistake.
 */
import type { Span } from './source.js';

/** An identifier occurrence. */
export interface Name {
  readonly text: string;
  readonly span: Span;
}

/** `a`, `a.b`, `a.b.c`. */
export interface QualifiedName {
  readonly parts: readonly Name[];
  readonly span: Span;
}

export interface StringLit {
  /** The unescaped value. */
  readonly value: string;
  readonly span: Span;
}

/** `90s`, `5m`, `1h`, `7d`, `2w`, `250ms`. */
export interface Duration {
  readonly text: string;
  readonly ms: number;
  readonly span: Span;
}

/** `double`, `int?`, `list<string>`: the name is not checked here (the checker does). */
export interface TypeRef {
  readonly kind: 'type';
  readonly name: Name;
  readonly element: TypeRef | null;
  readonly nullable: boolean;
  readonly span: Span;
}

export interface File {
  readonly kind: 'file';
  readonly path: string;
  readonly namespace: QualifiedName | null;
  readonly imports: readonly Import[];
  readonly decls: readonly Decl[];
  readonly span: Span;
}

/** `import payments` (a namespace) or `import payments.card` (one declaration), optional `as x`. */
export interface Import {
  readonly kind: 'import';
  readonly target: QualifiedName;
  readonly alias: Name | null;
  readonly span: Span;
}

export type Decl = Entity | Source | Group | Model;

/** Metadata items, allowed in every declaration; the checker rejects duplicates and misplaced ones. */
export type MetaItem =
  | { readonly kind: 'meta'; readonly key: 'description' | 'owner'; readonly value: StringLit; readonly span: Span }
  | { readonly kind: 'meta'; readonly key: 'tags'; readonly tags: readonly Name[]; readonly span: Span }
  | { readonly kind: 'meta'; readonly key: 'ttl'; readonly duration: Duration; readonly span: Span }
  | { readonly kind: 'meta'; readonly key: 'version'; readonly version: number; readonly span: Span };

export interface KeyDecl {
  readonly kind: 'key';
  readonly name: Name;
  readonly type: TypeRef;
  readonly span: Span;
}

export interface Entity {
  readonly kind: 'entity';
  readonly name: Name;
  readonly keys: readonly KeyDecl[];
  readonly meta: readonly MetaItem[];
  readonly span: Span;
}

export interface FieldDecl {
  readonly kind: 'field';
  readonly name: Name;
  readonly type: TypeRef;
  readonly span: Span;
}

/** `stream kafka "rides.trips" format json` */
export interface StreamDecl {
  readonly kind: 'stream';
  readonly system: Name;
  readonly topic: StringLit;
  readonly format: Name | null;
  readonly span: Span;
}

/** `table hive "raw.trips" partition ds` */
export interface TableDecl {
  readonly kind: 'table';
  readonly system: Name;
  readonly name: StringLit;
  readonly partition: Name | null;
  readonly span: Span;
}

export type SourceItem =
  | { readonly kind: 'source-kind'; readonly value: 'events' | 'snapshot'; readonly span: Span }
  | StreamDecl
  | TableDecl
  | { readonly kind: 'timestamp'; readonly field: Name; readonly span: Span }
  | { readonly kind: 'fields'; readonly fields: readonly FieldDecl[]; readonly span: Span }
  | MetaItem;

export interface Source {
  readonly kind: 'source';
  readonly name: Name;
  readonly items: readonly SourceItem[];
  readonly span: Span;
}

export type GroupItem =
  | { readonly kind: 'where'; readonly expr: Expr; readonly span: Span }
  /** `key driver_id = trips.driver_id`: entity key from an explicit source column. */
  | { readonly kind: 'key-map'; readonly key: Name; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'let'; readonly name: Name; readonly expr: Expr; readonly span: Span }
  | FeatureDecl
  | MetaItem;

/** `feature name = expr "optional description"` */
export interface FeatureDecl {
  readonly kind: 'feature';
  readonly name: Name;
  readonly expr: Expr;
  readonly description: StringLit | null;
  readonly span: Span;
}

export interface Group {
  readonly kind: 'group';
  readonly name: Name;
  readonly entity: QualifiedName;
  readonly source: QualifiedName;
  readonly items: readonly GroupItem[];
  readonly span: Span;
}

/** `group.*`, `group.feature`, `ns.group.feature`, optional `as alias` (not with `*`). */
export interface FeatureSelection {
  readonly kind: 'selection';
  readonly ref: QualifiedName;
  readonly star: boolean;
  readonly alias: Name | null;
  readonly span: Span;
}

export type ModelItem =
  | { readonly kind: 'features'; readonly selections: readonly FeatureSelection[]; readonly span: Span }
  | FeatureDecl
  | MetaItem;

export interface Model {
  readonly kind: 'model';
  readonly name: Name;
  readonly items: readonly ModelItem[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | LiteralExpr
  | RefExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | CaseExpr
  | CastExpr
  | ErrorExpr;

export interface LiteralExpr {
  readonly kind: 'literal';
  /** `int` for integer literals, `float` for ones with a point or exponent. */
  readonly literalKind: 'int' | 'float' | 'string' | 'bool' | 'null';
  readonly value: number | string | boolean | null;
  readonly span: Span;
}

/** `fare`, `trips.fare`, `driver_trip_stats.trips_7d`. */
export interface RefExpr {
  readonly kind: 'ref';
  readonly parts: readonly Name[];
  readonly span: Span;
}

/** `over 7d`, `over 7d every 1h`, `over all`. */
export interface WindowClause {
  readonly size: Duration | { readonly all: true; readonly span: Span };
  readonly every: Duration | null;
  readonly span: Span;
}

/** A function or aggregation call; `window` only on aggregations (`sum(fare) over 7d`). */
export interface CallExpr {
  readonly kind: 'call';
  readonly callee: Name;
  readonly args: readonly Expr[];
  readonly window: WindowClause | null;
  readonly span: Span;
}

export type BinaryOpText = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOpText;
  readonly opSpan: Span;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: '-' | 'not';
  readonly operand: Expr;
  readonly span: Span;
}

/** `case when c then v ... else e end` */
export interface CaseExpr {
  readonly kind: 'case';
  readonly branches: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else: Expr | null;
  readonly span: Span;
}

/** `cast(x as double)` */
export interface CastExpr {
  readonly kind: 'cast';
  readonly operand: Expr;
  readonly to: TypeRef;
  readonly span: Span;
}

/** Stands for a piece the parser could not read; already reported, never reported again. */
export interface ErrorExpr {
  readonly kind: 'error';
  readonly span: Span;
}
