/**
 * The IR: the single source of truth of a feature repository. Plain, versioned,
 * JSON-serialisable data (no classes), fully resolved: qualified names, explicit types,
 * default hops filled in, each group's semantic hash and storage layout decided. Every
 * artifact (CQL, Hive DDL, materializer plan, serving manifest, SQL jobs) is a pure
 * function of a Registry. Spans point back at the definitions for located errors.
 */
import type { AggregationSpec, Expr, GroupLayout, KeySpec, PalType } from '../../runtime/contracts/index.js';
import type { Span } from '../../dsl/source.js';

export const IR_VERSION = 1;

export interface Metadata {
  readonly description: string | null;
  readonly owner: string | null;
  readonly tags: readonly string[];
}

export interface Entity {
  /** `namespace.entity` */
  readonly name: string;
  readonly namespace: string;
  readonly localName: string;
  readonly keys: readonly KeySpec[];
  readonly meta: Metadata;
  readonly span: Span;
}

export interface SourceField {
  readonly name: string;
  readonly type: PalType;
}

export interface Source {
  /** `namespace.source` */
  readonly name: string;
  readonly namespace: string;
  readonly localName: string;
  readonly kind: 'events' | 'snapshot';
  readonly fields: readonly SourceField[];
  /** events only: the event time column (a non-null timestamp). */
  readonly timestampField: string | null;
  readonly stream: { readonly kind: 'kafka'; readonly topic: string; readonly format: 'json' } | null;
  readonly table: { readonly kind: 'hive'; readonly name: string; readonly partition: string } | null;
  readonly meta: Metadata;
  readonly span: Span;
}

export interface Feature {
  /** `namespace.group.feature` */
  readonly name: string;
  readonly localName: string;
  /** Over aggregate refs and local feature refs (windowed) or columns (snapshot). */
  readonly expr: Expr;
  readonly type: PalType;
  readonly description: string | null;
  /** Indices into Group.aggregations this feature reads (directly). */
  readonly aggregations: readonly number[];
  /** Local names of the features this feature reads (directly). */
  readonly dependsOn: readonly string[];
  /** `over 7d` for a single-window feature, for catalogs; null otherwise. */
  readonly window: string | null;
  readonly span: Span;
}

export interface Group {
  /** `namespace.group` */
  readonly name: string;
  readonly namespace: string;
  readonly localName: string;
  readonly kind: 'windowed' | 'snapshot';
  /** Qualified entity and source names. */
  readonly entity: string;
  readonly source: string;
  /** Entity key i is read from source column keyColumns[i] (entity key order). */
  readonly keyColumns: readonly string[];
  readonly lets: readonly { readonly name: string; readonly expr: Expr }[];
  readonly filter: Expr | null;
  readonly aggregations: readonly AggregationSpec[];
  /** In dependency order: a feature only refers to features before it. */
  readonly features: readonly Feature[];
  readonly meta: Metadata;
  /** `ttl`: how long an online value stays servable (snapshot groups); null = default. */
  readonly ttlMs: number | null;
  /** `version`: bumping it forces a new storage identity. */
  readonly version: number;
  /** Hash of the meaning (not metadata) of the group: its storage identity. */
  readonly semanticHash: string;
  readonly layout: GroupLayout;
  readonly span: Span;
}

export interface ModelFeature {
  /** Qualified feature name. */
  readonly feature: string;
  readonly outputName: string;
}

export interface Model {
  /** `namespace.model` */
  readonly name: string;
  readonly namespace: string;
  readonly localName: string;
  readonly features: readonly ModelFeature[];
  readonly derived: readonly { readonly outputName: string; readonly expr: Expr; readonly type: PalType; readonly description: string | null }[];
  readonly groups: readonly string[];
  readonly keys: readonly KeySpec[];
  readonly meta: Metadata;
  readonly span: Span;
}

export interface Registry {
  readonly irVersion: typeof IR_VERSION;
  /** Hash of every group's semantic hash and every model: changes when meaning changes. */
  readonly registryHash: string;
  readonly namespaces: readonly string[];
  readonly files: readonly string[];
  readonly entities: readonly Entity[];
  readonly sources: readonly Source[];
  readonly groups: readonly Group[];
  readonly models: readonly Model[];
}
