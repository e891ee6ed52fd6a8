/**
 * `palette materialize [GROUP...]`: the streaming materializer (runtime/materializer) over
 * the stream and online store that palette.yaml names. The plan is compiled from the
 * definitions (the same as `palette compile`'s materializer-plan.json), or read from a file
 * with --plan.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { PaletteConfig } from '../../runtime/config/palette-config.js';
import { type MaterializerPlan, PLAN_VERSION } from '../../runtime/contracts/plan.js';
import { UserError } from '../../runtime/errors.js';
import { wholeNumber } from './option-parsers.js';
import type { StreamSource } from '../../runtime/stream/stream-source.js';
import { materializerPlan } from '../targets/materializer-plan-target.js';
import { compileOrExit } from './compile-commands.js';

// The runtime (Kafka, Cassandra, SQLite, pino, prom-client) is imported inside the action,
// so building the command tree stays light (test/unit/compiler/cli-startup.test.ts).

/** Keeps the plan's groups named on the command line (`group` or `namespace.group`); all if none. */
export function selectGroups(plan: MaterializerPlan, names: readonly string[]): MaterializerPlan {
  if (names.length === 0) {
    if (plan.groups.length === 0) throw new UserError('no group to materialize: no windowed group reads a source with a stream');
    return plan;
  }
  const groups = names.map((n) => {
    const g = plan.groups.find((x) => x.group.name === n || x.group.name.split('.').pop() === n);
    if (!g) {
      throw new UserError(`no streamed group called \`${n}\``, plan.groups.length
        ? `groups with a stream: ${plan.groups.map((x) => x.group.name).join(', ')}`
        : 'no windowed group reads a source with a stream');
    }
    return g;
  });
  const unique = [...new Set(groups)];
  const sources = new Set(unique.map((g) => g.source));
  return { ...plan, groups: unique, sources: plan.sources.filter((s) => sources.has(s.name)) };
}

export function readPlan(path: string): MaterializerPlan {
  let plan: MaterializerPlan;
  try {
    plan = JSON.parse(readFileSync(path, 'utf8')) as MaterializerPlan;
  } catch (e) {
    throw new UserError(`cannot read the materializer plan ${path}: ${(e as Error).message}`, 'run `palette compile` first');
  }
  if (plan.planVersion !== PLAN_VERSION) throw new UserError(`${path} was written by an incompatible Palette (plan version ${String(plan.planVersion)})`);
  return plan;
}

export async function makeLogger(level: string): Promise<Logger> {
  const { default: pino } = await import('pino');
  return pino({ level, base: { app: 'palette' } }, pino.destination({ fd: 2, sync: false }));
}

export async function openStream(config: PaletteConfig, topics: string[], opts: { groupId?: string; sessionTimeoutMs?: number }, logger: Logger): Promise<StreamSource> {
  const groupId = opts.groupId;
  if (config.stream.kind === 'kafka') {
    const k = config.stream.kafka;
    const { KafkaSource } = await import('../../runtime/stream/kafka-source.js');
    return new KafkaSource({ brokers: k.brokers, groupId: groupId ?? k.groupId, topics, deadLetterTopic: k.deadLetterTopic, logger, sessionTimeoutMs: opts.sessionTimeoutMs });
  }
  const { FileSource } = await import('../../runtime/stream/file-source.js');
  return new FileSource({ dir: config.stream.path, topics, groupId: groupId ?? config.stream.kafka.groupId });
}


export function registerMaterializeCommands(program: Command): void {
  program
    .command('materialize')
    .description('stream events into the online store: decode and check them, apply each group\'s filter and expressions, update tiles, flush, commit offsets (runs until stopped)')
    .argument('[groups...]', 'groups to materialize (`group` or `namespace.group`; default: every group with a stream)')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('--plan <file>', 'a compiled materializer-plan.json (default: compile the definitions)')
    .option('--until-idle [ms]', 'stop once no event arrived for this long and all is written (default 2000 ms)')
    .option('--max-events <n>', 'stop after this many records', wholeNumber('--max-events'))
    .option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>/metrics', wholeNumber('--metrics-port'))
    .option('--flush-interval <ms>', 'write dirty tiles at least this often', wholeNumber('--flush-interval'), 500)
    .option('--max-dirty-rows <n>', 'write as soon as this many tile rows are dirty', wholeNumber('--max-dirty-rows'), 20_000)
    .option('--session-timeout <ms>', 'Kafka consumer session timeout: how soon a dead instance\'s partitions move to the others', wholeNumber('--session-timeout'), 30_000)
    .option('--group-id <id>', 'consumer group (default: stream.kafka.groupId); the file stream keeps its offsets under this name too')
    .option('--log-level <level>', 'pino log level (fatal, error, warn, info, debug)', 'info')
    .addHelpText('after', `
Events are JSON objects with every field of the source (nullable ones may be null);
timestamps are ISO-8601 strings (no zone = UTC) or epoch milliseconds. Malformed events go
to the dead-letter topic (stream.kafka.deadLetterTopic) or <stream.path>/<topic>.dead-letters.jsonl.

Examples:
  palette materialize                         # every streamed group, until Ctrl-C
  palette materialize driver_trip_stats --until-idle --metrics-port 9464
`)
    .action(async (names: string[], opts) => {
      const repo = await compileOrExit([], { config: opts.config, quiet: true });
      const config = repo.config;
      const plan = selectGroups(opts.plan ? readPlan(opts.plan) : materializerPlan(repo.registry), names);
      const { Materializer } = await import('../../runtime/materializer/materializer.js');
      const { MaterializerMetrics } = await import('../../runtime/materializer/metrics.js');
      const { openOnlineStore } = await import('../../runtime/stores/open-store.js');
      const logger = await makeLogger(opts.logLevel);
      const metrics = new MaterializerMetrics();
      const topics = [...new Set(plan.sources.map((s) => s.stream.topic))];
      const store = openOnlineStore(config.online);
      const source = await openStream(config, topics, { groupId: opts.groupId, sessionTimeoutMs: opts.sessionTimeout }, logger);
      const untilIdle = opts.untilIdle === undefined ? undefined : opts.untilIdle === true ? 2000 : wholeNumber('--until-idle')(opts.untilIdle);
      const m = new Materializer({
        plan, store, source, logger, metrics,
        flushIntervalMs: opts.flushInterval, maxDirtyRows: opts.maxDirtyRows, maxEvents: opts.maxEvents, untilIdleMs: untilIdle,
      });
      const server = opts.metricsPort === undefined ? null : await metrics.serve(opts.metricsPort);
      if (server) logger.info({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics` }, 'metrics');
      let signals = 0;
      const onSignal = (sig: string) => {
        signals++;
        if (signals > 1) {
          // Nothing unwritten was committed, so leaving now loses nothing: a restart replays it.
          process.stderr.write(`${sig} again: exiting without the final flush\n`);
          process.exit(130);
        }
        logger.info({ signal: sig }, 'stopping: flushing and committing');
        void m.stop();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const started = Date.now();
      try {
        const s = await m.run();
        const secs = (Date.now() - started) / 1000;
        process.stdout.write(`materialized ${s.events} event(s) in ${secs.toFixed(1)} s (${Math.round(s.events / Math.max(secs, 0.001))}/s) into the ${store.kind} online store: `
          + `${s.rowsWritten} tile row(s) in ${s.flushes} flush(es); ${s.deadLetters} dead letter(s), ${s.late} late, ${s.replayed} already stored\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        server?.close();
        await store.close();
        logger.flush();
      }
    });
}
