/** `palette backfill` and `palette training-set`: the offline store on the embedded engine. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compileOrExit } from './compile-commands.js';
import { backfillGroups, buildTrainingSet, checkDay, checkEngine, resolveModel, resolveTarget } from './offline-run.js';

export function registerOfflineCommands(program: Command): void {
  program
    .command('backfill')
    .description('compute tiles and daily feature state of a group (or every group of a model) for a range of days into the offline store')
    .argument('<name>', 'a group or a model (`group`, `namespace.group`, `model`, ...)')
    .option('--from <day>', 'first day written (YYYY-MM-DD, UTC)')
    .option('--to <day>', 'last day written (YYYY-MM-DD, UTC)')
    .option('--engine <engine>', 'offline engine (default: offline.engine of palette.yaml)')
    .option('-c, --config <file>', 'palette.yaml to use')
    .addHelpText('after', `
Reads the source partitions the range needs, including the history the windows reach back
to before --from (it says which), and replaces the partitions ds=--from..--to of the group's
tiles and daily tables (re-running a range replaces it). A missing source partition is an
error naming the table and the day.

Example:
  palette backfill driver_trip_stats --from 2026-01-01 --to 2026-01-31
  palette backfill rides.eta_v3 --from 2026-01-01 --to 2026-01-31
`)
    .action(async (name: string, opts) => {
      const from = checkDay('--from', opts.from);
      const to = checkDay('--to', opts.to);
      const repo = await compileOrExit([], { config: opts.config, quiet: true });
      const engine = checkEngine(repo.config, opts.engine);
      const target = resolveTarget(repo.registry, name);
      const groups = target.kind === 'group' ? [target.group]
        : target.model.groups.map((g) => repo.registry.groups.find((x) => x.name === g)!);
      if (engine === 'spark') return (await import('./spark-offline.js')).sparkBackfillCommand(repo.config, repo.registry, groups, from, to);
      await backfillGroups(repo.config, repo.registry, groups, from, to);
    });

  program
    .command('training-set')
    .description('a point-in-time-correct training set: the features of a model at each row of a spine')
    .argument('<model>', '`model` or `namespace.model`')
    .requiredOption('--spine <file>', 'the spine: .parquet, .csv or .arrow with the model\'s keys, a time column and any labels')
    .requiredOption('--out <file>', 'output: .arrow (Arrow IPC) or .parquet')
    .option('--at-column <name>', 'the spine\'s time column', 'ts')
    .option('--engine <engine>', 'offline engine (default: offline.engine of palette.yaml)')
    .option('--output-table <db.table>', 'spark: the Hive table written (default palette_<namespace>.training_<model>); --spine may also be a Hive table')
    .option('-c, --config <file>', 'palette.yaml to use')
    .addHelpText('after', `
One output row per spine row, in spine order: the spine's columns, then the model's
features as they were at the row's time (events strictly before it; a snapshot from the
latest partition ds with ds + 1 day <= time). Reads the source data directly: no backfill
needed.

Example:
  palette training-set eta_v3 --spine spine.parquet --out training.arrow --at-column requested_at
`)
    .action(async (name: string, opts) => {
      const repo = await compileOrExit([], { config: opts.config, quiet: true });
      const engine = checkEngine(repo.config, opts.engine);
      const model = resolveModel(repo.registry, name);
      if (engine === 'spark') {
        return (await import('./spark-offline.js')).sparkTrainingSetCommand(repo.config, repo.registry, model,
          { spine: opts.spine, atColumn: opts.atColumn, out: opts.out, outputTable: opts.outputTable });
      }
      const r = await buildTrainingSet(repo.config, repo.registry, model, resolve(opts.spine), resolve(opts.out), opts.atColumn);
      const rate = r.rows / Math.max(0.001, r.seconds);
      process.stdout.write(`wrote ${r.out}: ${r.rows.toLocaleString('en-US')} rows x ${r.columns.length} columns (${model.name}, spine ${r.spine.minDay} to ${r.spine.maxDay}) in ${r.seconds.toFixed(1)} s (${Math.round(rate).toLocaleString('en-US')} rows/s)\n`);
    });
}
