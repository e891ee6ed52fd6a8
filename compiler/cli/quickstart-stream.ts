/**
 * The online half of `palette quickstart` (embedded default): after the backfill, upload the
 * batch tiles of every day but the last (and the latest snapshot values), then stream the
 * last day's trips through the materializer from the local event file into the SQLite
 * online store, and show that the online values of a driver at the end of that day equal
 * the offline daily state the backfill computed for it.
 *
 * Idempotent: a rerun rewrites the event file and replays it; the rows already hold those
 * events (same offsets), so nothing is counted twice.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import pino from 'pino';
import type { PaletteConfig } from '../../runtime/config/palette-config.js';
import type { Value } from '../../runtime/contracts/types.js';
import { Materializer } from '../../runtime/materializer/materializer.js';
import { GroupEvaluator } from '../../runtime/serving/group-evaluator.js';
import { SqliteStore } from '../../runtime/stores/sqlite-store.js';
import { FileSource, eventFilePath } from '../../runtime/stream/file-source.js';
import { DuckDbParquetReader } from '../../runtime/upload/offline-reader.js';
import { uploadGroup } from '../../runtime/upload/upload.js';
import type { Registry } from '../ir/ir.js';
import { materializerPlan } from '../targets/materializer-plan-target.js';
import { runtimeGroup } from '../targets/runtime-group.js';

const DAY_MS = 86_400_000;
const GROUP_ID = 'quickstart';

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Upload days [from, lastDay - 1], stream lastDay, print a comparison for `driver`.
 * `out` prints one line.
 */
export async function quickstartOnline(config: PaletteConfig, registry: Registry, from: string, lastDay: string, driver: string, out: (s?: string) => void): Promise<void> {
  if (config.online.store !== 'sqlite' || config.stream.kind !== 'file') {
    out('   (skipped: the quickstart streams into the embedded online store; this palette.yaml names another)');
    return;
  }
  const store = new SqliteStore({ path: config.online.path });
  const reader = await DuckDbParquetReader.open(config.offline.path);
  try {
    // 1. Batch tiles of every complete day before the streamed one; the latest snapshot.
    let t = Date.now();
    const uploadTo = dayBefore(lastDay);
    let rows = 0;
    for (const g of registry.groups) {
      const group = runtimeGroup(registry, g);
      // Only the days some window can still read at the end of lastDay (all for lifetime windows).
      let first = from;
      if (g.kind === 'windowed' && g.aggregations.every((a) => a.window.kind === 'sliding')) {
        const reach = Math.max(...g.aggregations.map((a) => (a.window.kind === 'sliding' ? a.window.sizeMs + a.window.hopMs : 0)));
        const day = new Date(Date.parse(`${lastDay}T00:00:00Z`) + DAY_MS - reach).toISOString().slice(0, 10);
        if (day > first) first = day;
      }
      const r = await uploadGroup({
        group, reader, store, from: first, to: g.kind === 'windowed' ? uploadTo : lastDay, restart: true,
        checkpointPath: join(config.build, 'upload-state', `${group.layout.online.table}.json`),
      });
      rows += r.rows;
    }
    out(`   uploaded ${rows.toLocaleString('en-US')} rows to ${relative(process.cwd(), config.online.path)} (batch tiles of the days the windows reach, up to ${uploadTo}; the latest driver profiles): ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // 2. The last day's events as the embedded stream: one JSON object per line, in time order.
    t = Date.now();
    const plan = materializerPlan(registry);
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    const conn = await instance.connect();
    const files: string[] = [];
    try {
      for (const src of plan.sources) {
        const s = registry.sources.find((x) => x.name === src.name)!;
        // Source tables live at <offline.path>/<db>/<table>/<partition>=<day>/ (runtime/offline/parquet-store.ts).
        const [db, table] = s.table!.name.split('.');
        const dir = join(config.offline.path, db, table, `${s.table!.partition}=${lastDay}`);
        const cols = src.fields.map((f) => (f.type.kind === 'scalar' && f.type.name === 'timestamp' ? `epoch_ms("${f.name}") AS "${f.name}"` : `"${f.name}"`));
        const reader2 = await conn.runAndReadAll(`SELECT ${cols.join(', ')} FROM read_parquet(${lit(join(dir, '*.parquet'))}) ORDER BY "${src.timestampField}"`);
        const names = reader2.columnNames();
        const lines = reader2.getRowsJS().map((r) => JSON.stringify(Object.fromEntries(r.map((v, i) => [names[i], typeof v === 'bigint' ? Number(v) : v]))));
        const file = eventFilePath(config.stream.path, src.stream.topic);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${lines.join('\n')}\n`);
        rmSync(join(config.stream.path, '.offsets', GROUP_ID), { recursive: true, force: true });
        files.push(`${relative(process.cwd(), file)} (${lines.length.toLocaleString('en-US')} events)`);
      }
    } finally {
      conn.closeSync();
      instance.closeSync();
    }

    // 3. The materializer over that file, until it has read everything.
    const m = new Materializer({
      plan, store, logger: pino({ level: 'warn' }, pino.destination(2)), untilIdleMs: 300, flushIntervalMs: 200,
      source: new FileSource({ dir: config.stream.path, topics: plan.sources.map((s) => s.stream.topic), groupId: GROUP_ID, pollMs: 20 }),
    });
    const s = await m.run();
    out(`   streamed ${lastDay}: ${files.join(', ')} → ${s.rowsWritten.toLocaleString('en-US')} tile rows in ${relative(process.cwd(), config.online.path)}; ${s.deadLetters} dead letters, ${s.late} late: ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // 4. Online (batch tiles + streamed tiles, merged as the sidecar does) against offline.
    const at = Date.parse(`${lastDay}T00:00:00Z`) + DAY_MS;
    const g = registry.groups.find((x) => x.name === 'rides.driver_trip_stats');
    if (!g) return;
    const group = runtimeGroup(registry, g);
    const online = new GroupEvaluator(group).fromTiles(await store.readTiles(group, [driver], null), at).values;
    const daily = g.layout.offline.daily;
    let offline: Record<string, Value> = {};
    for await (const chunk of reader.readPartition(daily, lastDay, `"${daily.columns[0].name}" = ${lit(driver)}`)) {
      for (const r of chunk) offline = Object.fromEntries(daily.columns.map((c, i) => [c.name, r[i]]));
    }
    const show = (v: Value | undefined) => (v === null || v === undefined ? 'null' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v));
    out('');
    out(`Online values of driver ${driver} (rides.driver_trip_stats) at ${new Date(at).toISOString().slice(0, 16)}Z, next to the offline daily state of ${lastDay}:`);
    out(`  ${'feature'.padEnd(18)} ${'online'.padStart(10)} ${'offline'.padStart(10)}`);
    for (const f of group.features) out(`  ${f.name.padEnd(18)} ${show(online[f.name]).padStart(10)} ${show(offline[f.name]).padStart(10)}`);
  } finally {
    await reader.close();
    await store.close();
  }
}
