/**
 * Cassandra CQL for the online store: the keyspace and one table per group version, from the
 * storage layout (contracts/layout.ts). Pure text builders, shared by the compiler's CQL
 * target (the `online/cassandra.cql` artifact) and the Cassandra store's `ensureTables`, so
 * the DDL a user reviews is byte for byte the DDL the store runs.
 *
 * Tile tables are stored packed: the layout's logical rows (one per entity key, hop, tile
 * start and writer, with one column per state field) become, in Cassandra, one row per
 * (entity key, hop_ms, stream_partition) whose `tiles` map holds tile_start → the tile's
 * state columns encoded by runtime/stores/tile-codec.ts, plus the row's stream_offset and
 * updated_at. A read of one entity is still one partition read; it returns a few rows of
 * one map cell per tile instead of tens of rows of ~10 cells (half the CPU on Cassandra and
 * in the driver: bench/online-layout-bench.ts). Each map entry is its own cell, so a write
 * adds or replaces single tiles (`tiles = tiles + ?`), carries its own timestamp (the
 * stream_offset fence) and expires with the table's TTL like a row did. The SQLite store
 * keeps the logical rows as they are.
 * Values tables are the layout's columns unchanged.
 */
import type { GroupLayout, OnlineTable } from '../contracts/layout.js';
import { STREAM_OFFSET_COLUMN, STREAM_PARTITION_COLUMN, TILE_HOP_COLUMN, TILE_START_COLUMN, UPDATED_AT_COLUMN } from '../contracts/layout.js';
import type { PalType } from '../contracts/types.js';
import { TILE_BLOB_VERSION, tileCodecs } from './tile-codec.js';

const CQL: Record<string, string> = {
  string: 'text', int: 'int', long: 'bigint', float: 'float', double: 'double', boolean: 'boolean', timestamp: 'timestamp', date: 'date',
};

/** The map column of packed tile tables: tile_start → tile blob. */
export const TILES_MAP_COLUMN = 'tiles';

/** The CQL type of a Palette type (lists are `list<...>`; nullability is not expressed in CQL). */
export function cqlType(t: PalType): string {
  return t.kind === 'scalar' ? CQL[t.name] : `list<${cqlType(t.element)}>`;
}

export interface CqlColumn {
  readonly name: string;
  readonly type: string;
}

/** The Cassandra table of an online table, as created (see the file comment). */
export interface CassandraTableSpec {
  readonly table: string;
  readonly partitionKey: readonly CqlColumn[];
  readonly clustering: readonly CqlColumn[];
  readonly columns: readonly CqlColumn[];
  readonly ttlSeconds: number | null;
}

export function cassandraTable(t: OnlineTable): CassandraTableSpec {
  const col = (c: { name: string; type: PalType }): CqlColumn => ({ name: c.name, type: cqlType(c.type) });
  if (t.kind === 'values') {
    return { table: t.table, partitionKey: t.partitionKey.map(col), clustering: [], columns: t.columns.map(col), ttlSeconds: t.ttlSeconds };
  }
  return {
    table: t.table,
    partitionKey: t.partitionKey.map(col),
    clustering: [{ name: TILE_HOP_COLUMN, type: 'bigint' }, { name: STREAM_PARTITION_COLUMN, type: 'int' }],
    columns: [
      { name: TILES_MAP_COLUMN, type: 'map<timestamp, blob>' },
      { name: STREAM_OFFSET_COLUMN, type: 'bigint' },
      { name: UPDATED_AT_COLUMN, type: 'timestamp' },
    ],
    ttlSeconds: t.ttlSeconds,
  };
}

/**
 * How an existing table (column name → CQL type, as system_schema.columns lists them) differs
 * from `spec`, as phrases; empty when it has exactly the spec's columns. Used by `palette
 * apply` before it changes anything and by the Cassandra store before it writes.
 */
export function cassandraColumnConflicts(spec: CassandraTableSpec, have: ReadonlyMap<string, string>): string[] {
  const left = new Map(have);
  const out: string[] = [];
  for (const c of [...spec.partitionKey, ...spec.clustering, ...spec.columns]) {
    const t = left.get(c.name);
    if (t === undefined) out.push(`missing column ${c.name} ${c.type}`);
    else if (t !== c.type) out.push(`column ${c.name} is ${t}, not ${c.type}`);
    left.delete(c.name);
  }
  for (const [name, t] of left) out.push(`unexpected column ${name} ${t}`);
  return out;
}

export function createTableCql(keyspace: string, layout: Pick<GroupLayout, 'online' | 'aggregations'>, comment: string): string {
  const t = cassandraTable(layout.online);
  const cols = [...t.partitionKey, ...t.clustering, ...t.columns].map((c) => `  ${c.name} ${c.type}`);
  const pk = `(${t.partitionKey.map((c) => c.name).join(', ')})`;
  const primary = t.clustering.length ? `${pk}, ${t.clustering.map((c) => c.name).join(', ')}` : pk;
  const withs: string[] = [];
  if (t.ttlSeconds !== null) withs.push(`default_time_to_live = ${t.ttlSeconds}`);
  withs.push(`comment = '${comment.replace(/'/g, "''")}'`);
  let head = '';
  if (layout.online.kind === 'tiles') {
    // The blob's fields, so that the table can be read without Palette's source at hand.
    const lines = [...tileCodecs(layout as GroupLayout)].sort((a, b) => a[0] - b[0])
      .map(([hop, c]) => `--   hop_ms ${hop}: ${c.columns.map((x) => `${x.name} ${cqlType(x.type)}`).join(', ')}\n`);
    head = `-- ${TILES_MAP_COLUMN}: ${TILE_START_COLUMN} -> tile state blob (format ${TILE_BLOB_VERSION}, runtime/stores/tile-codec.ts) of these columns:\n${lines.join('')}`;
  }
  return `${head}CREATE TABLE IF NOT EXISTS ${keyspace}.${t.table} (\n${cols.join(',\n')},\n  PRIMARY KEY (${primary})\n) WITH ${withs.join('\n  AND ')};\n`;
}

export function createKeyspaceCql(options: { readonly keyspace: string; readonly replication: Readonly<Record<string, string | number>> }): string {
  const repl = Object.entries(options.replication).map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${v}'`}`).join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = {${repl}};\n`;
}

/** The table comment both the compiler and the store use: `palette <group> <version>`. */
export function tableComment(groupName: string, version: string): string {
  return `palette ${groupName} ${version}`;
}
