/**
 * Cassandra CQL DDL for the online store: the keyspace and one table per group version,
 * from the storage layout; tile tables are stored packed (one row per entity, hop and writer
 * with a map of tile blobs), as runtime/stores/cql.ts explains.
 */
import type { Registry } from '../ir/ir.js';
import { type Artifact, type Target, type TargetOptions, defineTarget } from './target.js';
import { createKeyspaceCql, createTableCql, tableComment } from '../../runtime/stores/cql.js';

// The CQL text builders live in the runtime (the Cassandra store runs the same DDL).
export { createKeyspaceCql, createTableCql };

export const cqlTarget: Target = defineTarget({
  name: 'cql',
  description: 'Cassandra DDL for the online store (keyspace and one table per group version)',
  *artifacts(registry: Registry, options: TargetOptions): Generator<Artifact> {
    const parts = [`-- Palette online store, registry ${registry.registryHash}. Generated: do not edit.\n`, createKeyspaceCql(options)];
    for (const g of registry.groups) {
      parts.push(`\n-- ${g.name} (${g.kind}), version ${g.semanticHash}\n`);
      parts.push(createTableCql(options.keyspace, g.layout, tableComment(g.name, g.semanticHash)));
    }
    yield { path: 'online/cassandra.cql', content: parts.join('') };
  },
});
