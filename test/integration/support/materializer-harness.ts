/**
 * What the materializer integration tests share: a unique topic, keyspace and repository per
 * test, a paced producer, `palette materialize` as a child process (so it can be killed with
 * SIGKILL), and waiting until a consumer group has committed the whole topic.
 * Every wait is bounded; everything created is removed at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import { serviceConfig } from '../../../scripts/services/config.mjs';
import type { MaterializerPlan } from '../../../runtime/contracts/plan.js';
import { CassandraStore } from '../../../runtime/stores/cassandra-store.js';
import { eventJson, fixturePlan, fixtureSource, type FixtureEvent } from '../../support/stream-fixture.js';

export const root = fileURLToPath(new URL('../../..', import.meta.url));
const svc = serviceConfig();
export const brokers = svc.kafka.brokers;
export const silent = pino({ level: 'silent' });

export interface Harness {
  readonly id: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly keyspace: string;
  readonly groupId: string;
  readonly dir: string;
  readonly configFile: string;
  readonly plan: MaterializerPlan;
  readonly kafka: Kafka;
  store(keyspace?: string): CassandraStore;
  produce(events: readonly (FixtureEvent | string)[], opts?: { chunk?: number; pauseMs?: number }): Promise<void>;
  /** Sum over partitions of the group's committed offsets, and of the topic's end offsets. */
  progress(groupId?: string): Promise<{ committed: number; end: number }>;
  waitCommitted(min: number, timeoutMs: number, groupId?: string): Promise<void>;
  /** Until the consumer group is stable with n members. */
  waitMembers(n: number, timeoutMs: number): Promise<void>;
  spawnMaterializer(args?: string[]): ChildProcess;
  cleanup(): Promise<void>;
}

export async function createHarness(name: string, partitions: number): Promise<Harness> {
  const id = `${name}_${process.pid}_${Date.now().toString(36)}`;
  const topic = `palette-it.${id}`;
  const deadLetterTopic = `palette-it.${id}.dead`;
  const keyspace = `palette_it_${id}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 46);
  const groupId = `palette-it-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'palette-it-'));
  writeFileSync(join(dir, 'fx.pal'), fixtureSource(topic));
  const configFile = join(dir, 'palette.yaml');
  writeFileSync(configFile, `name: it
definitions: .
build: build
stream:
  kind: kafka
  kafka:
    brokers: [${brokers.map((b) => `"${b}"`).join(', ')}]
    groupId: ${groupId}
    deadLetterTopic: ${deadLetterTopic}
online:
  store: cassandra
  cassandra:
    contactPoints: ["${svc.cassandra.host}:${svc.cassandra.port}"]
    localDataCenter: ${svc.cassandra.localDataCenter}
    keyspace: ${keyspace}
`);
  const kafka = new Kafka({ clientId: 'palette-it', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }, { topic: deadLetterTopic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const stores: CassandraStore[] = [];
  const children: ChildProcess[] = [];
  const h: Harness = {
    id, topic, deadLetterTopic, keyspace, groupId, dir, configFile, kafka,
    plan: fixturePlan(topic),
    store(ks = keyspace) {
      const s = new CassandraStore({
        contactPoints: [`${svc.cassandra.host}:${svc.cassandra.port}`], localDataCenter: svc.cassandra.localDataCenter,
        keyspace: ks, replication: { class: 'SimpleStrategy', replication_factor: 1 },
      });
      stores.push(s);
      return s;
    },
    async produce(events, opts = {}) {
      const chunk = opts.chunk ?? 1000;
      for (let i = 0; i < events.length; i += chunk) {
        await producer.send({
          topic,
          messages: events.slice(i, i + chunk).map((e, j) => (typeof e === 'string'
            ? { key: `raw-${i + j}`, value: e }
            : { key: e.user_id, value: eventJson(e, i + j) })),
        });
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    },
    async progress(g = groupId) {
      const [committed] = await admin.fetchOffsets({ groupId: g, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      return {
        committed: committed.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0),
        end: ends.reduce((n, p) => n + Number(p.high), 0),
      };
    },
    async waitCommitted(min, timeoutMs, g = groupId) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const p = await h.progress(g);
        if (p.committed >= min) return;
        if (Date.now() > until) throw new Error(`group ${g} committed ${p.committed} of ${min} records in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async waitMembers(n, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { groups } = await admin.describeGroups([groupId]);
        if (groups[0]?.state === 'Stable' && groups[0].members.length === n) return;
        if (Date.now() > until) throw new Error(`group ${groupId} did not reach ${n} stable member(s) in ${timeoutMs} ms (${groups[0]?.state}, ${groups[0]?.members.length})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    spawnMaterializer(args = []) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'compiler/cli/main.ts'), 'materialize', '-c', configFile,
        '--flush-interval', '50', '--max-dirty-rows', '300', '--session-timeout', '8000', '--log-level', 'info', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-6000); });
      (child as ChildProcess & { stderrTail?: () => string }).stderrTail = () => err;
      child.on('exit', (code, signal) => {
        if (code !== 0 && signal === null) process.stderr.write(`materializer exited ${code}: ${err}\n`);
      });
      children.push(child);
      return child;
    },
    async cleanup() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const s of stores) await s.close().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.deleteTopics({ topics: [topic, deadLetterTopic] }).catch(() => {});
      await admin.disconnect().catch(() => {});
      const ddl = new cassandra.Client({ contactPoints: [`${svc.cassandra.host}:${svc.cassandra.port}`], localDataCenter: svc.cassandra.localDataCenter });
      for (const ks of [keyspace, `${keyspace}_b`]) await ddl.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
      await ddl.shutdown().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Resolves when the child exits; rejects after timeoutMs (and kills it). */
export function exited(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      const tail = (child as ChildProcess & { stderrTail?: () => string }).stderrTail?.() ?? '';
      reject(new Error(`materializer did not exit within ${timeoutMs} ms; its log ends:\n${tail}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}
