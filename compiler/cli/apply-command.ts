/**
 * `palette apply`: create or update Palette's own storage from the compiled registry:
 *   - offline (offline.engine spark): one Hive database per namespace and the tile and daily
 *     state tables of every group version, through HiveServer2 (the DDL of
 *     compiler/targets/hive-ddl-target.ts);
 *   - online: the Cassandra keyspace and tables (the CQL of runtime/stores/cql.ts, run by the
 *     store's ensureTables), or the SQLite tables; then it publishes the registry and the
 *     build's serving manifest in the online store (runtime/stores/published.ts), last, once
 *     the tables they name exist, for sidecars that follow the store (`palette serve
 *     --manifest store`) and for the catalog of what is applied (`--published`).
 *
 * Table names carry the group's version, so a change of meaning gets new tables and never
 * touches the old ones. An existing table with the expected name but other columns (or
 * another partitioning) means two versions would be mixed in one table: apply refuses the
 * whole run, before changing anything, and names the table and the columns. Only the
 * table comment (metadata) is altered in place.
 */
import type { Command } from 'commander';
import type { OfflineTable } from '../../runtime/contracts/index.js';
import { UserError } from '../../runtime/errors.js';
import type { Registry } from '../ir/ir.js';
import { createOfflineTableHql } from '../targets/hive-ddl-target.js';
import { runtimeGroup } from '../targets/runtime-group.js';
import { servingManifest } from '../targets/serving-manifest-target.js';
import { PUBLICATIONS_KEPT, PUBLISHED_ARTIFACTS, REGISTRY_ARTIFACT, SERVING_MANIFEST_ARTIFACT, prunedCount } from '../../runtime/stores/published.js';
import { hiveType } from '../targets/type-mapping.js';
import { cassandraColumnConflicts, cassandraTable } from '../../runtime/stores/cql.js';
import { compileOrExit } from './compile-commands.js';
import { wholeNumber } from './option-parsers.js';

export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
}

/** What a table needs to be: its columns and partition columns as the store spells types. */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly partitions: readonly ColumnSpec[];
  /** The table comment (DESCRIBE TABLE EXTENDED), when read from a store. */
  readonly comment?: string | null;
}

/**
 * The difference between an existing table and what the layout wants, as sentences; empty
 * when they agree. Types compare case-insensitively and without spaces.
 */
export function tableConflicts(want: TableSpec, have: TableSpec): string[] {
  const norm = (t: string) => t.toLowerCase().replace(/\s+/g, '');
  const out: string[] = [];
  const compare = (what: string, w: readonly ColumnSpec[], h: readonly ColumnSpec[]) => {
    const hm = new Map(h.map((c) => [c.name.toLowerCase(), c]));
    const wm = new Map(w.map((c) => [c.name.toLowerCase(), c]));
    for (const c of w) {
      const e = hm.get(c.name.toLowerCase());
      if (!e) out.push(`${what} ${c.name} ${c.type} is missing`);
      else if (norm(e.type) !== norm(c.type)) out.push(`${what} ${c.name} is ${e.type}, the definition needs ${c.type}`);
    }
    for (const c of h) if (!wm.has(c.name.toLowerCase())) out.push(`${what} ${c.name} ${c.type} is not in the definition`);
    if (out.length === 0 && w.map((c) => c.name.toLowerCase()).join() !== h.map((c) => c.name.toLowerCase()).join()) {
      out.push(`${what}s are in another order (${h.map((c) => c.name).join(', ')})`);
    }
  };
  compare('column', want.columns, have.columns);
  compare('partition column', want.partitions, have.partitions);
  return out;
}

export function hiveTableSpec(t: OfflineTable): TableSpec {
  return {
    name: `${t.database}.${t.table}`,
    columns: t.columns.map((c) => ({ name: c.name, type: hiveType(c.type) })),
    partitions: [{ name: t.partitionColumn, type: 'STRING' }],
  };
}

/** Columns, partition columns and comment from the rows of Spark's `DESCRIBE TABLE EXTENDED`. */
export function parseDescribe(name: string, rows: readonly (readonly unknown[])[]): TableSpec {
  const columns: ColumnSpec[] = [];
  const partitions: ColumnSpec[] = [];
  let section: 'columns' | 'partitions' | 'other' = 'columns';
  let comment: string | null = null;
  for (const r of rows) {
    const col = String(r[0] ?? '').trim();
    const type = String(r[1] ?? '').trim();
    if (col.startsWith('#')) {
      section = /partition information/i.test(col) ? 'partitions' : col === '# col_name' ? section : 'other';
      continue;
    }
    if (!col) continue;
    if (section === 'other' && col === 'Comment') comment = type;
    if (section === 'columns') columns.push({ name: col, type });
    else if (section === 'partitions') partitions.push({ name: col, type });
  }
  // DESCRIBE lists partition columns among the columns too.
  const pnames = new Set(partitions.map((p) => p.name));
  return { name, columns: columns.filter((c) => !pnames.has(c.name)), partitions, comment };
}

