/**
 * `palette quickstart [dir]`: the whole loop on the embedded default, from nothing.
 * Scaffolds the rides example (or reuses it), generates sample data with a fixed seed
 * (quickstart-data.ts), compiles, backfills every group over the whole period, builds an
 * eta_v3 training set from a generated spine, uploads the batch tiles to the SQLite online
 * store and streams the last day through the materializer, then starts the sidecar and
 * fetches a few drivers' features over HTTP; it prints what it did, where the files are and
 * what to try next.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../runtime/config/palette-config.js';
import { UserError } from '../../runtime/errors.js';
import { compileRepository } from '../project/repository.js';
import { targetOptions, writeBuild } from './compile-commands.js';
import { ExitWithCode } from './exit.js';
import { scaffold } from './init-command.js';
import { backfillGroups, buildTrainingSet, resolveModel } from './offline-run.js';
import { printDiagnostics } from './output.js';
import { QUICKSTART_DATA, writeSampleData, writeSampleSpine } from './quickstart-data.js';

const SPINE_ROWS = 100_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function registerQuickstartCommand(program: Command): void {
  program
    .command('quickstart')
    .description('the whole loop on the embedded default: example repository, sample data, backfill, training set, online store (upload and stream), sidecar fetches')
    .argument('[dir]', 'folder for the example repository (created, or reused if it holds the rides example)', 'palette-quickstart')
    .addHelpText('after', '\nExample:\n  npx palette quickstart && cd palette-quickstart && npx palette catalog list\n')
    .action(async (dirArg: string) => {
      const out = (s = '') => process.stdout.write(`${s}\n`);
      const started = Date.now();
      let t = Date.now();
      const lap = () => { const s = (Date.now() - t) / 1000; t = Date.now(); return `${s.toFixed(1)} s`; };
      const dir = resolve(dirArg);
      const rel = relative(process.cwd(), dir) || '.';
      const configFile = join(dir, 'palette.yaml');

      out(`Palette quickstart: the rides example in ${rel}/`);
      if (existsSync(dir) && readdirSync(dir).length > 0) {
        if (!existsSync(join(dir, 'definitions', 'models.pal'))) {
          throw new UserError(`${rel} is not empty and does not hold the rides example`, 'choose a new folder: palette quickstart DIR');
        }
        out(`1. using the repository already in ${rel}/`);
      } else {
        const files = scaffold(dir, 'rides');
        out(`1. scaffolded ${files.length} files: ${files.join(', ')}`);
      }
      const config = loadConfig(configFile);

      const { DuckDbSession } = await import('../../runtime/offline/duckdb-session.js');
      const session = await DuckDbSession.open();
      const o = { ...QUICKSTART_DATA, offlinePath: config.offline.path };
      const from = o.start;
      const to = addDays(o.start, o.days - 1);
      const spinePath = join(config.root, 'data', 'spine.parquet');
      let spineRows: number;
      try {
        const data = await writeSampleData(session, o);
        out(`2. generated ${fmt(data.trips)} trips by ${fmt(o.drivers)} drivers and ${fmt(o.riders)} riders over ${o.days} days (${from} to ${to}) and ${fmt(data.profileRows)} driver profile rows (seed ${o.seed}): ${lap()}`);
        out(`     ${relative(process.cwd(), data.tripsDir)}/ds=*/   ${relative(process.cwd(), data.driversDir)}/ds=*/`);
        spineRows = await writeSampleSpine(session, o, spinePath, SPINE_ROWS);
      } finally {
        session.close();
      }

      const repo = await compileRepository([config.definitions], configFile);
      if (!repo.result.registry) {
        printDiagnostics(repo.result.diagnostics, repo.result.files);
        throw new ExitWithCode(1);
      }
      const registry = repo.result.registry;
      const written = writeBuild(registry, config.build, targetOptions(repo));
      out(`3. compiled ${registry.groups.length} groups and ${registry.models.length} models into ${relative(process.cwd(), config.build)}/ (${written.length} files, the DuckDB SQL in offline/duckdb/): ${lap()}`);

      out(`4. backfilling ${registry.groups.length} groups for ${o.days} days (tiles and daily feature state)...`);
      const results = await backfillGroups(config, registry, registry.groups, from, to, { quiet: true });
      for (const r of results) {
        const g = registry.groups.find((x) => x.name === r.group)!;
        const rate = r.inputRows / Math.max(0.001, r.seconds);
        out(`     ${r.group.padEnd(26)} ${fmt(r.inputRows).padStart(9)} ${g.kind === 'windowed' ? 'events' : 'rows  '} ${r.seconds.toFixed(1).padStart(5)} s ${fmt(rate).padStart(10)}/s   ${r.written.map((w) => `${w.table.split('.')[1]} ${fmt(w.rows)} rows`).join(', ')}`);
      }
      out(`   done: ${lap()}`);

      const model = resolveModel(registry, 'rides.eta_v3');
      const trainingPath = join(config.root, 'data', 'training', 'eta_v3.arrow');
      const ts = await buildTrainingSet(config, registry, model, spinePath, trainingPath, 'ts', { quiet: true });
      out(`5. training set for ${model.name}: ${fmt(ts.rows)} spine rows (${ts.spine.minDay} to ${ts.spine.maxDay}) x ${ts.columns.length} columns (the spine's trip_id, driver_id, ts, eta_minutes and ${ts.columns.length - 4} features), point in time: ${lap()}`);

      out(`6. online store: batch tiles uploaded, then ${to} streamed through the materializer (embedded event file → SQLite)...`);
      const { quickstartOnline } = await import('./quickstart-stream.js');
      await quickstartOnline(config, registry, from, to, 'd00042', out);
      out(`   done: ${lap()}`);

      // The sidecar over the embedded store, fetched over HTTP as a model would, at the end of the data.
      out(`7. the sidecar (palette serve) on the embedded online store, features of a few drivers at the end of ${to}:`);
      const { serveAndFetch } = await import('../../sidecar/quickstart-serve.js');
      await serveAndFetch(config, 'rides.eta_v3', ['d00042', 'd00007', 'd01234', 'd99999'].map((d) => ({ driver_id: d })), out,
        { at: Date.parse(`${to}T00:00:00Z`) + 86_400_000 });
      out(`   done: ${lap()}`);

      // A few values: the first training rows and one driver's daily state.
      const { DuckDbSession: S } = await import('../../runtime/offline/duckdb-session.js');
      const peek = await S.open();
      try {
        const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
        const { tableFromIPC } = await import('apache-arrow');
        const { readFileSync } = await import('node:fs');
        const table = tableFromIPC(readFileSync(trainingPath));
        const show = ['driver_id', 'ts', 'eta_minutes', 'driver_trip_stats.trips_7d', 'driver_trip_stats.avg_fare_7d', 'driver_trip_stats.avg_rating_30d', 'driver_profile.vehicle_type'];
        out('');
        out(`First rows of ${relative(process.cwd(), trainingPath)}:`);
        const cell = (c: string, v: unknown) => {
          if (v === null || v === undefined) return 'null';
          if (c === 'ts') return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().slice(0, 19);
          if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(3);
          return String(v);
        };
        const rows = [...Array(Math.min(5, table.numRows)).keys()].map((i) => show.map((c) => cell(c, table.getChild(c)?.get(i))));
        const widths = show.map((c, j) => Math.max(c.replace(/^.*\./, '').length, ...rows.map((r) => r[j].length)));
        out(`  ${show.map((c, j) => c.replace(/^.*\./, '').padEnd(widths[j])).join('  ')}`);
        for (const r of rows) out(`  ${r.map((v, j) => v.padEnd(widths[j])).join('  ')}`);
        const daily = registry.groups.find((g) => g.name === 'rides.driver_trip_stats')!.layout.offline.daily;
        const dailyDir = join(config.offline.path, daily.database, daily.table);
        const d = await peek.query(`SELECT ds, trips_1h, trips_7d, round(avg_fare_7d, 2), round(fare_per_km_7d, 3) FROM read_parquet(${lit(`${dailyDir}/*/*.parquet`)}, hive_partitioning = true)
          WHERE driver_id = 'd00042' ORDER BY ds DESC LIMIT 3`);
        out('');
        out(`Daily state of driver d00042 (rides.driver_trip_stats, values at the end of each day):`);
        out(`  ds          trips_1h  trips_7d  avg_fare_7d  fare_per_km_7d`);
        for (const r of d.rows) out(`  ${String(r[0]).padEnd(10)}  ${String(r[1]).padStart(8)}  ${String(r[2]).padStart(8)}  ${String(r[3]).padStart(11)}  ${String(r[4]).padStart(14)}`);
      } finally {
        peek.close();
      }

      out('');
      out('Where things are:');
      out(`  definitions      ${relative(process.cwd(), config.definitions)}/`);
      out(`  compiled output  ${relative(process.cwd(), config.build)}/ (registry, DuckDB SQL, CQL, Hive DDL, plans)`);
      out(`  offline store    ${relative(process.cwd(), config.offline.path)}/ (sources raw/, dim/; Palette's tables palette_rides/)`);
      out(`  spine            ${relative(process.cwd(), spinePath)} (${fmt(spineRows)} rows)`);
      out(`  training set     ${relative(process.cwd(), trainingPath)} (Arrow IPC)`);
      out('');
      out(`Total ${((Date.now() - started) / 1000).toFixed(1)} s. Next, in ${rel}/:`);
      out('  npx palette catalog list                    # or in a browser: npx palette ui');
      out(`  npx palette backfill driver_trip_stats --from ${addDays(to, -6)} --to ${to}`);
      out('  npx palette training-set eta_v3 --spine data/spine.parquet --out data/training/eta_v3.parquet');
      out(`  npx palette fetch eta_v3 driver_id=d00042 --at ${addDays(to, 1)}T00:00:00Z     # or: npx palette serve`);
      out('  npx palette verify eta_v3 --sample 1000     # online values at the end of the last day = offline daily state');
    });
}
