/** The sidecar's serving manifest: groups with their online layout, features and models. */
import { MANIFEST_VERSION, type ServingManifest } from '../../runtime/contracts/index.js';
import type { Registry } from '../ir/ir.js';
import { runtimeGroup } from './runtime-group.js';
import { type Artifact, type Target, defineTarget } from './target.js';

export function servingManifest(registry: Registry): ServingManifest {
  return {
    manifestVersion: MANIFEST_VERSION,
    registryHash: registry.registryHash,
    groups: registry.groups.map((g) => ({ ...runtimeGroup(registry, g), servingTtlMs: g.ttlMs })),
    models: registry.models.map((m) => ({
      name: m.name,
      description: m.meta.description,
      keys: m.keys,
      features: m.features,
      derived: m.derived.map((d) => ({ outputName: d.outputName, expr: d.expr, type: d.type })),
      groups: m.groups,
    })),
  };
}

export const servingManifestTarget: Target = defineTarget({
  name: 'serving-manifest',
  description: "The sidecar's serving manifest (online layout, features, models)",
  *artifacts(registry: Registry): Generator<Artifact> {
    yield { path: 'serving-manifest.json', content: `${JSON.stringify(servingManifest(registry))}\n` };
  },
});
