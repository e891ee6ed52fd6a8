/** Palette types to storage types, one table per store so every target agrees. */
import type { PalType } from '../../runtime/contracts/index.js';

const CQL: Record<string, string> = {
  string: 'text', int: 'int', long: 'bigint', float: 'float', double: 'double', boolean: 'boolean', timestamp: 'timestamp', date: 'date',
};
const HIVE: Record<string, string> = {
  string: 'STRING', int: 'INT', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};

export function cqlType(t: PalType): string {
  return t.kind === 'scalar' ? CQL[t.name] : `list<${cqlType(t.element)}>`;
}

export function hiveType(t: PalType): string {
  return t.kind === 'scalar' ? HIVE[t.name] : `ARRAY<${hiveType(t.element)}>`;
}
