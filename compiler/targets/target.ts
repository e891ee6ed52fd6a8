/**
 * A target turns the IR into one kind of artifact. Every target is a pure function of the
 * registry and a few options from palette.yaml: same input, same bytes out.
 * Adding a target: see compiler/targets/README.md.
 */
import type { Registry } from '../ir/ir.js';

export interface TargetOptions {
  /** Cassandra keyspace of the online store. */
  readonly keyspace: string;
  /** CQL replication map for `CREATE KEYSPACE`. */
  readonly replication: Readonly<Record<string, string | number>>;
}

export const DEFAULT_TARGET_OPTIONS: TargetOptions = {
  keyspace: 'palette',
  replication: { class: 'SimpleStrategy', replication_factor: 1 },
};

export interface Artifact {
  /** Relative path inside the build folder. */
  readonly path: string;
  readonly content: string;
}

export interface Target {
  readonly name: string;
  readonly description: string;
  /**
   * The artifacts one at a time, each built when it is asked for: a caller that writes each
   * and lets it go never holds a whole target's output (tens of MB for a large repository).
   */
  artifacts(registry: Registry, options: TargetOptions): Iterable<Artifact>;
  /** Every artifact at once (`[...artifacts(registry, options)]`). */
  emit(registry: Registry, options: TargetOptions): Artifact[];
}

/** A target from its name, description and artifact generator; `emit` collects the generator. */
export function defineTarget(spec: Omit<Target, 'emit'>): Target {
  return { ...spec, emit: (registry, options) => [...spec.artifacts(registry, options)] };
}
