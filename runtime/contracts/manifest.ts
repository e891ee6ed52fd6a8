/**
 * The serving manifest (build/serving-manifest.json): everything the sidecar needs to
 * answer a fetch, and nothing it does not.
 */
import type { Expr } from './expr.js';
import type { GroupRuntime, KeySpec } from './group-runtime.js';
import type { PalType } from './types.js';

export const MANIFEST_VERSION = 1;

export interface ServedModel {
  /** `namespace.model`. */
  readonly name: string;
  readonly description: string | null;
  /** Entity keys a request must provide: the union over the model's groups, by key name. */
  readonly keys: readonly KeySpec[];
  /** Features in output order: the qualified feature and the name it is returned under. */
  readonly features: readonly { readonly feature: string; readonly outputName: string }[];
  /** Model-level expressions over qualified features, computed after the fetch, in order. */
  readonly derived: readonly { readonly outputName: string; readonly expr: Expr; readonly type: PalType }[];
  /** Groups the model reads (`namespace.group`). */
  readonly groups: readonly string[];
}

export interface ServingManifest {
  readonly manifestVersion: typeof MANIFEST_VERSION;
  readonly registryHash: string;
  readonly groups: readonly (GroupRuntime & { readonly servingTtlMs: number | null })[];
  readonly models: readonly ServedModel[];
}
