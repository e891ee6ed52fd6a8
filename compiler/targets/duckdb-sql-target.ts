/**
 * DuckDB SQL: for every group, the backfill script (events, tiles, daily state), and for
 * every model, the training-set script, as readable files under offline/duckdb/. They are
 * exactly the SQL `palette backfill` and `palette training-set` run on the embedded engine
 * (the engine adds only the source views, the parameters and the partition writes).
 */
import type { Registry } from '../ir/ir.js';
import { type Artifact, type Target, defineTarget } from './target.js';
import { DUCKDB } from './sql/duckdb-dialect.js';
import { backfillSql } from './sql/offline-jobs.js';
import { splitTableName } from './sql/group-sql.js';
import { findModel, trainingSetSql } from './sql/training-set-sql.js';
import { helperPrelude } from './sql/script.js';

const RULE = `-- ${'-'.repeat(86)}`;

function statement(name: string, description: string, sql: string): string {
  return `${RULE}\n-- ${description}\nCREATE OR REPLACE TEMP TABLE ${DUCKDB.ident(name)} AS\n${sql};\n`;
}

export const duckdbSqlTarget: Target = defineTarget({
  name: 'duckdb-sql',
  description: 'DuckDB SQL of every backfill (tiles, daily state) and training set, run by the embedded offline engine',
  *artifacts(registry: Registry): Generator<Artifact> {
    for (const g of registry.groups) {
      const sql = backfillSql(DUCKDB, registry, g);
      const src = registry.sources.find((s) => s.name === g.source)!;
      const { database, table } = splitTableName(src.table?.name ?? src.name);
      const header = [
        `-- Palette backfill of ${g.name} (${g.kind}), version ${g.semanticHash}. Generated: do not edit.`,
        '-- Parameters (the days written):',
        "--   SET VARIABLE from_ds = DATE 'YYYY-MM-DD'; SET VARIABLE to_ds = DATE 'YYYY-MM-DD';",
        `-- Reads ${database}.${table}: a view over the partitions the windows need (the engine checks them).`,
        ...sql.outputs.map((o) => `-- Writes ${o.table.database}.${o.table.table}: partitions ds in [from_ds, to_ds] from ${o.step}.`),
        '',
      ].join('\n');
      const body = [
        ...sql.prelude.map((m) => `${m};\n`),
        ...sql.steps.map((s) => statement(s.name, s.description, s.sql)),
        ...sql.checks.map((c) => `${RULE}\n-- Check (must return no rows): ${c.message}\n${c.sql};\n`),
      ].join('\n');
      yield { path: `offline/duckdb/${g.name}.backfill.sql`, content: `${header}\n${body}` };
    }
    for (const m of registry.models) {
      const t = trainingSetSql(DUCKDB, registry, findModel(registry, m.name));
      const header = [
        `-- Palette training set of ${m.name}. Generated: do not edit.`,
        `-- Reads the table spine (__row BIGINT, __t TIMESTAMP, ${t.keys.map((k) => k.name).join(', ')}) and`,
        `-- ${t.sources.map((s) => `${s.database}.${s.table}`).join(', ')} (views over the partitions the spine's times need).`,
        `-- The last statement has one row per spine row: __row, ${t.features.map((f) => f.name).join(', ')}.`,
        '',
      ].join('\n');
      const body = [
        ...helperPrelude(DUCKDB, t.steps.map((s) => s.sql)).map((p) => `${p};\n`),
        ...t.steps.map((s) => statement(s.name, s.description, s.sql)),
      ].join('\n');
      yield { path: `offline/duckdb/${m.name}.training-set.sql`, content: `${header}\n${body}` };
    }
  },
});
