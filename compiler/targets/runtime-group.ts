/** The runtime's view of a group (contracts/group-runtime.ts), shared by the plan and the manifest. */
import type { GroupRuntime } from '../../runtime/contracts/index.js';
import type { Group, Registry } from '../ir/ir.js';

export function runtimeGroup(registry: Registry, g: Group): GroupRuntime {
  const entity = registry.entities.find((e) => e.name === g.entity)!;
  return {
    name: g.name,
    version: g.semanticHash,
    kind: g.kind,
    entity: { name: entity.name, keys: entity.keys },
    aggregations: g.aggregations,
    features: g.features.map((f) => ({ name: f.localName, qualifiedName: f.name, expr: f.expr, type: f.type, description: f.description })),
    layout: g.layout,
  };
}
