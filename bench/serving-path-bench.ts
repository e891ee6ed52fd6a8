/**
 * The sidecar's read path in one process, without HTTP: CPU and heap allocation per request
 * of FeatureService (store reads through cassandra-driver, tile decoding, merge, features,
 * the answer's JSON), one request at a time; and, in passes alternating with those, the same
 * three partition reads through a bare cassandra-driver client with the store's settings
 * (prepared, token-aware, LOCAL_ONE, one connection, maps as ES Maps), so that the difference
 * is Palette's own share of a request. Where bench/sidecar-bench.ts measures latency
 * under load, this measures the work a request costs, which is what the sidecar's tail at a
 * given rate grows with (CPU shared with its clients, and young-generation GCs: every
 * scavenge stops the requests in flight, and their number grows with bytes allocated).
 *
 *   node --import tsx bench/sidecar-bench.ts --rates 500 --seconds 5 --batch-rates none   (once: loads the data)
 *   node --import tsx bench/serving-path-bench.ts [--requests 5000] [--top 15] [--no-allocation]
 *
 * --no-allocation skips the allocation pass (its sampling costs CPU of its own), for a CPU
 * profile of the read path alone:
 *   node --import tsx --cpu-prof --cpu-prof-dir=DIR bench/serving-path-bench.ts --no-allocation
 *   node --import tsx bench/cpu-profile-summary.ts DIR/*.cpuprofile --requests 8000
 * (8,000 = the 3,000 warm-up and 5,000 timed requests through the service; the raw reads'
 * share shows under cassandra-driver).
 *
 * A third timing runs the same requests with the driver's answers replayed from memory (each
 * partition read once): Palette's work alone (request check, the store's row loop, decoding,
 * merge, features, JSON), free of the driver's share and of the network's noise.
 *
 * And the answer's JSON alone: responseJson (what the sidecar writes) against JSON.stringify on
 * the same answers, for one entity and for a batch of 100 (µs per answer, best of 3).
 *
 * Data and model: those of bench/sidecar-bench.ts (keyspace palette_bench, model bench.m20:
 * 20 features from 3 groups, 3 partition reads per request). Allocation is measured with V8's
 * sampling heap profiler including objects the young and old generation collectors freed
 * (every 512 bytes on average), in a separate pass from the CPU timing.
 *
 * Writes bench/results/serving-path.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../runtime/config/palette-config.js';
import type { ServingManifest } from '../runtime/contracts/manifest.js';
import { responseJson } from '../sidecar/response-json.js';
import { openFeatureService } from '../sidecar/sidecar-setup.js';
import { rawCassandraClient, rawReadStatements } from './lib/raw-cassandra.js';
import { percentile, writeResults } from './lib/results.js';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const REQUESTS = Number(arg('--requests', '5000'));
const TOP = Number(arg('--top', '15'));
const ALLOCATION = !process.argv.includes('--no-allocation');
const work = join(tmpdir(), 'palette-sidecar-bench');

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

async function main(): Promise<void> {
  const nowFile = join(work, 'now.json');
  if (!existsSync(nowFile)) throw new Error(`no bench data in ${work}: run bench/sidecar-bench.ts once first (it writes the rows and the serving manifest)`);
  const { now, entities } = JSON.parse(readFileSync(nowFile, 'utf8')) as { now: number; entities: number };
  const service = openFeatureService(loadConfig(join(work, 'palette.yaml')), { deadlineMs: 5000 });
  const driverId = (i: number) => `d${String(i % entities).padStart(6, '0')}`;
  // Spread over the key space (a stride prime to the entity count), as random keys are.
  const body = (i: number) => ({ model: 'bench.m20', entities: [{ driver_id: driverId(i * 7919) }], at: now });
  const one = async (i: number) => {
    const res = await service.handle(body(i));
    if (res.results[0].statuses['trip_stats.trips_7d'] !== 'ok') throw new Error(`request ${i}: ${JSON.stringify(res.results[0].groups)}`);
    return responseJson(res).length; // the answer's JSON, as the sidecar writes it
  };
  // The same partitions through the driver alone (as bench/sidecar-bench.ts's raw client).
  const manifest = JSON.parse(readFileSync(join(work, 'build', 'serving-manifest.json'), 'utf8')) as ServingManifest;
  const config = loadConfig(join(work, 'palette.yaml'));
  const cas = config.online.cassandra;
  const raw = rawCassandraClient(cas.contactPoints[0], cas.localDataCenter);
  const reads = rawReadStatements(manifest.groups, cas.keyspace);
  const rawOne = async (i: number) => {
    const rss = await Promise.all(reads.map((q) => raw.execute(q, [driverId(i * 7919)], { prepare: true })));
    if (rss[0].rowLength === 0) throw new Error(`raw read ${i}: no rows`);
  };
  try {
    let bytes = 0;
    for (let i = 0; i < 3000; i++) bytes = await one(i); // warm-up: JIT, connection, prepared statements
    for (let i = 0; i < 3000; i++) await rawOne(i);

    // CPU per request, five passes of REQUESTS / 5 each, the service's and the raw reads' in turn.
    const pass = Math.max(1, Math.floor(REQUESTS / 5));
    const cpuUs: number[] = [];
    const wallUs: number[] = [];
    const rawCpuUs: number[] = [];
    const timed = async (fn: (i: number) => Promise<unknown>, from: number, cpu: number[], wall: number[] | null) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < pass; i++) await fn(from + i);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / pass);
      wall?.push(((performance.now() - t0) * 1000) / pass);
    };
    for (let p = 0; p < 5; p++) {
      await timed(one, 100_000 + p * pass, cpuUs, wallUs);
      await timed(rawOne, 100_000 + p * pass, rawCpuUs, null);
    }
    cpuUs.sort((a, b) => a - b);
    wallUs.sort((a, b) => a - b);
    rawCpuUs.sort((a, b) => a - b);

    const cpu = {
      cpuUsPerRequest: { median: Math.round(percentile(cpuUs, 50)), min: Math.round(cpuUs[0]), max: Math.round(cpuUs[4]) },
      wallUsPerRequest: { median: Math.round(percentile(wallUs, 50)) },
      rawReadsCpuUsPerRequest: { median: Math.round(percentile(rawCpuUs, 50)), min: Math.round(rawCpuUs[0]), max: Math.round(rawCpuUs[4]) },
    };
    console.log(`CPU per request (reads, decoding, features, JSON; no HTTP): median ${cpu.cpuUsPerRequest.median} µs (passes ${cpu.cpuUsPerRequest.min}–${cpu.cpuUsPerRequest.max}); wall ${cpu.wallUsPerRequest.median} µs one at a time`);
    console.log(`the same three reads through the driver alone: median ${cpu.rawReadsCpuUsPerRequest.median} µs (passes ${cpu.rawReadsCpuUsPerRequest.min}–${cpu.rawReadsCpuUsPerRequest.max}): Palette's own share ${cpu.cpuUsPerRequest.median - cpu.rawReadsCpuUsPerRequest.median} µs`);

    // Palette's work alone: the same requests with the driver's answers replayed from memory
    // (each partition read once through the driver, its result set then handed back as it
    // came), so that what is timed is the request check, the store's loop over the rows, tile
    // decoding, merge, features and the answer's JSON: no encoding, routing, socket or parsing
    // of the driver's, and none of the network's noise. The store's driver client is private;
    // the bench reaches it to put the replay in front of it, and puts it back after.
    const client = (service.store as unknown as { client: { execute: (q: string, p: unknown[], o: unknown) => Promise<unknown> } }).client;
    const execute = client.execute;
    const answers = new Map<string, unknown>();
    client.execute = async function replay(q, params, o) {
      const k = `${q}\u0000${String(params[0])}`;
      let rs = answers.get(k);
      if (rs === undefined) { rs = await execute.call(client, q, params, o); answers.set(k, rs); }
      return rs;
    };
    const paletteUs: number[] = [];
    try {
      const DISTINCT = 2000;
      for (let i = 0; i < 3 * DISTINCT; i++) await one(300_000 + (i % DISTINCT)); // read each once, then warm
      for (let p = 0; p < 5; p++) await timed((i) => one(300_000 + (i % DISTINCT)), p * pass, paletteUs, null);
    } finally {
      client.execute = execute;
    }
    paletteUs.sort((a, b) => a - b);
    const paletteOnly = { median: Math.round(percentile(paletteUs, 50)), min: Math.round(paletteUs[0]), max: Math.round(paletteUs[4]) };
    console.log(`Palette's work alone (the driver's answers replayed from memory): median ${paletteOnly.median} µs (passes ${paletteOnly.min}–${paletteOnly.max})`);

    // The answer's JSON, as the sidecar writes it (responseJson) against JSON.stringify, on
    // answers of this model for one entity and for a batch of 100: µs per answer, best of 3.
    const answerOf = (n: number) => service.handle({ model: 'bench.m20', entities: Array.from({ length: n }, (_, i) => ({ driver_id: driverId(i * 7919) })), at: now });
    const jsonUs = async (n: number) => {
      const answer = await answerOf(n);
      if (responseJson(answer) !== JSON.stringify(answer)) throw new Error('responseJson and JSON.stringify differ');
      const reps = Math.max(20, Math.round(200_000 / n));
      const best = (write: (a: typeof answer) => string) => {
        let b = Infinity;
        for (let k = 0; k < 3; k++) {
          const t0 = performance.now();
          let len = 0;
          for (let i = 0; i < reps; i++) len += write(answer).length;
          if (len === 0) throw new Error('empty answers');
          b = Math.min(b, ((performance.now() - t0) * 1000) / reps);
        }
        return Math.round(b * 100) / 100;
      };
      return { responseJson: best(responseJson), jsonStringify: best((a) => JSON.stringify(a)) };
    };
    const answerJsonUs = { oneEntity: await jsonUs(1), batchOf100: await jsonUs(100) };
    console.log(`the answer's JSON, µs per answer (responseJson / JSON.stringify): one entity ${answerJsonUs.oneEntity.responseJson} / ${answerJsonUs.oneEntity.jsonStringify}; 100 entities ${answerJsonUs.batchOf100.responseJson} / ${answerJsonUs.batchOf100.jsonStringify}`);
    // A profiling run (--no-allocation) writes no results: its figures carry the profiler's cost.
    if (!ALLOCATION) return;

    // Bytes allocated per request, by allocating function.
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    for (let i = 0; i < REQUESTS; i++) await one(200_000 + i);
    const { profile } = await session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: ProfileNode } };
    session.disconnect();
    const bySite = new Map<string, number>();
    const walk = (n: ProfileNode) => {
      const f = n.callFrame;
      const where = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/.*?\/(runtime|sidecar|bench)\//, '$1/');
      // Line numbers only where V8 has them (0 for tsx-compiled files, which have no source map here).
      const site = `${f.functionName || '(anonymous)'} ${where || '(native)'}${where && f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    const total = [...bySite.values()].reduce((a, b) => a + b, 0);
    const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([site, b]) => ({ site, bytesPerRequest: Math.round(b / REQUESTS) }));

    const figures = { requests: REQUESTS, answerBytes: bytes, ...cpu, paletteWorkAloneCpuUsPerRequest: paletteOnly, answerJsonUs, bytesAllocatedPerRequest: Math.round(total / REQUESTS), topAllocationSites: top };
    console.log(`heap allocated per request: ${figures.bytesAllocatedPerRequest} bytes; top sites:`);
    for (const t of top) console.log(`${String(t.bytesPerRequest).padStart(9)}  ${t.site}`);
    const path = writeResults('serving-path', `node --import tsx bench/serving-path-bench.ts --requests ${REQUESTS} --top ${TOP}`, figures);
    console.log(`wrote ${path}`);
  } finally {
    await service.store.close();
    await raw.shutdown();
  }
}

await main();
