/**
 * The Spark engine behind `palette backfill --engine spark` and `palette training-set
 * --engine spark`: write the generated job (the same bytes as `palette compile`'s
 * build/spark/), run it with spark-submit (runtime/offline/spark-submit.ts) and show its
 * progress; for training sets, also export the written Hive table to a local file.
 *
 * Where Spark comes from: with SPARK_HOME set, `$SPARK_HOME/bin/spark-submit` and only
 * palette.yaml's offline.spark.conf (a real cluster's metastore and warehouse belong
 * there); otherwise the local services of `npm run services` (scripts/services/config.mjs:
 * its SPARK_HOME, python and the shared Derby metastore and warehouse the Thrift Server
 * uses), overlaid with palette.yaml's conf. The master is offline.spark.master (`local[*]`
 * by default).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PaletteConfig } from '../../runtime/config/palette-config.js';
import { UserError } from '../../runtime/errors.js';
import type { SparkJobEvent, SparkJobResult, SparkSubmitOptions } from '../../runtime/offline/spark-submit.js';
import type { Group, Model, Registry } from '../ir/ir.js';
import { backfillJob, backfillJobPath, trainingSetJob, trainingSetJobPath } from '../targets/spark-jobs-target.js';

interface LocalServices {
  spark: { home: string; sparkSubmit: string; conf: Record<string, string>; env: Record<string, string>; driverClassPath: string };
}

export async function sparkSubmitOptions(config: PaletteConfig): Promise<SparkSubmitOptions> {
  const own = config.offline.spark;
  if (process.env.SPARK_HOME) {
    return { sparkSubmit: join(process.env.SPARK_HOME, 'bin', 'spark-submit'), master: own.master, conf: { ...own.conf }, driverMemory: '2g' };
  }
  const servicesConfig = fileURLToPath(new URL('../../scripts/services/config.mjs', import.meta.url));
  if (!existsSync(servicesConfig)) {
    throw new UserError('no Spark: set SPARK_HOME (and the metastore settings in offline.spark.conf of palette.yaml)');
  }
  const services = (await import(servicesConfig)) as { serviceConfig(): LocalServices };
  const { spark } = services.serviceConfig();
  if (!existsSync(spark.sparkSubmit)) {
    throw new UserError(`no spark-submit at ${spark.sparkSubmit}`, 'install the local services with `npm run services -- install`, or set SPARK_HOME');
  }
  return {
    sparkSubmit: spark.sparkSubmit, master: own.master, conf: { ...spark.conf, ...own.conf }, env: spark.env,
    driverClassPath: spark.driverClassPath, driverMemory: '2g',
  };
}

/** Writes a job file atomically (so a concurrent submit never reads half a file). */
function writeJob(path: string, content: string): string {
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, abs);
  return abs;
}

/** Human progress on stderr: notes, steps, stage task counts (changed stages only), days. */
export function progressPrinter(prefix: string, out: (s: string) => void = (s) => process.stderr.write(s)): (e: SparkJobEvent) => void {
  const started = Date.now();
  const t = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;
  let stagesDone = 0;
  let lastStageLine = 0;
  return (e) => {
    switch (e.event) {
      case 'note': out(`${prefix} ${e.message}\n`); break;
      case 'step': out(`${prefix} ${t()} ${e.description}\n`); break;
      case 'stage': {
        // Spark runs many short stages: one line per finished stage, at most every 2 s.
        if (e.done !== e.tasks) break;
        stagesDone++;
        if (Date.now() - lastStageLine < 2000) break;
        lastStageLine = Date.now();
        out(`${prefix} ${t()}   ${stagesDone} Spark stage(s) done (last: ${e.tasks} task(s))\n`);
        break;
      }
      case 'day': out(`${prefix} ${t()} day ${e.day} (${e.done}/${e.total}): ${Object.entries(e.rows).map(([k, v]) => `${v} row(s) in ${k}`).join(', ')}\n`); break;
      default:
    }
  };
}

export interface SparkBackfillResult extends SparkJobResult {
  readonly script: string;
}

export async function sparkBackfill(
  config: PaletteConfig, registry: Registry, group: Group, from: string, to: string, onEvent = progressPrinter('[spark]'),
): Promise<SparkBackfillResult> {
  const { runSparkJob } = await import('../../runtime/offline/spark-submit.js');
  const script = writeJob(join(config.build, backfillJobPath(group.name)), backfillJob(registry, group));
  const options = await sparkSubmitOptions(config);
  const r = await runSparkJob(options, script, ['--from', from, '--to', to], onEvent);
  return { ...r, script };
}

export interface SparkTrainingSetRequest {
  /** A Hive table `db.table` or a .parquet/.csv file (a path Spark can read). */
  readonly spine: string;
  readonly atColumn: string;
  /** Hive table written (replaced). */
  readonly outputTable: string;
  /** Optional local export: .arrow or .parquet. */
  readonly out?: string;
}

export function defaultTrainingTable(model: Model): string {
  return `palette_${model.namespace}.training_${model.localName}`.replace(/[^A-Za-z0-9_.]/g, '_');
}

