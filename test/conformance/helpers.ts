/** Shared helpers of the conformance suite: compiling a group, writing events as Parquet. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileSources } from '../../compiler/compile.js';
import type { Registry } from '../../compiler/ir/ir.js';
import { DUCKDB } from '../../compiler/targets/sql/duckdb-dialect.js';
import { ExprPrinter } from '../../compiler/targets/sql/expr-sql.js';
import type { PalType, Value } from '../../runtime/contracts/types.js';
import type { DuckDbSession } from '../../runtime/offline/duckdb-session.js';

export function compilePal(text: string): Registry {
  const r = compileSources([{ path: 'main.pal', text }]);
  if (!r.registry) throw new Error(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code}: ${d.message}`).join('\n'));
  return r.registry;
}

/** SQL literal of a runtime value of a type (NaN as a double NaN). */
export function valueSql(v: Value, type: PalType): string {
  if (typeof v === 'number' && Number.isNaN(v)) return "CAST('NaN' AS DOUBLE)";
  const p = new ExprPrinter(DUCKDB, { column: () => '' });
  return p.literal(v as string | number | boolean | null, type);
}

const STORAGE: Record<string, string> = {
  string: 'VARCHAR', int: 'INTEGER', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};

/**
 * Writes rows as Parquet partitioned by the UTC day of `dayOf(row)` under
 * <root>/<db>/<table>/<partition>=YYYY-MM-DD/, through DuckDB.
 */
export async function writePartitioned(
  session: DuckDbSession, root: string, db: string, table: string, partition: string,
  fields: readonly { name: string; type: PalType }[], rows: readonly Record<string, Value>[], dayOf: (r: Record<string, Value>) => string,
): Promise<void> {
  const dir = join(root, db, table);
  mkdirSync(dir, { recursive: true });
  const cols = fields.map((f) => `${DUCKDB.ident(f.name)} ${STORAGE[(f.type as { name: string }).name]}`);
  await session.run(`CREATE OR REPLACE TABLE __w (${cols.join(', ')}, ${DUCKDB.ident(partition)} VARCHAR)`);
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500).map((r) => `(${[...fields.map((f) => valueSql(r[f.name] ?? null, f.type)), `'${dayOf(r)}'`].join(', ')})`);
    await session.run(`INSERT INTO __w VALUES ${chunk.join(', ')}`);
  }
  await session.run(`COPY __w TO '${dir}' (FORMAT parquet, PARTITION_BY (${DUCKDB.ident(partition)}), OVERWRITE_OR_IGNORE true)`);
  await session.run('DROP TABLE __w');
}

export function dayOfMs(ms: number): string {
  return new Date(Math.floor(ms / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
}
