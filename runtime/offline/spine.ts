/**
 * Loading a training-set spine into DuckDB: a Parquet, CSV or Arrow IPC file with the
 * model's entity keys, a time column and any other (label) columns, which are carried
 * through to the output unchanged.
 *
 * Result: the table `spine_raw` (the file as read, in file order; `rowid` is the row's
 * position) and the table `spine` (`__row` = that position, `__t` TIMESTAMP in UTC with
 * millisecond precision, the key columns cast to the keys' types), which the training-set
 * SQL reads.
 *
 * The time column may be a TIMESTAMP (any precision; with a time zone it is converted to
 * UTC), a DATE (midnight UTC) or ISO-8601 text (`2024-01-02T03:04:05Z`, an offset or none
 * for UTC). Every row needs a valid time; a bad one is an error naming the row.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { tableFromIPC, type Table, Type } from 'apache-arrow';
import type { KeySpec } from '../contracts/group-runtime.js';
import { UserError } from '../errors.js';
import type { DuckDbSession } from './duckdb-session.js';

export interface SpineInfo {
  readonly rows: number;
  /** The spine's columns in file order (all carried to the output). */
  readonly columns: readonly string[];
  readonly minMs: number;
  readonly maxMs: number;
  readonly minDay: string;
  readonly maxDay: string;
}