export async function sparkTrainingSet(
  config: PaletteConfig, registry: Registry, model: Model, req: SparkTrainingSetRequest, onEvent = progressPrinter('[spark]'),
): Promise<SparkJobResult & { script: string; exported: number | null }> {
  const { runSparkJob } = await import('../../runtime/offline/spark-submit.js');
  if (req.out && !['.arrow', '.parquet'].includes(extname(req.out))) {
    throw new UserError(`--out ${req.out}: unknown format`, 'write .arrow (Arrow IPC) or .parquet');
  }
  const script = writeJob(join(config.build, trainingSetJobPath(model.name)), trainingSetJob(registry, model));
  const spine = existsSync(req.spine) ? resolve(req.spine) : req.spine;
  const options = await sparkSubmitOptions(config);
  const r = await runSparkJob(options, script, ['--spine', spine, '--at', req.atColumn, '--output-table', req.outputTable], onEvent);
  const exported = req.out ? await exportHiveTable(config, req.outputTable, req.out) : null;
  return { ...r, script, exported };
}

/**
 * Exports a Hive table that Spark wrote as Parquet to a local .arrow or .parquet file, from
 * the written files (their location from HiveServer2), in the order Spark wrote them
 * (file name, then row within the file: the job writes its rows sorted by spine row).
 */
export async function exportHiveTable(config: PaletteConfig, table: string, out: string): Promise<number> {
  const { HiveClient } = await import('../../runtime/offline/hive-client.js');
  const hive = new HiveClient(config.offline.hive);
  let location: string;
  try {
    const rows = (await hive.query(`DESCRIBE TABLE EXTENDED ${table.split('.').map((p) => `\`${p}\``).join('.')}`)).rows;
    location = String(rows.find((r) => r[0] === 'Location')?.[1] ?? '');
  } finally {
    await hive.close();
  }
  if (!location.startsWith('file:')) {
    throw new UserError(`cannot export ${table}: its files are at ${location || '(unknown)'}, not on this machine`, 'read the table with Spark, or drop --out');
  }
  const dir = fileURLToPath(location.startsWith('file://') ? location : `file://${location.slice('file:'.length)}`);
  const { DuckDbSession } = await import('../../runtime/offline/duckdb-session.js');
  const { writeArrowFile } = await import('../../runtime/offline/arrow-output.js');
  const session = await DuckDbSession.open();
  const abs = resolve(out);
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}`);
  try {
    const src = `read_parquet('${join(dir, '*.parquet').replace(/'/g, "''")}', filename = true, file_row_number = true)`;
    const select = `SELECT * EXCLUDE (filename, file_row_number) FROM ${src} ORDER BY filename, file_row_number`;
    let rows: number;
    if (extname(out) === '.arrow') rows = await writeArrowFile(session, select, tmp);
    else {
      await session.run(`COPY (${select}) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet)`);
      rows = Number(await session.scalar(`SELECT count(*) FROM ${src}`));
    }
    renameSync(tmp, abs);
    return rows;
  } finally {
    rmSync(tmp, { force: true });
    session.close();
  }
}

// ------------------------------------------------------------------ CLI entry points
// Called by `palette backfill` / `palette training-set` (offline-commands.ts) for --engine spark.

/** `palette backfill ... --engine spark`: one spark-submit per group, progress on stderr. */
export async function sparkBackfillCommand(config: PaletteConfig, registry: Registry, groups: readonly Group[], from: string, to: string): Promise<void> {
  for (const g of groups) {
    process.stderr.write(`backfill ${g.name} ${from} to ${to} on Spark (${config.offline.spark.master})\n`);
    const r = await sparkBackfill(config, registry, g, from, to);
    const rows = (r.done.rows ?? {}) as Record<string, number>;
    const input = Number(r.done.input_rows ?? 0);
    process.stdout.write(`backfilled ${g.name}: ${String(r.done.days)} day(s), ${input.toLocaleString('en-US')} source row(s) in ${r.seconds.toFixed(1)} s (${Math.round(input / Math.max(0.001, r.seconds)).toLocaleString('en-US')}/s) with ${r.script}\n`);
    for (const [table, n] of Object.entries(rows)) process.stdout.write(`  ${g.layout.offline.daily.database}.${table}: ${n.toLocaleString('en-US')} rows\n`);
  }
}

/** `palette training-set MODEL --engine spark`: the join in Spark into a Hive table, then the export. */
export async function sparkTrainingSetCommand(
  config: PaletteConfig, registry: Registry, model: Model, opts: { spine: string; atColumn: string; out?: string; outputTable?: string },
): Promise<void> {
  const outputTable = opts.outputTable ?? defaultTrainingTable(model);
  process.stderr.write(`training set ${model.name} on Spark (${config.offline.spark.master}) into ${outputTable}\n`);
  const r = await sparkTrainingSet(config, registry, model, { spine: opts.spine, atColumn: opts.atColumn, outputTable, out: opts.out });
  process.stdout.write(`wrote Hive table ${outputTable}: ${String(r.done.rows)} rows (${model.name}) in ${r.seconds.toFixed(1)} s with ${r.script}\n`);
  if (opts.out) process.stdout.write(`exported ${r.exported} rows to ${resolve(opts.out)}\n`);
}
