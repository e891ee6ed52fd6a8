/**
 * A DuckDB session for the embedded offline engine: one in-process database (in memory,
 * spilling to a temp folder), times in UTC, and results converted to the runtime's value
 * representation (contracts/types.ts): BIGINT → number, TIMESTAMP → epoch ms, DATE →
 * 'YYYY-MM-DD', lists → arrays.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import type { Value } from '../contracts/types.js';

export interface SessionOptions {
  /** Worker threads (default: DuckDB's, one per core). */
  readonly threads?: number;
  /** Where DuckDB spills when memory runs short (default: its own). */
  readonly tempDirectory?: string;
}

export interface QueryResult {
  readonly columns: readonly string[];
  readonly types: readonly string[];
  readonly rows: readonly Value[][];
}

export class DuckDbSession {
  private constructor(private readonly instance: DuckDBInstance, readonly connection: DuckDBConnection) {}

  static async open(options: SessionOptions = {}): Promise<DuckDbSession> {
    // No TimeZone setting: without the ICU extension (not bundled, and never downloaded
    // here) DuckDB converts TIMESTAMPTZ to TIMESTAMP in UTC, which is what Palette wants.
    const config: Record<string, string> = { autoinstall_known_extensions: 'false' };
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    return new DuckDbSession(instance, connection);
  }

  /** Runs statements (separated by `;`, no result). */
  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Runs a query and returns its rows in the runtime representation. */
  async query(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const types = reader.columnTypes();
    const convert = types.map(converterFor);
    const rows = reader.getRowsJS().map((r) => r.map((v, i) => convert[i](v)));
    return { columns: reader.columnNames(), types: types.map((t) => t.toString()), rows };
  }

  /** The single value of a one-row, one-column query. */
  async scalar(sql: string): Promise<Value> {
    const r = await this.query(sql);
    return r.rows[0]?.[0] ?? null;
  }

  /** Fraction done (0..1) of the running query, or -1 if unknown. */
  progress(): number {
    const p = this.connection.progress;
    return p.percentage < 0 ? -1 : p.percentage / 100;
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

type Convert = (v: unknown) => Value;

/** A converter from what getRowsJS returns for a column of `type` to a runtime Value. */
export function converterFor(type: DuckDBType): Convert {
  switch (type.typeId) {
    case DuckDBTypeId.DATE:
      return (v) => (v === null || v === undefined ? null : dayOf(v as Date));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (v) => (v === null || v === undefined ? null : (v as Date).getTime());
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const el = converterFor((type as unknown as { valueType: DuckDBType }).valueType);
      return (v) => (v === null || v === undefined ? null : (v as unknown[]).map(el));
    }
    default:
      return plain;
  }
}

function plain(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(plain);
  return v as Value;
}

function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}
