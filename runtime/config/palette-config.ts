/**
 * palette.yaml: where a repository's definitions, build output and stores are. Every key
 * has a default for the embedded mode (DuckDB + Parquet offline, SQLite online, a local
 * event file as the stream); production switches engines by configuration only.
 * Unknown keys are errors (a typo must not silently fall back to a default).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../errors.js';

export interface PaletteConfig {
  /** Folder holding palette.yaml; relative paths below resolve against it. */
  readonly root: string;
  readonly configFile: string | null;
  readonly name: string;
  /** Folder of .pal files (searched recursively). */
  readonly definitions: string;
  /** Where `palette compile` writes artifacts. */
  readonly build: string;
  readonly offline: {
    readonly engine: 'duckdb' | 'spark';
    /** DuckDB: the folder of Parquet files (sources and Palette's tables). */
    readonly path: string;
    readonly spark: { readonly master: string; readonly conf: Readonly<Record<string, string>> };
    readonly hive: { readonly host: string; readonly port: number; readonly auth: 'none' | 'nosasl' };
  };
  readonly online: {
    readonly store: 'sqlite' | 'cassandra';
    readonly path: string;
    readonly cassandra: {
      readonly contactPoints: readonly string[];
      readonly localDataCenter: string;
      readonly keyspace: string;
      readonly replication: Readonly<Record<string, string | number>>;
      readonly consistency: string;
    };
  };
  readonly stream: {
    readonly kind: 'file' | 'kafka';
    /** File: a folder of JSON-lines event files, one per topic. */
    readonly path: string;
    readonly kafka: { readonly brokers: readonly string[]; readonly groupId: string; readonly deadLetterTopic: string };
  };
  /** The sidecar (`palette serve`); see sidecar/README.md. */
  readonly serving: {
    readonly host: string;
    readonly port: number;
    /** Per-request deadline for online-store reads, ms. */
    readonly deadlineMs: number;
    readonly maxEntities: number;
    readonly maxBodyBytes: number;
    /** A file holding the bearer token (PALETTE_SERVING_TOKEN overrides); null = no auth. */
    readonly tokenFile: string | null;
    /** Row cache: off when maxEntries is 0. */
    readonly cache: { readonly maxEntries: number; readonly ttlMs: number };
    /** On SIGTERM: how long to let in-flight requests finish, ms. */
    readonly drainTimeoutMs: number;
    /** Most feature requests answered at once; more get HTTP 503 at once. */
    readonly maxInFlight: number;
    /**
     * Where the sidecar's serving manifest comes from: `build` (the file `palette compile`
     * writes) or `store` (the newest one `palette apply` published into the online store).
     */
    readonly manifest: 'build' | 'store';
    /** With manifest `store`: how often to look for a newer publication, ms (0 = never). */
    readonly manifestRefreshMs: number;
    /** Also answer on this Unix domain socket (absolute path); null = TCP only. */
    readonly socket: string | null;
  };
}

type Spec = { [key: string]: Spec | 'string' | 'number' | 'string[]' | 'map' | readonly string[] };

const SPEC: Spec = {
  name: 'string',
  definitions: 'string',
  build: 'string',
  offline: {
    engine: ['duckdb', 'spark'],
    path: 'string',
    spark: { master: 'string', conf: 'map' },
    hive: { host: 'string', port: 'number', auth: ['none', 'nosasl'] },
  },
  online: {
    store: ['sqlite', 'cassandra'],
    path: 'string',
    cassandra: { contactPoints: 'string[]', localDataCenter: 'string', keyspace: 'string', replication: 'map', consistency: 'string' },
  },
  stream: {
    kind: ['file', 'kafka'],
    path: 'string',
    kafka: { brokers: 'string[]', groupId: 'string', deadLetterTopic: 'string' },
  },
  serving: {
    host: 'string', port: 'number', deadlineMs: 'number', maxEntities: 'number', maxBodyBytes: 'number', tokenFile: 'string',
    cache: { maxEntries: 'number', ttlMs: 'number' }, drainTimeoutMs: 'number', maxInFlight: 'number',
    manifest: ['build', 'store'], manifestRefreshMs: 'number', socket: 'string',
  },
};

export const CONFIG_FILE = 'palette.yaml';

