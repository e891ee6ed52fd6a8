/**
 * The streaming materializer against real Kafka and Cassandra on loopback:
 * - a replay up to T gives, read through GroupEvaluator at T, the runtime's values over the
 *   raw events, for every aggregation;
 * - kill -9 mid-stream and a restart: the same values as the definition (and so as a run
 *   without the crash, which the first test checks);
 * - two instances in one consumer group, one stopped mid-stream: the same values;
 * - malformed and late events: counted, dead-lettered, nothing else affected.
 * Each test has its own topic, consumer group and keyspace, and removes them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Materializer } from '../../runtime/materializer/materializer.js';
import { KafkaSource } from '../../runtime/stream/kafka-source.js';
import { assertOnlineMatches, eventJson, generateEvents, type FixtureEvent } from '../support/stream-fixture.js';
import { brokers, createHarness, exited, type Harness, silent } from './support/materializer-harness.js';

const T = Date.UTC(2026, 0, 10, 12, 7, 30);
const DAY = 86_400_000;

function inProcess(h: Harness, groupId: string, keyspace = h.keyspace) {
  const store = h.store(keyspace);
  const m = new Materializer({
    plan: h.plan, store, logger: silent, untilIdleMs: 1500, flushIntervalMs: 100,
    source: new KafkaSource({ brokers, groupId, topics: [h.topic], deadLetterTopic: h.deadLetterTopic, sessionTimeoutMs: 8000, logger: silent }),
  });
  return { m, store };
}

test('replay up to T: online tiles read at T equal the runtime over the raw events', { timeout: 180_000 }, async () => {
  const h = await createHarness('replay', 3);
  try {
    const events = generateEvents(11, 6000, T, 2 * DAY);
    await h.produce(events);
    const { m, store } = inProcess(h, h.groupId);
    const s = await m.run();
    assert.equal(s.events, events.length);
    assert.equal(s.deadLetters, 0);
    assert.deepEqual(await h.progress(), { committed: events.length, end: events.length });
    const checked = await assertOnlineMatches(store, h.plan, events, T);
    assert.ok(checked > 250, `checked ${checked}`);
    // Rows carry their partition and the offset they include.
    const rows = await store.readTiles(h.plan.groups[0].group, [events[0].shop_id], null);
    assert.ok(rows.length > 0 && rows.every((r) => r.streamPartition >= 0 && r.streamPartition < 3 && r.streamOffset !== null), JSON.stringify(rows.slice(0, 3)));
  } finally {
    await h.cleanup();
  }
});

test('kill -9 mid-stream, restart: no event lost, none counted twice', { timeout: 240_000 }, async () => {
  const h = await createHarness('kill', 3);
  try {
    const events = generateEvents(12, 20_000, T, 2 * DAY);
    const first = h.spawnMaterializer();
    await h.waitMembers(1, 60_000);
    const producing = h.produce(events, { chunk: 250, pauseMs: 150 });
    await h.waitCommitted(3000, 90_000);
    first.kill('SIGKILL');
    const killed = await exited(first, 10_000);
    assert.equal(killed.signal, 'SIGKILL');
    const atKill = await h.progress();
    await producing;
    assert.ok(atKill.committed < events.length, `the kill came mid-stream (${atKill.committed} of ${events.length} committed)`);

    const second = h.spawnMaterializer();
    await h.waitCommitted(events.length, 120_000);
    second.kill('SIGTERM');
    assert.deepEqual(await exited(second, 30_000), { code: 0, signal: null });
    await assertOnlineMatches(h.store(), h.plan, events, T);

    // The same stream without a crash, into another keyspace: the same values (both equal the definition).
    const { m, store } = inProcess(h, `${h.groupId}-nocrash`, `${h.keyspace}_b`);
    assert.equal((await m.run()).events, events.length);
    await assertOnlineMatches(store, h.plan, events, T);
  } finally {
    await h.cleanup();
  }
});

test('two instances in one consumer group, one stopped mid-stream: same values', { timeout: 240_000 }, async () => {
  const h = await createHarness('pair', 4);
  try {
    const events = generateEvents(13, 20_000, T, 2 * DAY);
    const a = h.spawnMaterializer();
    const b = h.spawnMaterializer();
    await h.waitMembers(2, 60_000);
    const producing = h.produce(events, { chunk: 250, pauseMs: 150 });
    let outA = '';
    let outB = '';
    a.stdout!.on('data', (d: Buffer) => { outA += d.toString(); });
    b.stdout!.on('data', (d: Buffer) => { outB += d.toString(); });
    await h.waitCommitted(4000, 90_000);
    a.kill('SIGTERM'); // a clean stop: flush, commit, leave the group; b takes its partitions
    assert.deepEqual(await exited(a, 30_000), { code: 0, signal: null });
    const atStop = await h.progress();
    await producing;
    assert.ok(atStop.committed < events.length, `stopped mid-stream (${atStop.committed} of ${events.length})`);
    await h.waitCommitted(events.length, 150_000);
    b.kill('SIGTERM');
    assert.deepEqual(await exited(b, 30_000), { code: 0, signal: null });
    const eventsOf = (out: string) => Number(/materialized (\d+) event/.exec(out)?.[1] ?? NaN);
    assert.ok(eventsOf(outA) > 0 && eventsOf(outB) > 0, `both instances consumed (a: ${outA.trim()} | b: ${outB.trim()})`);
    assert.ok(eventsOf(outA) + eventsOf(outB) >= events.length);
    await assertOnlineMatches(h.store(), h.plan, events, T);
  } finally {
    await h.cleanup();
  }
});

test('malformed and late events: counted, dead-lettered, nothing else affected', { timeout: 180_000 }, async () => {
  const h = await createHarness('bad', 2);
  try {
    const events = generateEvents(14, 3000, T, DAY);
    const late: FixtureEvent = { ...events[5], event_id: 'late', ts: T - 3 * DAY };
    const valid = JSON.parse(eventJson(events[1], 0)) as Record<string, unknown>;
    const malformed = ['{"broken', JSON.stringify({ ...valid, items: 'many' }), JSON.stringify({ event_id: 'x' }), JSON.stringify({ ...valid, user_id: null }), '42'];
    await h.produce(events);
    await h.produce([...malformed, late]);
    const { m, store } = inProcess(h, h.groupId);
    const s = await m.run();
    assert.equal(s.events, events.length + malformed.length + 1);
    assert.equal(s.deadLetters, malformed.length);
    assert.equal(s.late, 1, 'late for user_stats only (shop_stats has a lifetime window)');
    const metrics = await m.metrics.text();
    assert.match(metrics, /palette_materializer_dead_letters_total\{topic="[^"]+",kind="bad_json"\} 2/);
    assert.match(metrics, /palette_materializer_dead_letters_total\{topic="[^"]+",kind="wrong_type"\} 1/);
    assert.match(metrics, /palette_materializer_late_events_total\{group="fx.user_stats"\} 1/);

    // The dead-letter topic holds each malformed record with its reason.
    const consumer = h.kafka.consumer({ groupId: `${h.groupId}-dlq` });
    const letters: { offset: number; reason: string; raw: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: h.deadLetterTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`read ${letters.length} dead letters`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          letters.push(JSON.parse(message.value!.toString()));
          if (letters.length >= malformed.length) { clearTimeout(t); resolve(); }
        },
      });
    });
    await consumer.disconnect();
    assert.deepEqual(letters.map((l) => l.raw).sort(), [...malformed].sort());
    assert.deepEqual(letters.map((l) => l.reason.split(':')[0]).sort(), [
      'bad JSON', 'expected a JSON object, got number 42', 'field `items`', 'field `user_id` is null but not nullable', 'missing field `user_id`',
    ]);
    await assertOnlineMatches(store, h.plan, [...events, late], T);
  } finally {
    await h.cleanup();
  }
});
