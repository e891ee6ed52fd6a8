/**
 * Streaming materializer benchmark: Kafka → Cassandra, both servers on this machine.
 *
 *   node --import tsx bench/materializer-bench.ts [--events 5000000] [--rate 20000] [--seconds 30]
 *     [--drivers 2000 --riders 20000 --zones 200] [--flush-interval 500] [--max-dirty-rows 100000]
 *
 * Three groups with windowed features (by driver, rider and zone) over one topic of 4
 * partitions. Needs the services (`npm run services -- up`).
 * 1. Throughput: --events trips are produced first (not timed), then one materializer
 *    consumes the topic from the start; events/s = events / (start → every offset
 *    committed, i.e. every event written to Cassandra).
 * 2. Freshness: with the materializer caught up, a separate producer process sends --rate
 *    events/s for --seconds s (event time = now), plus a probe event every 100 ms for the
 *    zone `probe`. A poller reads the probe's lifetime count from Cassandra every 20 ms:
 *    freshness = first read that shows probe i − the time probe i was sent. The
 *    materializer's own measure (record timestamp → row write acknowledged) is reported too.
 * Where the time goes: the materializer's timing breakdown and the CPU seconds used by the
 * materializer, Kafka and Cassandra processes during each phase.
 * Results: bench/results/materializer.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import { compileSources } from '../compiler/compile.js';
import { materializerPlan } from '../compiler/targets/materializer-plan-target.js';
import { Materializer, type MaterializerStats } from '../runtime/materializer/materializer.js';
import { GroupEvaluator } from '../runtime/serving/group-evaluator.js';
import { CassandraStore } from '../runtime/stores/cassandra-store.js';
import { KafkaSource } from '../runtime/stream/kafka-source.js';
import { serviceConfig } from '../scripts/services/config.mjs';
import { processCpuMs, selfCpuMs, servicePid } from './lib/process-cpu.js';
import { percentile, writeResults } from './lib/results.js';

const svc = serviceConfig();
const brokers = svc.kafka.brokers;
const self = fileURLToPath(import.meta.url);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function source(topic: string): string {
  return `namespace bench
entity driver { key driver_id: string }
entity rider { key rider_id: string }
entity zone { key zone_id: string }
source trips {
  events
  stream kafka "${topic}" format json
  table hive "raw.trips" partition ds
  timestamp event_time
  fields { trip_id: string, driver_id: string, rider_id: string, zone_id: string, status: string,
           fare: double, distance_km: double, rating: int?, event_time: timestamp }
}
group driver_stats on driver from trips {
  where status == "completed"
  feature trips_1h        = count() over 1h
  feature trips_1d        = count() over 1d
  feature avg_fare_1d     = avg(fare) over 1d
  feature max_distance_1d = max(distance_km) over 1d
  feature avg_rating_7d   = avg(rating) over 7d
}
group rider_stats on rider from trips {
  feature rides_1d    = count() over 1d
  feature spend_7d    = sum(fare) over 7d
  feature last_status = last(status) over 1d
}
group zone_stats on zone from trips {
  let cancelled = if(status == "cancelled", 1.0, 0.0)
  feature trips_1h       = count() over 1h
  feature cancel_rate_1h = avg(cancelled) over 1h
  feature fare_stddev_1h = stddev(fare) over 1h
  feature trips_all      = count() over all
}
`;
}

// ---------------------------------------------------------------- producer (child process)

// Distinct keys per group: rows written per event fall as more events of a key share a
// tile between two flushes, so they drive the write load (see the README's figures).
const DRIVERS = arg('drivers', 2_000);
const RIDERS = arg('riders', 20_000);
const ZONES = arg('zones', 200);
const cardinality = ['--drivers', String(DRIVERS), '--riders', String(RIDERS), '--zones', String(ZONES)];

async function produce(): Promise<void> {
  const topic = process.argv[process.argv.indexOf('--topic') + 1];
  const count = arg('count', 0);
  const rate = arg('rate', 0);
  const seconds = arg('seconds', 0);
  const from = arg('from', 0);
  const to = arg('to', 0);
  const probeEvery = arg('probe-every', 0);
  const kafka = new Kafka({ clientId: 'palette-bench', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const statuses = ['completed', 'completed', 'completed', 'completed', 'cancelled'];
  const trip = (i: number, ts: number, probe = false) => {
    const driver = probe ? 'probe' : `d${Math.floor(rnd() * DRIVERS)}`;
    return {
      key: driver,
      value: JSON.stringify({
        trip_id: `t${i}`, driver_id: driver, rider_id: probe ? 'probe' : `r${Math.floor(rnd() * RIDERS)}`,
        zone_id: probe ? 'probe' : `z${Math.floor(rnd() * ZONES)}`, status: statuses[Math.floor(rnd() * 5)],
        fare: Math.round(rnd() * 6000) / 100, distance_km: Math.round(rnd() * 3000) / 100,
        rating: rnd() < 0.3 ? null : 1 + Math.floor(rnd() * 5), event_time: ts,
      }),
    };
  };
  const started = Date.now();
  const chunk = 2000;
  if (rate === 0) {
    // As fast as possible: 4 sends in flight, event times spread evenly over [from, to).
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const base = next;
        next += chunk;
        const n = Math.min(chunk, count - base);
        await producer.send({ topic, acks: 1, messages: Array.from({ length: n }, (_, j) => trip(base + j, from + Math.floor(((base + j) / count) * (to - from)))) });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  } else {
    // Paced: every 10 ms the events due so far; a probe (sent alone, timed) every probeEvery ms.
    const total = rate * seconds;
    let sent = 0;
    let probes = 0;
    let nextProbe = started;
    while (sent < total) {
      const now = Date.now();
      if (probeEvery && now >= nextProbe) {
        probes++;
        const at = Date.now();
        await producer.send({ topic, acks: 1, messages: [trip(-probes, at, true)] });
        process.stdout.write(`${JSON.stringify({ probe: probes, sentAt: at })}\n`);
        nextProbe += probeEvery;
      }
      const due = Math.min(total, Math.floor(((now - started) / 1000) * rate));
      if (due > sent) {
        const n = Math.min(due - sent, 5000);
        await producer.send({ topic, acks: 1, messages: Array.from({ length: n }, (_, j) => trip(count + sent + j, Date.now())) });
        sent += n;
      } else {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  await producer.disconnect();
  process.stdout.write(`${JSON.stringify({ done: true, ms: Date.now() - started })}\n`);
}

// ---------------------------------------------------------------- helpers

function cpuSnapshot(): Record<string, number> {
  const sec = (ms: number | null) => (ms === null ? NaN : ms / 1000);
  return { materializer: selfCpuMs() / 1000, kafka: sec(processCpuMs(servicePid('kafka'))), cassandra: sec(processCpuMs(servicePid('cassandra'))) };
}

function cpuDelta(a: Record<string, number>, b: Record<string, number>, secs: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(a)) out[k] = `${(b[k] - a[k]).toFixed(1)} s CPU (${(((b[k] - a[k]) / secs) * 100).toFixed(0)}% of a core)`;
  return out;
}

function runProducer(args: string[]): { child: ChildProcess; lines: string[]; done: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', self, 'produce', ...args, ...cardinality], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const done = new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`producer exited ${code}`)))));
  return { child, lines, done };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const events = arg('events', 5_000_000);
  const rate = arg('rate', 20_000);
  const seconds = arg('seconds', 30);
  const id = Date.now().toString(36);
  const topic = `palette-bench.trips-${id}`;
  const keyspace = `palette_bench_${id}`;
  const reg = compileSources([{ path: 'bench.pal', text: source(topic) }]).registry!;
  const plan = materializerPlan(reg);
  const kafka = new Kafka({ clientId: 'palette-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }, { topic: `${topic}.dead`, numPartitions: 1 }], waitForLeaders: true });
  const store = new CassandraStore({
    contactPoints: [`${svc.cassandra.host}:${svc.cassandra.port}`], localDataCenter: svc.cassandra.localDataCenter,
    keyspace, replication: { class: 'SimpleStrategy', replication_factor: 1 },
  });
  const committed = async () => {
    const [c] = await admin.fetchOffsets({ groupId: `bench-${id}`, topics: [topic] });
    return c.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  };
  try {
    // 0. Fill the topic: event times over the 6 hours before now.
    const now = Date.now();
    console.log(`producing ${events} events into ${topic} ...`);
    const p0 = Date.now();
    const filler = runProducer(['--topic', topic, '--count', String(events), '--from', String(now - 6 * 3_600_000), '--to', String(now)]);
    await filler.done;
    const produceSecs = (Date.now() - p0) / 1000;
    console.log(`produced in ${produceSecs.toFixed(1)} s (${Math.round(events / produceSecs)}/s)`);

    // 1. Throughput from the start of the topic.
    const m = new Materializer({
      plan, store, logger: pino({ level: 'warn' }, pino.destination(2)), flushIntervalMs: arg('flush-interval', 500), maxDirtyRows: arg('max-dirty-rows', 100_000),
      source: new KafkaSource({ brokers, groupId: `bench-${id}`, topics: [topic], deadLetterTopic: `${topic}.dead`, logger: pino({ level: 'warn' }) }),
    });
    const cpu0 = cpuSnapshot();
    const t0 = Date.now();
    const running = m.run();
    let t1 = 0;
    const samples: { t: number; events: number }[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = m.summary();
      samples.push({ t: Date.now(), events: s.events });
      process.stdout.write(`\r  consumed ${s.events}, written rows ${s.rowsWritten}, key loads ${s.keyLoads}, ${Math.round(m.metrics.rate())}/s   `);
      if (s.events >= events && (await committed()) >= events) {
        t1 = Date.now();
        break;
      }
      if (Date.now() - t0 > 3_600_000) throw new Error('phase 1 took over an hour');
    }
    const cpu1 = cpuSnapshot();
    const phase1 = m.summary();
    const secs1 = (t1 - t0) / 1000;
    const firstAt = samples.find((s) => s.events > 0)?.t ?? t0;
    console.log(`\nphase 1: ${events} events written and committed in ${secs1.toFixed(1)} s = ${Math.round(events / secs1)} events/s`);

    // 2. Freshness at a steady rate, with probes.
    m.resetFreshness();
    const zone = reg.groups.find((g) => g.localName === 'zone_stats')!;
    const { runtimeGroup } = await import('../compiler/targets/runtime-group.js');
    const zoneRt = runtimeGroup(reg, zone);
    const evaluator = new GroupEvaluator(zoneRt);
    const seen: { t: number; count: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const rows = await store.readTiles(zoneRt, ['probe'], null);
        const count = evaluator.fromTiles(rows, Date.now() + 86_400_000).values.trips_all as number;
        seen.push({ t: Date.now(), count });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const cpu2 = cpuSnapshot();
    const t2 = Date.now();
    const base = await committed();
    const steady = runProducer(['--topic', topic, '--count', String(events), '--rate', String(rate), '--seconds', String(seconds), '--probe-every', '100']);
    await steady.done;
    const sentTotal = rate * seconds;
    const probes = steady.lines.map((l) => JSON.parse(l)).filter((x) => x.probe);
    const until = Date.now() + 120_000;
    while ((await committed()) < base + sentTotal + probes.length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const t3 = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    polling = false;
    await poller;
    const cpu3 = cpuSnapshot();
    const freshness = probes.map((p: { probe: number; sentAt: number }) => {
      const hit = seen.find((s) => s.count >= p.probe && s.t >= p.sentAt);
      return hit ? hit.t - p.sentAt : Infinity;
    }).sort((a: number, b: number) => a - b);
    const [in50, in99] = m.freshnessPercentiles([0.5, 0.99]);
    await m.stop();
    await running;
    const phase2 = m.summary();
    const delta = (a: MaterializerStats, b: MaterializerStats) => Object.fromEntries(Object.entries(b.timing).map(([k, v]) => [k, v - (a.timing as Record<string, number>)[k]]));
    const secs2 = (t3 - t2) / 1000;

    const figures = {
      events,
      partitions: 4,
      groups: plan.groups.map((g) => `${g.group.name} (${g.group.features.length} features, ${g.group.aggregations.length} aggregations)`),
      keys: { drivers: DRIVERS, riders: RIDERS, zones: ZONES },
      produceEventsPerSecond: Math.round(events / produceSecs),
      phase1: {
        seconds: +secs1.toFixed(1),
        eventsPerSecond: Math.round(events / secs1),
        eventsPerSecondAfterFirstEvent: Math.round(events / ((t1 - firstAt) / 1000)),
        flushes: phase1.flushes,
        rowsWritten: phase1.rowsWritten,
        keyLoads: phase1.keyLoads,
        timingMs: phase1.timing,
        cpu: cpuDelta(cpu0, cpu1, secs1),
      },
      phase2: {
        targetRate: rate,
        seconds,
        sentEvents: sentTotal + probes.length,
        probes: probes.length,
        probeFreshnessMs: { p50: percentile(freshness, 50), p99: percentile(freshness, 99), max: freshness[freshness.length - 1] },
        internalFreshnessMs: { p50: in50, p99: in99 },
        flushes: phase2.flushes - phase1.flushes,
        rowsWritten: phase2.rowsWritten - phase1.rowsWritten,
        keyLoads: phase2.keyLoads - phase1.keyLoads,
        timingMs: delta(phase1, phase2),
        cpu: cpuDelta(cpu2, cpu3, secs2),
      },
    };
    console.log(JSON.stringify(figures, null, 2));
    const path = writeResults(arg('drivers', 2000) === 2000 && arg('riders', 20_000) === 20_000 ? 'materializer' : `materializer-${DRIVERS}-${RIDERS}-${ZONES}`,
      `node --import tsx bench/materializer-bench.ts --events ${events} --rate ${rate} --seconds ${seconds} ${cardinality.join(' ')}`, figures);
    console.log(`written to ${path}`);
  } finally {
    await store.close().catch(() => {});
    await admin.deleteTopics({ topics: [topic, `${topic}.dead`] }).catch(() => {});
    await admin.disconnect().catch(() => {});
    const c = new cassandra.Client({ contactPoints: [`${svc.cassandra.host}:${svc.cassandra.port}`], localDataCenter: svc.cassandra.localDataCenter });
    await c.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
    await c.shutdown().catch(() => {});
  }
}

if (process.argv[2] === 'produce') await produce();
else await main();
