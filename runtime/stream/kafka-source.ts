/**
 * Kafka as a stream source: a kafkajs consumer group over the plan's topics. Several
 * materializer instances with the same group id share the partitions; Kafka assigns each
 * partition to one member at a time.
 *
 * - Offsets are never auto-committed: the materializer commits a partition's next offset
 *   only after the online store holds everything before it (see materializer.ts).
 * - After every (re)join the group coordinator's assignment is reported through
 *   `onAssignment`; kafkajs then resumes each partition from its committed offset, so
 *   records processed but not yet committed are delivered again (the materializer skips them).
 * - New consumer groups start from the earliest offset (`fromBeginning`), so a first run
 *   replays the retained topic.
 * - Dead letters go to one topic (stream.kafka.deadLetterTopic, created if missing), with
 *   acks from all in-sync replicas before `deadLetter` returns. Key: `<topic>/<partition>/<offset>`;
 *   value: JSON {topic, partition, offset, reason, raw}.
 */
import { type Consumer, Kafka, type Producer, Partitioners, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { UserError } from '../errors.js';
import type { DeadLetter, StreamHandler, StreamSource, TopicPartition } from './stream-source.js';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly deadLetterTopic: string;
  readonly clientId?: string;
  /** Start a new consumer group from the earliest offset (default true). */
  readonly fromBeginning?: boolean;
  /** Partitions processed concurrently by this instance (default 2: overlaps key loads with work, little else to gain on one event loop). */
  readonly concurrency?: number;
  readonly sessionTimeoutMs?: number;
  /** How often onIdle is called while no batch arrives (default 200 ms). */
  readonly idleCheckMs?: number;
  readonly logger?: Logger;
}

export class KafkaSource implements StreamSource {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private stopping: Promise<void> | null = null;
  private resolveRun: (() => void) | null = null;
  private producerReady: Promise<void> | null = null;
  private paused = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;

  constructor(private readonly options: KafkaSourceOptions) {
    const log = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'palette-materializer',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      // kafkajs logs through pino (structured), warnings and errors only.
      logCreator: () => ({ level, log: entry }) => {
        if (!log) return;
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error({ kafka: rest }, message);
        else log.warn({ kafka: rest }, message);
      },
    });
    this.consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 4 << 20,
      maxBytes: 32 << 20,
    });
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async run(handler: StreamHandler): Promise<void> {
    const { topics, fromBeginning = true } = this.options;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length) throw new UserError(`Kafka topic(s) not found: ${missing.join(', ')} (brokers ${this.options.brokers.join(', ')})`, 'create them, or check the source\'s `stream kafka "<topic>"`');
      if (!existing.has(this.options.deadLetterTopic)) {
        await admin.createTopics({ topics: [{ topic: this.options.deadLetterTopic, numPartitions: 1 }], waitForLeaders: true });
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`cannot reach Kafka at ${this.options.brokers.join(', ')}: ${(e as Error).message}`, 'is Kafka running? (`npm run services -- up` starts a local one)');
    } finally {
      await admin.disconnect().catch(() => {});
    }

    let failed: (e: Error) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      this.resolveRun = resolve;
      failed = reject;
    });
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      const assigned: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
        for (const partition of partitions as number[]) assigned.push({ topic, partition });
      }
      handler.onAssignment(assigned);
    });
    this.consumer.on(CRASH, (e) => {
      if (!e.payload.restart) failed(e.payload.error);
    });
    let lastBatch = Date.now();
    const idleEvery = this.options.idleCheckMs ?? 200;
    const idleTimer = setInterval(() => handler.onIdle?.(Date.now() - lastBatch), idleEvery);
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...topics], fromBeginning });
      await this.consumer.run({
        autoCommit: false,
        // The last offset of a batch is resolved (the fetch position moves on) once
        // eachBatch returns; it is committed only by commit().
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: this.options.concurrency ?? 2,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          if (this.paused || !isRunning() || isStale() || batch.messages.length === 0) return;
          lastBatch = Date.now();
          this.inFlight++;
          try {
          const records = batch.messages.map((m) => ({
            offset: Number(m.offset),
            value: m.value === null ? null : m.value.toString('utf8'),
            producedAt: Number(m.timestamp),
          }));
          const hw = Number(batch.highWatermark);
          await handler.onBatch({ topic: batch.topic, partition: batch.partition, records, highWatermark: Number.isFinite(hw) ? hw : null });
          } finally {
            if (--this.inFlight === 0) this.drained?.();
          }
          lastBatch = Date.now();
          await heartbeat();
        },
      });
      await done;
    } finally {
      clearInterval(idleTimer);
    }
  }

  async commit(offsets: readonly (TopicPartition & { readonly offset: number })[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  async deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.producerReady ??= this.producer.connect();
    await this.producerReady;
    await this.producer.send({
      topic: this.options.deadLetterTopic,
      acks: -1,
      messages: letters.map((l) => ({
        key: `${l.topic}/${l.partition}/${l.offset}`,
        value: JSON.stringify({ topic: l.topic, partition: l.partition, offset: l.offset, reason: l.reason, raw: l.raw }),
      })),
    });
  }

  async pause(): Promise<void> {
    this.paused = true;
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    while (this.inFlight > 0) await new Promise<void>((r) => { this.drained = r; });
  }

  /** Leaves the group (its partitions go to the other members) and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.consumer.disconnect().catch(() => {});
      if (this.producerReady) await this.producer.disconnect().catch(() => {});
      this.resolveRun?.();
    })();
    return this.stopping;
  }
}