function checkShape(value: unknown, spec: Spec, path: string, file: string): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file}: \`${path || '(top)'}\` must be a mapping`);
  for (const [k, v] of Object.entries(value)) {
    const s = spec[k];
    const at = path ? `${path}.${k}` : k;
    if (s === undefined) {
      const known = Object.keys(spec);
      throw new UserError(`${file}: unknown setting \`${at}\``, `settings here: ${known.join(', ')}`);
    }
    if (v === null) continue;
    if (Array.isArray(s)) {
      if (!s.includes(v as string)) throw new UserError(`${file}: \`${at}\` must be one of ${s.join(', ')}, not \`${String(v)}\``);
    } else if (s === 'string') {
      if (typeof v !== 'string') throw new UserError(`${file}: \`${at}\` must be a string`);
    } else if (s === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${file}: \`${at}\` must be a number`);
    } else if (s === 'string[]') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new UserError(`${file}: \`${at}\` must be a list of strings`);
    } else if (s === 'map') {
      if (typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${file}: \`${at}\` must be a mapping`);
    } else checkShape(v, s as Spec, at, file);
  }
}

/** Find palette.yaml in `dir` or its parents; null if there is none. */
export function findConfigFile(dir: string): string | null {
  let d = resolve(dir);
  for (;;) {
    const f = join(d, CONFIG_FILE);
    if (existsSync(f)) return f;
    const parent = dirname(d);
    if (parent === d) return null;
    d = parent;
  }
}

export function loadConfig(configFile: string | null, fallbackRoot = process.cwd()): PaletteConfig {
  let raw: any = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read ${configFile}: ${(e as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new UserError(`${configFile} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    checkShape(raw, SPEC, '', configFile);
  }
  const root = configFile ? dirname(resolve(configFile)) : resolve(fallbackRoot);
  const abs = (p: string) => (isAbsolute(p) ? p : join(root, p));
  const env = process.env;
  return {
    root,
    configFile: configFile ? resolve(configFile) : null,
    name: raw.name ?? 'palette',
    definitions: abs(raw.definitions ?? '.'),
    build: abs(raw.build ?? 'build'),
    offline: {
      engine: raw.offline?.engine ?? 'duckdb',
      path: abs(raw.offline?.path ?? 'data/offline'),
      spark: { master: raw.offline?.spark?.master ?? 'local[*]', conf: raw.offline?.spark?.conf ?? {} },
      hive: {
        host: raw.offline?.hive?.host ?? env.PALETTE_HIVE_HOST ?? '127.0.0.1',
        port: raw.offline?.hive?.port ?? Number(env.PALETTE_HIVE_PORT ?? 10000),
        auth: raw.offline?.hive?.auth ?? 'none',
      },
    },
    online: {
      store: raw.online?.store ?? 'sqlite',
      path: abs(raw.online?.path ?? 'data/online.db'),
      cassandra: {
        contactPoints: raw.online?.cassandra?.contactPoints ?? [`127.0.0.1:${env.PALETTE_CASSANDRA_PORT ?? 9042}`],
        localDataCenter: raw.online?.cassandra?.localDataCenter ?? 'datacenter1',
        keyspace: raw.online?.cassandra?.keyspace ?? 'palette',
        replication: raw.online?.cassandra?.replication ?? { class: 'SimpleStrategy', replication_factor: 1 },
        consistency: raw.online?.cassandra?.consistency ?? 'LOCAL_ONE',
      },
    },
    stream: {
      kind: raw.stream?.kind ?? 'file',
      path: abs(raw.stream?.path ?? 'data/events'),
      kafka: {
        brokers: raw.stream?.kafka?.brokers ?? [`127.0.0.1:${env.PALETTE_KAFKA_PORT ?? 19092}`],
        groupId: raw.stream?.kafka?.groupId ?? 'palette-materializer',
        deadLetterTopic: raw.stream?.kafka?.deadLetterTopic ?? 'palette.dead-letters',
      },
    },
    serving: {
      host: raw.serving?.host ?? '127.0.0.1',
      port: raw.serving?.port ?? 8700,
      deadlineMs: raw.serving?.deadlineMs ?? 100,
      maxEntities: raw.serving?.maxEntities ?? 1000,
      maxBodyBytes: raw.serving?.maxBodyBytes ?? 1_048_576,
      tokenFile: raw.serving?.tokenFile ? abs(raw.serving.tokenFile) : null,
      cache: { maxEntries: raw.serving?.cache?.maxEntries ?? 0, ttlMs: raw.serving?.cache?.ttlMs ?? 1000 },
      drainTimeoutMs: raw.serving?.drainTimeoutMs ?? 10_000,
      maxInFlight: raw.serving?.maxInFlight ?? 256,
      manifest: raw.serving?.manifest ?? 'build',
      manifestRefreshMs: raw.serving?.manifestRefreshMs ?? 30_000,
      socket: raw.serving?.socket ? abs(raw.serving.socket) : null,
    },
  };
}
