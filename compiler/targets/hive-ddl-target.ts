/**
 * Hive DDL for Palette's own offline tables: one database per namespace, tile and daily
 * state tables per group version, partitioned by ds and stored as Parquet. Source tables
 * belong to the users and are never created here.
 */
import type { OfflineTable } from '../../runtime/contracts/index.js';
import type { Registry } from '../ir/ir.js';
import { type Artifact, type Target, defineTarget } from './target.js';
import { hiveType } from './type-mapping.js';

export function createOfflineTableHql(t: OfflineTable, comment: string): string {
  const cols = t.columns.map((c) => `  \`${c.name}\` ${hiveType(c.type)}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${t.database}.${t.table} (\n${cols}\n)\nCOMMENT '${comment.replace(/'/g, "\\'")}'\n` +
    `PARTITIONED BY (\`${t.partitionColumn}\` STRING)\nSTORED AS PARQUET;\n`;
}

export const hiveDdlTarget: Target = defineTarget({
  name: 'hive-ddl',
  description: "Hive DDL for Palette's offline tables (tiles and daily state per group version)",
  *artifacts(registry: Registry): Generator<Artifact> {
    const parts = [`-- Palette offline store, registry ${registry.registryHash}. Generated: do not edit.\n`];
    const databases = [...new Set(registry.groups.map((g) => g.layout.offline.daily.database))].sort();
    for (const db of databases) parts.push(`CREATE DATABASE IF NOT EXISTS ${db};\n`);
    for (const g of registry.groups) {
      parts.push(`\n-- ${g.name} (${g.kind}), version ${g.semanticHash}\n`);
      if (g.layout.offline.tiles) parts.push(createOfflineTableHql(g.layout.offline.tiles, `palette tiles of ${g.name} ${g.semanticHash}`));
      parts.push(createOfflineTableHql(g.layout.offline.daily, `palette daily state of ${g.name} ${g.semanticHash}`));
    }
    yield { path: 'offline/hive.hql', content: parts.join('') };
  },
});