interface Step {
  readonly what: string;
  readonly run: () => Promise<void>;
}

async function planHive(registry: Registry, config: { host: string; port: number; auth: 'none' | 'nosasl' }, say: (s: string) => void): Promise<{ steps: Step[]; conflicts: string[]; close: () => Promise<void> }> {
  const { HiveClient, HiveQueryError } = await import('../../runtime/offline/hive-client.js');
  const hive = new HiveClient(config);
  await hive.connect();
  const steps: Step[] = [];
  const conflicts: string[] = [];
  const databases = [...new Set(registry.groups.map((g) => g.layout.offline.daily.database))].sort();
  const existingDbs = new Set((await hive.query('SHOW DATABASES')).rows.map((r) => String(r[0]).toLowerCase()));
  for (const db of databases) {
    if (!existingDbs.has(db.toLowerCase())) steps.push({ what: `create Hive database ${db}`, run: () => hive.run(`CREATE DATABASE IF NOT EXISTS \`${db}\``) });
  }
  for (const g of registry.groups) {
    const tables: [OfflineTable, string][] = [];
    if (g.layout.offline.tiles) tables.push([g.layout.offline.tiles, `palette tiles of ${g.name} ${g.semanticHash}`]);
    tables.push([g.layout.offline.daily, `palette daily state of ${g.name} ${g.semanticHash}`]);
    for (const [t, comment] of tables) {
      const want = hiveTableSpec(t);
      let have: TableSpec | null = null;
      if (existingDbs.has(t.database.toLowerCase())) {
        const listed = await hive.query(`SHOW TABLES IN \`${t.database}\` LIKE '${t.table}'`);
        if (listed.rows.length > 0) {
          try {
            have = parseDescribe(want.name, (await hive.query(`DESCRIBE TABLE EXTENDED \`${t.database}\`.\`${t.table}\``)).rows);
          } catch (e) {
            if (e instanceof HiveQueryError) throw new UserError(`cannot describe ${want.name}: ${e.message}`);
            throw e;
          }
        }
      }
      if (!have) {
        steps.push({ what: `create Hive table ${want.name} (${g.name} ${g.semanticHash})`, run: () => hive.run(createOfflineTableHql(t, comment).replace(/;\s*$/, '')) });
        continue;
      }
      const diff = tableConflicts(want, have);
      if (diff.length > 0) {
        conflicts.push(`Hive table ${want.name} exists with other columns than version ${g.semanticHash} of ${g.name} needs:\n    ${diff.join('\n    ')}`);
        continue;
      }
      if (have.comment !== comment) {
        steps.push({ what: `set the comment of ${want.name}`, run: () => hive.run(`ALTER TABLE \`${t.database}\`.\`${t.table}\` SET TBLPROPERTIES ('comment' = '${comment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`) });
      } else say(`unchanged: Hive table ${want.name}`);
    }
  }
  return { steps, conflicts, close: () => hive.close() };
}

