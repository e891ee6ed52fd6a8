/**
 * SQL through HiveServer2 (the Spark Thrift Server) with hive-driver: connect, execute,
 * fetch every row, close. Used by `palette apply` (DDL) and every read of the offline store
 * outside Spark jobs (training-set export, catalog statistics, verification).
 *
 * Value representation of fetched rows: BIGINT as an exact value (a number when it is a
 * safe integer, otherwise a bigint: hive-driver's own conversion, Int64.toNumber(), loses
 * precision above 2^53, so rows are decoded here from the raw column sets); TIMESTAMP as
 * epoch ms (the session time zone is set to UTC on connect); DATE as 'YYYY-MM-DD'; arrays,
 * maps and structs parsed from the JSON text the server sends; everything else as sent.
 *
 * Authentication: `none` is SASL PLAIN (PlainTcpAuthentication), what HiveServer2 means by
 * hive.server2.authentication=NONE; `nosasl` is the raw binary transport. A mismatch with the
 * server hangs or fails to open a session, so connecting has a timeout and says so.
 * A dropped connection is reopened once per statement (hive-driver does not reconnect).
 */
import { createRequire } from 'node:module';
import { UserError } from '../errors.js';

export interface HiveClientOptions {
  readonly host: string;
  readonly port: number;
  readonly auth: 'none' | 'nosasl';
  readonly username?: string;
  readonly password?: string;
  /** Connect and open-session timeout, ms (default 15 s). */
  readonly connectTimeoutMs?: number;
}

export type HiveValue = string | number | bigint | boolean | null | HiveValue[] | { [k: string]: HiveValue };

export interface HiveResult {
  readonly columns: readonly string[];
  /** Type names as the server reports them (BIGINT_TYPE → 'BIGINT'). */
  readonly types: readonly string[];
  readonly rows: readonly HiveValue[][];
}

/** A statement that HiveServer2 rejected; the message is the server's, shortened. */
export class HiveQueryError extends UserError {
  constructor(readonly sql: string, message: string) {
    super(message);
    this.name = 'HiveQueryError';
  }
}

// hive-driver is CommonJS without ESM types; loaded lazily so commands that never touch
// Hive do not pay for it.
type Hive = typeof import('hive-driver');
let hiveModule: Hive | null = null;
function hive(): Hive {
  if (!hiveModule) hiveModule = createRequire(import.meta.url)('hive-driver') as Hive;
  return hiveModule;
}

interface Int64Like { buffer: Buffer; offset: number }

/** The first lines of a server error, without the Java stack. */
export function shortHiveError(err: unknown): string {
  // OperationStateError carries the server's message in response.errorMessage; StatusError in response.status.
  const e = err as { message?: string; response?: { errorMessage?: string | null; status?: { errorMessage?: string | null } } };
  const text = e.response?.errorMessage ?? e.response?.status?.errorMessage ?? e.message ?? String(err);
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l && !/^\s+at /.test(l) && !/^\s*\.\.\. \d+ more/.test(l));
  // Spark wraps the useful part: "Error running query: [TABLE_OR_VIEW_NOT_FOUND] ..."
  return lines.slice(0, 3).join('\n')
    .replace(/^org\.apache\.hive\.service\.cli\.HiveSQLException: Error running query: /, '')
    .replace(/^(\[[A-Z_.]+\]) org\.apache\.spark\.sql\.AnalysisException: \1 /, '$1 ');
}

export class HiveClient {
  private client: any = null;
  private session: any = null;

