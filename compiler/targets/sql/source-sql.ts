/**
 * Reading a source column into the SQL value representation (dialect.ts), with the
 * evaluator's rules for raw values: a NaN in a float column is null (runtime/expr/README.md),
 * timestamps are truncated to milliseconds, integers widen to BIGINT, floats to DOUBLE.
 */
import type { PalType } from '../../../runtime/contracts/index.js';
import type { SqlDialect } from './dialect.js';

export function readColumnSql(d: SqlDialect, sql: string, type: PalType): string {
  if (type.kind === 'list') return d.cast(sql, d.computeType(type));
  switch (type.name) {
    case 'float':
    case 'double': {
      const x = d.cast(sql, 'DOUBLE');
      return `CASE WHEN NOT isnan(${x}) THEN ${x} END`;
    }
    case 'timestamp':
      return d.fromEpochMs(d.epochMs(d.cast(sql, 'TIMESTAMP')));
    default:
      return d.cast(sql, d.computeType(type));
  }
}
