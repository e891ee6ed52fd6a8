/**
 * Cassandra CQL DDL for the online store: the keyspace and one table per group version,
 * exactly as the storage layout decided. Tile tables cluster by (hop_ms, tile_start DESC)
 * so a read of one entity's partition returns the newest tiles first.
 */
import type { OnlineTable } from '../../runtime/contracts/index.js';
import type { Registry } from '../ir/ir.js';
import type { Artifact, Target, TargetOptions } from './target.js';
import { cqlType } from './type-mapping.js';

export function createTableCql(keyspace: string, t: OnlineTable, comment: string): string {
  const cols = [...t.partitionKey, ...t.clustering, ...t.columns].map((c) => `  ${c.name} ${cqlType(c.type)}`);
  const pk = `(${t.partitionKey.map((c) => c.name).join(', ')})`;
  const primary = t.clustering.length ? `${pk}, ${t.clustering.map((c) => c.name).join(', ')}` : pk;
  const withs: string[] = [];
  if (t.clustering.length) withs.push(`CLUSTERING ORDER BY (${t.clustering.map((c) => `${c.name} ${c.name === 'tile_start' ? 'DESC' : 'ASC'}`).join(', ')})`);
  if (t.ttlSeconds !== null) withs.push(`default_time_to_live = ${t.ttlSeconds}`);
  withs.push(`comment = '${comment.replace(/'/g, "''")}'`);
  return `CREATE TABLE IF NOT EXISTS ${keyspace}.${t.table} (\n${cols.join(',\n')},\n  PRIMARY KEY (${primary})\n) WITH ${withs.join('\n  AND ')};\n`;
}

export function createKeyspaceCql(options: TargetOptions): string {
  const repl = Object.entries(options.replication).map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${v}'`}`).join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = {${repl}};\n`;
}

export const cqlTarget: Target = {
  name: 'cql',
  description: 'Cassandra DDL for the online store (keyspace and one table per group version)',
  emit(registry: Registry, options: TargetOptions): Artifact[] {
    const parts = [`-- Palette online store, registry ${registry.registryHash}. Generated: do not edit.\n`, createKeyspaceCql(options)];
    for (const g of registry.groups) {
      parts.push(`\n-- ${g.name} (${g.kind}), version ${g.semanticHash}\n`);
      parts.push(createTableCql(options.keyspace, g.layout.online, `palette ${g.name} ${g.semanticHash}`));
    }
    return [{ path: 'online/cassandra.cql', content: parts.join('') }];
  },
};
