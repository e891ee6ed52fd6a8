/**
 * `palette verify MODEL|GROUP [--day D] [--sample N]`: the online/offline consistency report
 * (runtime/serving/online-offline-check.ts). Exit 0 when every compared value is equal,
 * 1 when some differ (so that a scheduler can alert on it), with the differences printed.
 */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors.js';
import { wholeNumber } from './option-parsers.js';
import type { GroupCheck } from '../../runtime/serving/online-offline-check.js';
import { runtimeGroup } from '../targets/runtime-group.js';
import { compileOrExit } from './compile-commands.js';
import { ExitWithCode } from './exit.js';
import { checkDay, resolveTarget } from './offline-run.js';

const show = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v));

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('online/offline consistency report: the values the sidecar serves at the end of a day against the offline daily state of that day, for a sample of entities')
    .argument('<name>', 'a model or a group (`group`, `namespace.group`, `model`, ...)')
    .option('--day <day>', 'the day compared (YYYY-MM-DD; default: the newest day of daily state, per group)')
    .option('--sample <n>', 'entities compared per group (the first ones of the day\'s daily state)', wholeNumber('--sample', 1, 1_000_000), 100)
    .option('--tolerance <r>', 'relative tolerance for numbers', (v) => {
      const r = Number(v);
      if (!(r >= 0 && r < 1)) throw new UserError(`--tolerance must be a number in [0, 1), not \`${v}\``);
      return r;
    }, 1e-9)
    .option('--json', 'print the report as JSON')
    .option('-c, --config <file>', 'palette.yaml to use')
    .addHelpText('after', `
For each group: the first --sample entities of the offline daily state of the day, their
online rows merged at the end of that day as the sidecar merges them, and every feature
compared. A difference means training/serving skew, or an online store that is behind
(not uploaded, or not streamed up to the end of the day) or past its retention (tiles older
than the longest window are gone): compare a recent, complete day.

Exit code: 0 when everything compared is equal, 1 when something differs.

Examples:
  palette verify rides.eta_v3
  palette verify driver_trip_stats --day 2026-01-31 --sample 1000 --json
`)
    .action(async (name: string, opts) => {
      const day = opts.day === undefined ? undefined : checkDay('--day', opts.day);
      const repo = await compileOrExit([], { config: opts.config, quiet: true });
      const target = resolveTarget(repo.registry, name);
      const groups = target.kind === 'group' ? [target.group]
        : target.model.groups.map((g) => repo.registry.groups.find((x) => x.name === g)!);
      // Imported here: building the command tree stays light (cli-startup.test.ts).
      const { openOnlineStore } = await import('../../runtime/stores/open-store.js');
      const { openOfflineReader } = await import('../../runtime/upload/offline-reader.js');
      const { checkGroup } = await import('../../runtime/serving/online-offline-check.js');
      const reader = await openOfflineReader(repo.config.offline);
      const store = openOnlineStore(repo.config.online);
      const reports: GroupCheck[] = [];
      try {
        for (const g of groups) {
          const group = runtimeGroup(repo.registry, g);
          // One listing of the daily partitions: the default day, and the check that the day exists.
          const parts = await reader.partitions(group.layout.offline.daily);
          const d = day ?? parts.at(-1)?.ds ?? null;
          if (d === null) throw new UserError(`${g.name} has no daily state in ${reader.describe(group.layout.offline.daily)}`, `run \`palette backfill ${g.localName} --from D --to D\` first`);
          if (!parts.some((p) => p.ds === d)) {
            throw new UserError(`${g.name} has no daily state of ${d} in ${reader.describe(group.layout.offline.daily)}`,
              parts.length ? `it has ${parts[0].ds}..${parts[parts.length - 1].ds}` : `run \`palette backfill ${g.localName}\` first`);
          }
          reports.push(await checkGroup({ group, reader, store, day: d, sample: opts.sample, relTolerance: opts.tolerance }));
        }
      } finally {
        await reader.close();
        await store.close();
      }
      const differs = reports.some((r) => r.diffs.length > 0);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ consistent: !differs, groups: reports }, null, 2)}\n`);
      } else {
        for (const r of reports) {
          const extra = [r.missingOnline ? `${r.missingOnline} with no online row` : '', r.otherSnapshotDay ? `${r.otherSnapshotDay} with an online snapshot of another day (not compared)` : ''].filter(Boolean).join(', ');
          process.stdout.write(`${r.group} at ${new Date(r.at).toISOString().slice(0, 16)}Z (end of ${r.day}): ${r.matching} of ${r.entities} entities equal${extra ? `; ${extra}` : ''}\n`);
          for (const d of r.diffs) {
            const e = d.example!;
            process.stdout.write(`  ${d.feature}: ${d.mismatches} differ, e.g. key ${e.key.map(show).join(', ')}: online ${show(e.online)}, offline ${show(e.offline)}\n`);
          }
        }
      }
      if (differs) {
        process.stderr.write('palette verify: online and offline values differ (see above)\n');
        throw new ExitWithCode(1);
      }
    });
}
