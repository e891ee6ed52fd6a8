/**
 * Online tile layout: Cassandra CPU and client CPU per write and per partition read, for
 * two layouts of the same tiles, side by side in one run.
 *
 *   npm run services -- up cassandra
 *   node --import tsx bench/online-layout-bench.ts [--keys 5000] [--writes 60000] [--reads 20000]
 *
 * rows: one row per (key, hop, tile start, writer) with one column per state field (8 here).
 * map:  one row per (key, hop, writer) with the tiles in a map<timestamp, blob> (one cell
 *       per tile, the state fields encoded in the blob).
 * Writes: one tile per request (USING TIMESTAMP, as the materializer writes), 64 in flight.
 * Reads: whole partitions of keys holding 24 hourly + 12 five-minute tiles, 16 in flight.
 * Figures: Cassandra CPU µs per operation (from /proc), client CPU µs per operation.
 * Results: bench/results/online-layout.json.
 */
import cassandra from 'cassandra-driver';
import { processCpuMs, selfCpuMs, servicePid } from './lib/process-cpu.js';
import { writeResults } from './lib/results.js';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? d : Number(process.argv[i + 1]); };
const KEYS = arg('keys', 5000);
const WRITES = arg('writes', 60_000);
const READS = arg('reads', 20_000);
const KS = 'palette_layout_bench';
const port = Number(process.env.PALETTE_CASSANDRA_PORT ?? 9042);

function cassandraCpuMs(): number {
  const ms = processCpuMs(servicePid('cassandra'));
  if (ms === null) throw new Error('no local Cassandra (npm run services -- up cassandra)');
  return ms;
}

async function run(n: number, concurrency: number, op: (i: number) => Promise<unknown>) {
  const c0 = cassandraCpuMs();
  const s0 = selfCpuMs();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < n) await op(next++); }));
  const wall = performance.now() - t0;
  return {
    opsPerSecond: Math.round(n / (wall / 1000)),
    cassandraCpuUsPerOp: Math.round(((cassandraCpuMs() - c0) * 1000) / n),
    clientCpuUsPerOp: Math.round(((selfCpuMs() - s0) * 1000) / n),
  };
}

const HOUR = 3_600_000;
const FIVE = 300_000;
const base = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
const Long = cassandra.types.Long;

function blob(seed: number): Buffer {
  const b = Buffer.allocUnsafe(8 * 8);
  for (let i = 0; i < 8; i++) b.writeDoubleLE(seed * (i + 1), i * 8);
  return b;
}

