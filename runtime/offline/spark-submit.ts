/**
 * Runs a generated Spark job (compiler/targets/spark-jobs-target.ts) with spark-submit and
 * turns what it prints into progress and errors.
 *
 * Contract with the job: stdout lines `PALETTE {json}` are events (note, step, stage, day,
 * done, error); everything else (Spark's log on stderr) is kept only as a bounded tail, so
 * that a crash can be explained without printing a wall of log. Exit 0 with a `done` event
 * is success; an `error` event is a clear failure (bad input or the Spark error's first
 * lines); any other exit is a crash, reported with the exception lines found in the tail.
 */
import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';

export interface SparkSubmitOptions {
  /** Path of bin/spark-submit. */
  readonly sparkSubmit: string;
  /** --master (palette.yaml offline.spark.master; `local[*]` by default). */
  readonly master: string;
  /** --conf key=value pairs: the shared metastore and warehouse, then palette.yaml's. */
  readonly conf: Readonly<Record<string, string>>;
  /** Extra environment (SPARK_HOME, PYSPARK_PYTHON, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /** --driver-class-path (e.g. the metastore's JDBC driver). */
  readonly driverClassPath?: string;
  readonly driverMemory?: string;
}

export type SparkJobEvent =
  | { readonly event: 'note'; readonly message: string }
  | { readonly event: 'step'; readonly name: string; readonly description: string }
  | { readonly event: 'stage'; readonly id: number; readonly name: string; readonly done: number; readonly tasks: number }
  | { readonly event: 'day'; readonly day: string; readonly done: number; readonly total: number; readonly rows: Readonly<Record<string, number>> }
  | { readonly event: 'done'; readonly [key: string]: unknown }
  | { readonly event: 'error'; readonly kind: 'input' | 'spark'; readonly message: string };

/** A job that failed: `kind` input (bad data or tables, exit 1 for the user) or spark. */
export class SparkJobError extends UserError {
  constructor(readonly kind: 'input' | 'spark' | 'crash', message: string, hint?: string) {
    super(message, hint);
    this.name = 'SparkJobError';
  }
}

/** The spark-submit command line for a job (before the job's own arguments). */
export function sparkSubmitCommand(options: SparkSubmitOptions, script: string, args: readonly string[]): string[] {
  const cmd = [options.sparkSubmit, '--master', options.master];
  if (options.driverMemory) cmd.push('--driver-memory', options.driverMemory);
  if (options.driverClassPath) cmd.push('--driver-class-path', options.driverClassPath);
  for (const [k, v] of Object.entries(options.conf)) cmd.push('--conf', `${k}=${v}`);
  cmd.push(script, ...args);
  return cmd;
}

const TAIL_LINES = 400;

/** The lines of a Spark log that say what went wrong (exceptions and their messages). */
export function extractSparkError(log: readonly string[]): string {
  const interesting = log.filter((l) => /(Exception|Error)(:|\b)|^\s*\[[A-Z_]+(\.[A-Z_]+)*\]/.test(l) && !/^\s+at /.test(l));
  const lines = (interesting.length > 0 ? interesting : log.slice(-10)).map((l) => l.trimEnd());
  return [...new Set(lines)].slice(0, 8).join('\n');
}

export interface SparkJobResult {
  readonly done: Readonly<Record<string, unknown>>;
  readonly seconds: number;
}

/**
 * Runs `script args...` with spark-submit; `onEvent` sees every event as it arrives.
 * Resolves with the `done` event; rejects with a SparkJobError.
 */
export function runSparkJob(
  options: SparkSubmitOptions, script: string, args: readonly string[], onEvent: (e: SparkJobEvent) => void = () => {},
): Promise<SparkJobResult> {
  const started = Date.now();
  const [cmd, ...rest] = sparkSubmitCommand(options, script, args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    let done: Record<string, unknown> | null = null;
    let error: { kind: 'input' | 'spark'; message: string } | null = null;
    const lineReader = (onLine: (l: string) => void) => {
      let buf = '';
      return (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      };
    };
    child.stdout.on('data', lineReader((line) => {
      if (!line.startsWith('PALETTE ')) return keep(line);
      let e: SparkJobEvent;
      try {
        e = JSON.parse(line.slice('PALETTE '.length)) as SparkJobEvent;
      } catch {
        return keep(line);
      }
      if (e.event === 'done') done = e as Record<string, unknown>;
      if (e.event === 'error') error = { kind: e.kind, message: e.message };
      onEvent(e);
    }));
    child.stderr.on('data', lineReader(keep));
    child.on('error', (err) => reject(new SparkJobError('crash', `cannot run ${cmd}: ${err.message}`, 'set SPARK_HOME or install Spark (npm run services -- install)')));
    child.on('close', (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      if (code === 0 && done) return resolvePromise({ done, seconds });
      const failed = error as { kind: 'input' | 'spark'; message: string } | null;
      if (failed) return reject(new SparkJobError(failed.kind, failed.message));
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new SparkJobError('crash', `the Spark job ${how}:\n${extractSparkError(tail)}`, `command: ${[cmd, ...rest].join(' ')}`));
    });
  });
}
