/**
 * Cassandra CQL for the online store: the keyspace and one table per group version, exactly
 * as the storage layout decided (contracts/layout.ts). Pure text builders, shared by the
 * compiler's CQL target (the `online/cassandra.cql` artifact) and the Cassandra store's
 * `ensureTables`, so the DDL a user reviews is byte for byte the DDL the store runs.
 * Tile tables cluster by (hop_ms, tile_start DESC, stream_partition) so a read of one
 * entity's partition returns the newest tiles first.
 */
import type { OnlineTable } from '../contracts/layout.js';
import type { PalType } from '../contracts/types.js';

const CQL: Record<string, string> = {
  string: 'text', int: 'int', long: 'bigint', float: 'float', double: 'double', boolean: 'boolean', timestamp: 'timestamp', date: 'date',
};

/** The CQL type of a Palette type (lists are `list<...>`; nullability is not expressed in CQL). */
export function cqlType(t: PalType): string {
  return t.kind === 'scalar' ? CQL[t.name] : `list<${cqlType(t.element)}>`;
}

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

export function createKeyspaceCql(options: { readonly keyspace: string; readonly replication: Readonly<Record<string, string | number>> }): string {
  const repl = Object.entries(options.replication).map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${v}'`}`).join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = {${repl}};\n`;
}

/** The table comment both the compiler and the store use: `palette <group> <version>`. */
export function tableComment(groupName: string, version: string): string {
  return `palette ${groupName} ${version}`;
}