async function main(): Promise<void> {
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1',
    queryOptions: { prepare: true, consistency: cassandra.types.consistencies.localOne },
    encoding: { map: Map },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
  });
  await client.connect();
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`DROP TABLE IF EXISTS ${KS}.rows_layout`);
  await client.execute(`DROP TABLE IF EXISTS ${KS}.map_layout`);
  await client.execute(`CREATE TABLE ${KS}.rows_layout (k text, hop_ms bigint, tile_start timestamp, stream_partition int,
    c1 bigint, c2 double, c3 double, c4 bigint, c5 double, c6 double, c7 bigint, c8 double, stream_offset bigint, updated_at timestamp,
    PRIMARY KEY (k, hop_ms, tile_start, stream_partition)) WITH CLUSTERING ORDER BY (hop_ms ASC, tile_start DESC, stream_partition ASC)`);
  await client.execute(`CREATE TABLE ${KS}.map_layout (k text, hop_ms bigint, stream_partition int, tiles map<timestamp, blob>,
    stream_offset bigint, updated_at timestamp, PRIMARY KEY (k, hop_ms, stream_partition))`);
  const insRow = `INSERT INTO ${KS}.rows_layout (k, hop_ms, tile_start, stream_partition, c1, c2, c3, c4, c5, c6, c7, c8, stream_offset, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;
  const updMap = `UPDATE ${KS}.map_layout USING TIMESTAMP ? SET tiles = tiles + ?, stream_offset = ?, updated_at = ? WHERE k = ? AND hop_ms = ? AND stream_partition = ?`;
  const key = (i: number) => `k${i % KEYS}`;
  // Op i writes key i % KEYS, tile (i / KEYS) % 36: the fill (36 x KEYS ops) gives every key all 36 tiles.
  const tileOf = (i: number) => {
    const t = Math.floor(i / KEYS) % 36;
    return t < 24 ? { hop: HOUR, start: base + t * HOUR } : { hop: FIVE, start: base + 23 * HOUR + (t - 24) * FIVE };
  };
  const rowParams = (i: number) => {
    const { hop, start } = tileOf(i);
    return [key(i), Long.fromNumber(hop), new Date(start), 0, Long.fromNumber(i), i * 1.5, i * 2.5, Long.fromNumber(i), i * 0.5, i * 3.5, Long.fromNumber(7), i * 0.25, Long.fromNumber(i), new Date(), Long.fromNumber(i + 1)];
  };
  const mapParamsM = (i: number) => {
    const { hop, start } = tileOf(i);
    return [Long.fromNumber(i + 1), new Map([[new Date(start), blob(i)]]), Long.fromNumber(i), new Date(), key(i), Long.fromNumber(hop), 0];
  };

  const results: Record<string, unknown> = {};
  // Fill: every key gets all 36 tiles in both layouts (not measured), then measured writes.
  const fill = KEYS * 36;
  await run(fill, 64, (i) => client.execute(insRow, rowParams(i), { prepare: true }));
  await run(fill, 64, (i) => client.execute(updMap, mapParamsM(i), { prepare: true }));
  for (const round of [1, 2]) {
    results[`write_rows_${round}`] = await run(WRITES, 64, (i) => client.execute(insRow, rowParams(i + fill), { prepare: true }));
    results[`write_map_${round}`] = await run(WRITES, 64, (i) => client.execute(updMap, mapParamsM(i + fill), { prepare: true }));
    // Unlogged batches of 10 rows of 10 different partitions (one node owns them all here;
    // on a cluster, rows would be grouped by replica set): one request per 10 rows.
    const b = 10;
    const batched = await run(WRITES / b, 16, (j) => client.batch(
      Array.from({ length: b }, (_, k) => ({ query: insRow, params: rowParams(fill + j * b + k) })), { prepare: true, logged: false }));
    results[`write_rows_batch${b}_${round}`] = { ...batched, opsPerSecond: batched.opsPerSecond * b, cassandraCpuUsPerOp: batched.cassandraCpuUsPerOp / b, clientCpuUsPerOp: batched.clientCpuUsPerOp / b };
  }
  await client.execute(`SELECT * FROM ${KS}.rows_layout LIMIT 1`);
  let rowsSeen = 0;
  let cellsSeen = 0;
  const rnd = (i: number) => `k${(Math.imul(i, 2654435761) >>> 0) % KEYS}`;
  for (const round of [1, 2]) {
    results[`read_rows_${round}`] = await run(READS, 16, async (i) => {
      const rs = await client.execute(`SELECT * FROM ${KS}.rows_layout WHERE k = ?`, [rnd(i)], { prepare: true });
      rowsSeen = rs.rows.length;
      for (const r of rs.rows) void r.get('c1');
    });
    results[`read_map_${round}`] = await run(READS, 16, async (i) => {
      const rs = await client.execute(`SELECT * FROM ${KS}.map_layout WHERE k = ?`, [rnd(i)], { prepare: true });
      cellsSeen = 0;
      for (const r of rs.rows) cellsSeen += (r.get('tiles') as Map<unknown, unknown> | null)?.size ?? 0;
    });
  }
  results.rowsPerPartitionRowsLayout = rowsSeen;
  results.tilesPerPartitionMapLayout = cellsSeen;
  console.log(JSON.stringify(results, null, 1));
  writeResults('online-layout', `node --import tsx bench/online-layout-bench.ts --keys ${KEYS} --writes ${WRITES} --reads ${READS}`, results);
  await client.shutdown();
}

await main();