const ident = (n: string) => `"${n.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

const KEY_TYPES: Record<string, string> = {
  string: 'VARCHAR', int: 'INTEGER', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};

export async function loadSpine(
  session: DuckDbSession, path: string, keys: readonly KeySpec[], atColumn: string, featureNames: readonly string[],
): Promise<SpineInfo> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`no spine file at ${path}`);
  const ext = extname(path).toLowerCase();
  try {
    // The file's own columns only: no columns guessed from folder names such as ds=... in the path.
    if (ext === '.parquet') await session.run(`CREATE OR REPLACE TABLE spine_raw AS SELECT * FROM read_parquet(${literal(path)}, hive_partitioning = false)`);
    else if (ext === '.csv' || ext === '.tsv') await session.run(`CREATE OR REPLACE TABLE spine_raw AS SELECT * FROM read_csv(${literal(path)}, header = true, hive_partitioning = false)`);
    else if (ext === '.arrow' || ext === '.arrows' || ext === '.ipc' || ext === '.feather') await loadArrow(session, path);
    else throw new UserError(`spine ${path}: unknown format ${ext || '(no extension)'}`, 'give a .parquet, .csv or .arrow (Arrow IPC) file');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read the spine ${path}: ${String((e as Error).message).split('\n')[0]}`);
  }
  const desc = await session.query('DESCRIBE spine_raw');
  const columns = desc.rows.map((r) => r[0] as string);
  const types = new Map(desc.rows.map((r) => [r[0] as string, String(r[1])]));
  const list = columns.join(', ');

  for (const reserved of ['__row', '__t']) {
    if (types.has(reserved)) throw new UserError(`spine ${path}: column \`${reserved}\` is reserved for Palette`, 'rename it');
  }
  const missingKeys = keys.filter((k) => !types.has(k.name));
  if (missingKeys.length > 0) {
    throw new UserError(`spine ${path} has no column ${missingKeys.map((k) => `\`${k.name}\``).join(', ')} (the model's key${keys.length > 1 ? 's are' : ' is'} ${keys.map((k) => k.name).join(', ')})`,
      `its columns: ${list}`);
  }
  if (!types.has(atColumn)) {
    const timeLike = columns.filter((c) => /TIMESTAMP|DATE/.test(types.get(c)!));
    throw new UserError(`spine ${path} has no time column \`${atColumn}\``,
      timeLike.length > 0 ? `pass --at-column ${timeLike[0]}` : `its columns: ${list}; pass --at-column NAME`);
  }
  const clash = featureNames.filter((f) => types.has(f));
  if (clash.length > 0) {
    throw new UserError(`spine ${path} already has column${clash.length > 1 ? 's' : ''} ${clash.map((c) => `\`${c}\``).join(', ')}, which the model outputs`, 'rename them in the spine');
  }

  // The time of each row, as UTC TIMESTAMP truncated to milliseconds.
  const atType = types.get(atColumn)!;
  const at = ident(atColumn);
  let time: string;
  if (/^TIMESTAMP/.test(atType)) time = `CAST(${at} AS TIMESTAMP)`;
  else if (atType === 'DATE') time = `CAST(${at} AS TIMESTAMP)`;
  else if (atType === 'VARCHAR') time = `CAST(TRY_CAST(trim(${at}) AS TIMESTAMPTZ) AS TIMESTAMP)`;
  else throw new UserError(`spine ${path}: time column \`${atColumn}\` is ${atType}`, 'it must be a timestamp, a date or ISO-8601 text such as 2024-01-02T03:04:05Z');
  const msTime = `epoch_ms(epoch_ms(${time}))`;
  const bad = await session.query(`SELECT rowid, CAST(${at} AS VARCHAR) FROM spine_raw WHERE ${msTime} IS NULL ORDER BY rowid LIMIT 3`);
  if (bad.rows.length > 0) {
    const n = Number(await session.scalar(`SELECT count(*) FROM spine_raw WHERE ${msTime} IS NULL`));
    const shown = bad.rows.map((r) => `row ${Number(r[0]) + 1}: ${r[1] === null ? 'null' : JSON.stringify(r[1])}`).join(', ');
    throw new UserError(`spine ${path}: ${n} row(s) without a valid time in \`${atColumn}\` (${shown})`, 'every row needs a time, e.g. 2024-01-02T03:04:05Z');
  }

  // Keys, cast to the keys' types; a value that does not convert is an error (a null key is allowed).
  const keyCols: string[] = [];
  for (const k of keys) {
    const type = k.type.kind === 'scalar' ? KEY_TYPES[k.type.name] : 'VARCHAR';
    const c = ident(k.name);
    const badKey = await session.query(`SELECT rowid, CAST(${c} AS VARCHAR) FROM spine_raw WHERE ${c} IS NOT NULL AND TRY_CAST(${c} AS ${type}) IS NULL ORDER BY rowid LIMIT 3`);
    if (badKey.rows.length > 0) {
      const shown = badKey.rows.map((r) => `row ${Number(r[0]) + 1}: ${JSON.stringify(r[1])}`).join(', ');
      throw new UserError(`spine ${path}: key \`${k.name}\` must be ${type.toLowerCase()} (${shown})`);
    }
    keyCols.push(`TRY_CAST(${c} AS ${type}) AS ${c}`);
  }
  await session.run(`CREATE OR REPLACE TABLE spine AS SELECT rowid AS __row, ${msTime} AS __t, ${keyCols.join(', ')} FROM spine_raw`);
  const stats = await session.query('SELECT count(*), epoch_ms(min(__t)), epoch_ms(max(__t)) FROM spine');
  const [rows, minMs, maxMs] = stats.rows[0] as number[];
  const day = (ms: number) => new Date(Math.floor(ms / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
  return {
    rows: Number(rows), columns, minMs: minMs ?? 0, maxMs: maxMs ?? 0,
    minDay: rows > 0 ? day(minMs) : '-', maxDay: rows > 0 ? day(maxMs) : '-',
  };
}

/** Arrow IPC (file or stream format) into spine_raw, with the column types mapped to DuckDB's. */
async function loadArrow(session: DuckDbSession, path: string): Promise<void> {
  let table: Table;
  try {
    table = tableFromIPC(readFileSync(path));
  } catch (e) {
    throw new UserError(`spine ${path} is not an Arrow IPC file: ${(e as Error).message.split('\n')[0]}`);
  }
  const fields = table.schema.fields;
  if (fields.length === 0) throw new UserError(`spine ${path} has no columns`);
  const cols = fields.map((f) => {
    const t = arrowToDuckdb(f.type.typeId, f.type);
    if (t === null) throw new UserError(`spine ${path}: column \`${f.name}\` has an unsupported Arrow type ${String(f.type)}`);
    return { name: f.name, type: t };
  });
  const ddl = (t: string) => (t.endsWith('_FROM_BIGINT') ? 'BIGINT' : t);
  await session.run(`CREATE OR REPLACE TABLE spine_arrow (${cols.map((c) => `${ident(c.name)} ${ddl(c.type)}`).join(', ')})`);
  const appender = await session.connection.createAppender('spine_arrow');
  const vectors = fields.map((_f, i) => table.getChildAt(i)!);
  const n = table.numRows;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < cols.length; c++) {
      const v = vectors[c].get(r);
      if (v === null || v === undefined) { appender.appendNull(); continue; }
      switch (cols[c].type) {
        case 'BOOLEAN': appender.appendBoolean(Boolean(v)); break;
        case 'BIGINT': appender.appendBigInt(BigInt(v)); break;
        case 'DOUBLE': appender.appendDouble(Number(v)); break;
        case 'VARCHAR': appender.appendVarchar(String(v)); break;
        // Times travel as epoch ms through a BIGINT column, converted below.
        default: appender.appendBigInt(BigInt(Math.trunc(v instanceof Date ? v.getTime() : Number(v))));
      }
    }
    appender.endRow();
  }
  appender.closeSync();
  // Columns appended as epoch ms (timestamps, dates) become TIMESTAMP / DATE; file order is kept.
  const select = cols.map((c) => (c.type === 'TIMESTAMP_MS_FROM_BIGINT' ? `epoch_ms(${ident(c.name)}) AS ${ident(c.name)}`
    : c.type === 'DATE_FROM_BIGINT' ? `CAST(epoch_ms(${ident(c.name)}) AS DATE) AS ${ident(c.name)}` : ident(c.name)));
  await session.run(`CREATE OR REPLACE TABLE spine_raw AS SELECT ${select.join(', ')} FROM spine_arrow ORDER BY rowid`);
  await session.run('DROP TABLE spine_arrow');
}

function arrowToDuckdb(typeId: Type, _type: unknown): string | null {
  switch (typeId) {
    case Type.Bool: return 'BOOLEAN';
    case Type.Int: return 'BIGINT';
    case Type.Float: return 'DOUBLE';
    case Type.Utf8: case Type.LargeUtf8: return 'VARCHAR';
    case Type.Timestamp: return 'TIMESTAMP_MS_FROM_BIGINT';
    case Type.Date: return 'DATE_FROM_BIGINT';
    default: return null;
  }
}
