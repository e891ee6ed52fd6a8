/**
 * Writing a query result as an Arrow IPC file (via apache-arrow), column types mapped from
 * DuckDB's: BOOLEAN Bool, INTEGER Int32, BIGINT Int64, FLOAT Float32, DOUBLE Float64,
 * VARCHAR Utf8, TIMESTAMP Timestamp(ms, UTC), DATE Date(day), lists List of those.
 */
import { writeFileSync } from 'node:fs';
import {
  Bool, type DataType, DateDay, Field, Float32, Float64, Int32, Int64, List, Table, TimestampMillisecond, Utf8,
  tableToIPC, vectorFromArray, type Vector,
} from 'apache-arrow';
import { type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDbSession } from './duckdb-session.js';

function arrowType(t: DuckDBType): DataType {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: return new Bool();
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER: return new Int32();
    case DuckDBTypeId.BIGINT: return new Int64();
    case DuckDBTypeId.FLOAT: return new Float32();
    case DuckDBTypeId.DOUBLE: return new Float64();
    case DuckDBTypeId.VARCHAR: return new Utf8();
    case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_MS: case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS: case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMillisecond('UTC');
    case DuckDBTypeId.DATE: return new DateDay();
    case DuckDBTypeId.LIST: {
      const child = arrowType((t as unknown as { valueType: DuckDBType }).valueType);
      return new List(new Field('item', child, true));
    }
    default:
      throw new Error(`palette: no Arrow type for DuckDB ${t.toString()}`);
  }
}

/** Normalises getColumnsJS values for vectorFromArray (timestamps as epoch ms numbers). */
function values(t: DuckDBType, column: readonly unknown[]): unknown[] {
  switch (t.typeId) {
    case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_MS: case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS: case DuckDBTypeId.TIMESTAMP_TZ:
      return column.map((v) => (v instanceof Date ? v.getTime() : v ?? null));
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
      return column.map((v) => (v === undefined ? null : v));
    case DuckDBTypeId.LIST: {
      const child = (t as unknown as { valueType: DuckDBType }).valueType;
      return column.map((v) => (v === null || v === undefined ? null : values(child, v as unknown[])));
    }
    default:
      return column.map((v) => (v === undefined ? null : v));
  }
}

/** Runs `sql` and writes its rows to `path` as an Arrow IPC file; returns the row count. */
export async function writeArrowFile(session: DuckDbSession, sql: string, path: string): Promise<number> {
  const reader = await session.connection.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns = reader.getColumnsJS();
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    vectors[name] = vectorFromArray(values(types[i], columns[i] ?? []), arrowType(types[i]));
  });
  const table = new Table(vectors);
  writeFileSync(path, tableToIPC(table, 'file'));
  return table.numRows;
}
