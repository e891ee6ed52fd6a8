// Real Kafka (KRaft, one broker) on loopback: create a topic, produce, consume in a consumer group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { serviceConfig } from '../../scripts/services/config.mjs';

test('kafka: create a topic, produce and consume in a consumer group', { timeout: 120_000 }, async () => {
  const kafka = new Kafka({ clientId: 'palette-it', brokers: serviceConfig().kafka.brokers, logLevel: logLevel.ERROR });
  const topic = `palette-it-${process.pid}-${Date.now()}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }), true);
    const sent = Array.from({ length: 10 }, (_, i) => ({ key: `user-${i % 3}`, value: JSON.stringify({ n: i }) }));
    await producer.connect();
    await producer.send({ topic, messages: sent });

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; partition: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${sent.length} messages in 60 s`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({ key: String(message.key), value: String(message.value), partition });
            if (received.length >= sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    const byValue = (a: { value: string }, b: { value: string }) => a.value.localeCompare(b.value);
    assert.deepEqual(
      received.map(({ key, value }) => ({ key, value })).sort(byValue),
      [...sent].sort(byValue),
    );
    // the same key always lands in the same partition
    const partitionOf = new Map<string, number>();
    for (const m of received) {
      assert.equal(partitionOf.get(m.key) ?? m.partition, m.partition);
      partitionOf.set(m.key, m.partition);
    }
    // the group committed what it consumed (disconnect commits pending offsets)
    await consumer.disconnect();
    const [committed] = await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [topic] });
    assert.equal(committed.partitions.reduce((sum, p) => sum + Number(p.offset), 0), sent.length);
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
});
