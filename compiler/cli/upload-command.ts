/**
 * `palette upload GROUP [--from D --to D]`: batch tiles (windowed groups) or the latest
 * daily values (snapshot groups) from the offline store into the online store
 * (runtime/upload/upload.ts), with a progress bar.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors.js';
import { wholeNumber } from './option-parsers.js';
import { runtimeGroup } from '../targets/runtime-group.js';
import { compileOrExit } from './compile-commands.js';

export function registerUploadCommand(program: Command): void {
  program
    .command('upload')
    .description('load batch tiles (windowed groups) or the latest daily values (snapshot groups) from the offline store into the online store; resumable')
    .argument('<group>', '`group` or `namespace.group`')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('--from <day>', 'first day (YYYY-MM-DD) of offline partitions to upload (default: the first there is)')
    .option('--to <day>', 'last day (default: the last there is); tiles ending after it are not uploaded')
    .option('--concurrency <n>', 'partitions uploaded at once (default: 4 for Cassandra, 1 for SQLite)', wholeNumber('--concurrency', 1, 64))
    .option('--chunk-rows <n>', 'rows per write, which may hold several day partitions (default: 1000 for Cassandra, a request; 200000 for SQLite, a transaction)', wholeNumber('--chunk-rows', 1, 1_000_000))
    .option('--restart', 'ignore what earlier runs uploaded and upload every partition again')
    .addHelpText('after', `
An interrupted upload continues where it stopped when run again (days already uploaded are
skipped unless their files changed). Run \`palette backfill\` first to fill the offline store.

Examples:
  palette upload driver_trip_stats --from 2026-01-01 --to 2026-01-31
  palette upload driver_profile
`)
    .action(async (name: string, opts) => {
      const repo = await compileOrExit([], { config: opts.config, quiet: true });
      const reg = repo.registry;
      const g = reg.groups.find((x) => x.name === name || x.localName === name);
      if (!g) throw new UserError(`no group called \`${name}\``, `groups: ${reg.groups.map((x) => x.localName).join(', ')}`);
      const group = runtimeGroup(reg, g);
      // Imported here: building the command tree stays light (cli-startup.test.ts).
      const { SingleBar } = await import('cli-progress');
      const { openOnlineStore } = await import('../../runtime/stores/open-store.js');
      const { openOfflineReader } = await import('../../runtime/upload/offline-reader.js');
      const { uploadGroup } = await import('../../runtime/upload/upload.js');
      const reader = await openOfflineReader(repo.config.offline);
      const store = openOnlineStore(repo.config.online);
      const bar = new SingleBar({
        format: `upload ${g.localName} [{bar}] {percentage}% | {value}/{total} rows | days {days} | {rate} rows/s | ETA {eta_formatted}`,
        stream: process.stderr, hideCursor: true, etaBuffer: 50,
      });
      const started = Date.now();
      let barStarted = false;
      try {
        const r = await uploadGroup({
          group, reader, store, from: opts.from, to: opts.to, concurrency: opts.concurrency, chunkRows: opts.chunkRows, restart: !!opts.restart,
          checkpointPath: join(repo.config.build, 'upload-state', `${group.layout.online.table}.json`),
          onProgress: (p) => {
            const payload = { days: `${p.partitionsDone}/${p.partitionsTotal}`, rate: Math.round(p.rowsDone / Math.max(0.001, (Date.now() - started) / 1000)) };
            if (!barStarted) {
              bar.start(p.rowsTotal, p.rowsDone, payload);
              barStarted = true;
            } else bar.update(p.rowsDone, payload);
          },
        });
        if (barStarted) bar.stop();
        const secs = (Date.now() - started) / 1000;
        const what = r.kind === 'tiles' ? 'batch tile row(s)' : 'value row(s)';
        process.stdout.write(`uploaded ${r.rows} ${what} of ${g.name} from ${r.partitions.length} day(s)${r.partitions.length ? ` (${r.partitions[0]}..${r.partitions[r.partitions.length - 1]})` : ''} in ${secs.toFixed(1)} s into the ${store.kind} online store`
          + `${r.skipped.length ? `; ${r.skipped.length} day(s) already uploaded (use --restart to redo them)` : ''}\n`);
      } finally {
        if (barStarted) bar.stop();
        await reader.close();
        await store.close();
      }
    });
}