async function planCassandra(registry: Registry, online: import('../../runtime/config/palette-config.js').PaletteConfig['online'], say: (s: string) => void, keep: number): Promise<{ steps: Step[]; conflicts: string[]; close: () => Promise<void> }> {
  const { openOnlineStore } = await import('../../runtime/stores/open-store.js');
  const groups = registry.groups.map((g) => runtimeGroup(registry, g));
  const store = openOnlineStore(online);
  const conflicts: string[] = [];
  const steps: Step[] = [];
  const creates: string[] = [];
  let close = () => store.close();
  if (online.store === 'cassandra') {
    // Compare existing tables with the layout first (system_schema), then let the store run the CQL.
    const cassandra = (await import('cassandra-driver')).default;
    const c = online.cassandra;
    const client = new cassandra.Client({ contactPoints: [...c.contactPoints], localDataCenter: c.localDataCenter, socketOptions: { connectTimeout: 10_000 } });
    try {
      await client.connect();
    } catch (e) {
      await client.shutdown().catch(() => {});
      throw new UserError(`cannot connect to Cassandra at ${c.contactPoints.join(', ')}: ${(e as Error).message}`, 'is Cassandra running? (`npm run services -- up cassandra`)');
    }
    close = async () => { await client.shutdown(); await store.close(); };
    const rows = (await client.execute('SELECT table_name, column_name, type FROM system_schema.columns WHERE keyspace_name = ?', [c.keyspace], { prepare: true })).rows;
    const byTable = new Map<string, Map<string, string>>();
    for (const r of rows) {
      const cols = byTable.get(r.table_name as string) ?? new Map<string, string>();
      cols.set(r.column_name as string, r.type as string);
      byTable.set(r.table_name as string, cols);
    }
    for (const g of groups) {
      const name = `${c.keyspace}.${g.layout.online.table}`;
      const have = byTable.get(g.layout.online.table);
      if (!have) {
        creates.push(`${name} (${g.name} ${g.version})`);
        continue;
      }
      // The same check the store makes before it writes (runtime/stores/cql.ts).
      const diff = cassandraColumnConflicts(cassandraTable(g.layout.online), have);
      if (diff.length > 0) conflicts.push(`Cassandra table ${name} exists with other columns than version ${g.version} of ${g.name} needs:\n    ${diff.join('\n    ')}`);
      else say(`unchanged: Cassandra table ${name}`);
    }
  }
  const what = online.store === 'cassandra'
    ? (creates.length ? `create Cassandra keyspace ${online.cassandra.keyspace} if needed and table(s) ${creates.join(', ')}` : null)
    : `create the SQLite online tables in ${online.path} if needed (${groups.length} group(s))`;
  if (what) steps.push({ what, run: () => store.ensureTables(groups) });
  // The serving manifest of this build, for sidecars that follow the store (`palette serve
  // --manifest store`), and the registry, for the catalog of what is applied (`--published`).
  const manifest = servingManifest(registry);
  const hash = manifest.registryHash;
  const published = await store.newestPublication(SERVING_MANIFEST_ARTIFACT, false);
  const publishedRegistry = await store.newestPublication(REGISTRY_ARTIFACT, false);
  if (published?.registryHash === hash && publishedRegistry?.registryHash === hash) {
    say(`unchanged: registry ${hash} and its serving manifest are the ones published in the online store`);
    // Nothing to publish, but the history may be longer than asked (a lower --keep-publications).
    let excess = 0;
    for (const a of PUBLISHED_ARTIFACTS) excess += prunedCount((await store.listPublications(a)).map((p) => p.publishedAt), keep);
    if (excess > 0) {
      steps.push({
        what: `remove ${excess} publication(s) older than the newest ${keep} of each artifact`,
        run: async () => { for (const a of PUBLISHED_ARTIFACTS) await store.prunePublications(a, keep); },
      });
    }
  } else {
    steps.push({
      what: `publish the registry ${hash} and its serving manifest in the online store (${published ? `replacing ${published.registryHash}, published ${new Date(published.publishedAt).toISOString()}` : 'the first one'}), keeping the newest ${keep} publications of each`,
      run: async () => {
        const at = Date.now();
        // The registry first: a sidecar that sees the new manifest finds its registry there too.
        await store.publish(REGISTRY_ARTIFACT, hash, JSON.stringify(registry), at);
        await store.publish(SERVING_MANIFEST_ARTIFACT, hash, JSON.stringify(manifest), at);
        // Then the history, bounded: the newest `keep` of each artifact stay.
        let removed = 0;
        for (const a of PUBLISHED_ARTIFACTS) removed += await store.prunePublications(a, keep);
        if (removed > 0) say(`removed ${removed} publication(s) older than the newest ${keep} of each artifact`);
      },
    });
  }
  return { steps, conflicts, close };
}

export function registerApplyCommand(program: Command): void {
  program
    .command('apply')
    .description("create or update Palette's Hive databases and tables (offline.engine spark) and the online store's keyspace and tables, and publish the serving manifest there; refuses to mix two versions of a group in one table")
    .argument('[paths...]', '.pal files or folders (default: the definitions of palette.yaml)')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('--dry-run', 'print what would change and stop')
    .option('--offline-only', 'only the Hive tables')
    .option('--online-only', 'only the online store')
    .option('--keep-publications <n>', `publications of the registry and of the serving manifest kept in the online store, newest first; older ones are removed (default ${PUBLICATIONS_KEPT})`, wholeNumber('--keep-publications', 1), PUBLICATIONS_KEPT)
    .addHelpText('after', `
Nothing is changed when any existing table conflicts with the definitions.

Examples:
  palette apply --dry-run
  palette apply --offline-only
`)
    .action(async (paths: string[], opts) => {
      const repo = await compileOrExit(paths, { config: opts.config, quiet: true });
      const say = (s: string) => process.stdout.write(`${s}\n`);
      const plans: { steps: Step[]; conflicts: string[]; close: () => Promise<void> }[] = [];
      try {
        if (!opts.onlineOnly) {
          if (repo.config.offline.engine === 'spark') plans.push(await planHive(repo.registry, repo.config.offline.hive, say));
          else say(`offline: engine ${repo.config.offline.engine} keeps its tables as Parquet folders under ${repo.config.offline.path}; nothing to create`);
        }
        if (!opts.offlineOnly) plans.push(await planCassandra(repo.registry, repo.config.online, say, opts.keepPublications));
        const conflicts = plans.flatMap((p) => p.conflicts);
        if (conflicts.length > 0) {
          throw new UserError(`refusing to apply: ${conflicts.length} table(s) would mix two versions of a feature:\n  ${conflicts.join('\n  ')}`,
            'a table of this name was created from another definition; drop or rename it if its data is not needed, or restore the definition that made it');
        }
        const steps = plans.flatMap((p) => p.steps);
        for (const s of steps) {
          say(`${opts.dryRun ? 'would ' : ''}${s.what}`);
          if (!opts.dryRun) await s.run();
        }
        say(opts.dryRun ? 'dry run: nothing changed' : 'applied');
      } finally {
        for (const p of plans) await p.close().catch(() => {});
      }
    });
}