  constructor(readonly options: HiveClientOptions) {}

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  async connect(): Promise<void> {
    if (this.session) return;
    const h = hive();
    const { TCLIService, TCLIService_types } = h.thrift;
    const timeout = this.options.connectTimeoutMs ?? 15_000;
    const client = new h.HiveClient(TCLIService, TCLIService_types);
    const auth = this.options.auth === 'nosasl'
      ? new h.auth.NoSaslAuthentication()
      : new h.auth.PlainTcpAuthentication({ username: this.options.username ?? 'anonymous', password: this.options.password ?? 'anonymous' });
    const attempt = (async () => {
      client.on?.('error', () => { /* reported through the failing call */ });
      await client.connect({ host: this.options.host, port: this.options.port }, new h.connections.TcpConnection(), auth);
      return client.openSession({ client_protocol: TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 });
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no session after ${timeout} ms`)), timeout);
    });
    try {
      this.session = await Promise.race([attempt, timedOut]);
      this.client = client;
    } catch (err) {
      attempt.catch(() => {});
      try { await client.close(); } catch { /* already broken */ }
      throw new UserError(`cannot connect to HiveServer2 at ${this.address} (auth ${this.options.auth}): ${shortHiveError(err)}`,
        'is it running (npm run services -- up spark)? offline.hive in palette.yaml sets host, port and auth (none = SASL PLAIN, nosasl)');
    } finally {
      clearTimeout(timer);
    }
    await this.run('SET spark.sql.session.timeZone=UTC');
  }

  /** Runs a statement and returns every row (an empty result for DDL). */
  async query(sql: string): Promise<HiveResult> {
    await this.connect();
    try {
      return await this.execute(sql);
    } catch (err) {
      if (err instanceof HiveQueryError || !isConnectionError(err)) throw err;
      // The connection dropped (server restart, idle timeout): reconnect once and retry.
      await this.close();
      await this.connect();
      return this.execute(sql);
    }
  }

  /** Runs a statement and ignores its rows. */
  async run(sql: string): Promise<void> {
    await this.query(sql);
  }

  private async execute(sql: string): Promise<HiveResult> {
    const h = hive();
    const utils = new h.HiveUtils(h.thrift.TCLIService_types);
    let op: any;
    try {
      op = await this.session.executeStatement(sql, { runAsync: true });
      await utils.waitUntilReady(op, false, () => {});
      op.setMaxRows?.(10_000);
      await utils.fetchAll(op);
    } catch (err) {
      if (op) await op.close().catch(() => {});
      if (isConnectionError(err)) throw err;
      throw new HiveQueryError(sql, shortHiveError(err));
    }
    try {
      return decode(op.getSchema(), op.getData(), h.thrift.TCLIService_types);
    } finally {
      await op.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    const client = this.client;
    this.session = null;
    this.client = null;
    try { await session?.close(); } catch { /* connection already gone */ }
    try { await client?.close(); } catch { /* connection already gone */ }
  }
}

function isConnectionError(err: unknown): boolean {
  const m = String((err as Error)?.message ?? err);
  return /ECONNRESET|EPIPE|ECONNREFUSED|socket|connection (lost|closed)|write after end/i.test(m);
}

const COLUMN_KINDS = ['boolVal', 'byteVal', 'i16Val', 'i32Val', 'i64Val', 'doubleVal', 'stringVal', 'binaryVal'] as const;

/** Decodes hive-driver's raw row sets (columnar) into rows, BIGINT exactly. */
function decode(schema: any, data: any[], types: any): HiveResult {
  const descriptors = [...(schema?.columns ?? [])].sort((a, b) => a.position - b.position);
  const typeName = (id: number) => (Object.entries(types.TTypeId).find(([, v]) => v === id)?.[0] ?? String(id)).replace(/_TYPE$/, '');
  // The Spark Thrift Server reports complex columns without their element types (ARRAY, MAP, STRUCT).
  const colTypes = descriptors.map((d) => typeName(d.typeDesc.types[0]?.primitiveEntry?.type));
  const rows: HiveValue[][] = [];
  for (const rowSet of data ?? []) {
    const cols = rowSet.columns ?? [];
    const values = descriptors.map((_, i) => {
      const col = cols[i] ?? {};
      const kind = COLUMN_KINDS.find((k) => col[k]);
      return kind ? col[kind] : { values: [], nulls: Buffer.alloc(0) };
    });
    const n = values.reduce((m, v) => Math.max(m, v.values.length), 0);
    for (let r = 0; r < n; r++) {
      rows.push(values.map((v, c) => {
        const nulls: Buffer = v.nulls ?? Buffer.alloc(0);
        if (nulls.length > r >> 3 && (nulls[r >> 3] & (1 << (r & 7))) !== 0) return null;
        return convert(colTypes[c], v.values[r]);
      }));
    }
  }
  return { columns: descriptors.map((d) => String(d.columnName).split('.').pop() ?? ''), types: colTypes, rows };
}

function convert(type: string, value: unknown): HiveValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'BIGINT': {
      const v = value as Int64Like;
      return exactInteger(v.buffer.readBigInt64BE(v.offset));
    }
    case 'TIMESTAMP':
      return timestampMs(String(value));
    case 'DATE':
      return String(value);
    case 'ARRAY':
      return parseArray(String(value));
    case 'MAP':
    case 'STRUCT':
      try {
        return JSON.parse(String(value)) as HiveValue;
      } catch {
        return String(value);
      }
    default:
      return value as HiveValue;
  }
}

/**
 * An array as the Spark Thrift Server sends it (text, element type unknown): JSON for
 * strings and numbers, integers re-read from the digits so they stay exact; arrays of
 * timestamps (and dates) are not JSON (`[2024-01-01 00:00:01.5,null]`): timestamps become
 * epoch ms like top-level ones, dates stay 'YYYY-MM-DD'.
 */
export function parseArray(text: string): HiveValue {
  if (/^\[(?:(?:-?\d+|null)(?:,(?:-?\d+|null))*)?\]$/.test(text)) {
    return (text.match(/-?\d+|null/g) ?? []).map((x) => (x === 'null' ? null : exactInteger(BigInt(x))));
  }
  try {
    return JSON.parse(text) as HiveValue;
  } catch {
    return parseHiveArray(text);
  }
}

/**
 * Hive's text form of an array, which is JSON-like but does not escape strings: elements
 * split at top-level commas; a string runs from `"` to the next `",` or the final `"]`
 * (so a string element that itself contains `",` cannot be told apart: such arrays are
 * read wrongly, a limit of the text protocol).
 */
function parseHiveArray(text: string): HiveValue {
  const out: HiveValue[] = [];
  let i = 1;
  const end = text.length - 1;
  while (i < end) {
    if (text[i] === '"') {
      let close = text.indexOf('",', i + 1);
      if (close < 0 || close > end - 1) close = end - 1;
      out.push(text.slice(i + 1, close));
      i = close + 2;
      continue;
    }
    let next = text.indexOf(',', i);
    if (next < 0 || next > end) next = end;
    const x = text.slice(i, next);
    if (x === 'null') out.push(null);
    else if (x === 'true' || x === 'false') out.push(x === 'true');
    else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(x)) out.push(timestampMs(x));
    else if (/^-?\d+$/.test(x)) out.push(exactInteger(BigInt(x)));
    else if (x !== '' && !Number.isNaN(Number(x))) out.push(Number(x));
    else out.push(x);
    i = next + 1;
  }
  return out;
}

function exactInteger(big: bigint): number | bigint {
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** '2024-01-02 03:04:05.678' (UTC, any fraction) → epoch ms. */
export function timestampMs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (!m) throw new Error(`palette: HiveServer2 sent a timestamp Palette cannot read: ${text}`);
  const ms = Number((m[3] ?? '').padEnd(3, '0').slice(0, 3));
  return Date.parse(`${m[1]}T${m[2]}Z`) + ms;
}
