/** Palette types to storage types, one table per store so every target agrees. */
import type { PalType } from '../../runtime/contracts/index.js';

const HIVE: Record<string, string> = {
  string: 'STRING', int: 'INT', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};

/** CQL types live with the Cassandra store (runtime/stores/cql.ts), which runs the same DDL. */
export { cqlType } from '../../runtime/stores/cql.js';

export function hiveType(t: PalType): string {
  return t.kind === 'scalar' ? HIVE[t.name] : `ARRAY<${hiveType(t.element)}>`;
}
