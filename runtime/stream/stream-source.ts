/**
 * Stream sources behind one interface: Kafka (a consumer group) and a local JSON-lines
 * event file (the embedded default). The materializer sees partitions, offsets and batches
 * only, so both run the same code path, resume the same way and dead-letter the same way.
 *
 * Contract:
 * - Records of one partition arrive in offset order, one batch at a time per partition;
 *   `onBatch` is awaited before the next batch of that partition is delivered.
 * - `onAssignment` is called with the complete set of partitions this instance owns, each
 *   time it changes (Kafka rebalance), before any batch of a newly owned partition.
 *   After a reassignment a source may deliver again records the handler saw before (it
 *   resumes from the last committed offset): the handler must skip what it holds.
 * - `commit` records, per partition, the next offset to read after a restart. Callers
 *   commit only what the online store already holds.
 * - `deadLetter` stores malformed records durably (a topic, or a file) before returning.
 */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface StreamRecord {
  readonly offset: number;
  /** The raw event (JSON text); null for a Kafka tombstone. */
  readonly value: string | null;
  /** When the record was produced (Kafka message timestamp, or file read time), epoch ms. */
  readonly producedAt: number;
}

export interface RecordBatch extends TopicPartition {
  readonly records: readonly StreamRecord[];
  /** Offset after the last record in the partition's log when fetched (for lag); null if unknown. */
  readonly highWatermark: number | null;
}

export interface DeadLetter extends TopicPartition {
  readonly offset: number;
  readonly reason: string;
  readonly raw: string | null;
}

export interface StreamHandler {
  onAssignment(partitions: readonly TopicPartition[]): void;
  onBatch(batch: RecordBatch): Promise<void>;
  /** Called when a source has no new records for a while (for idle flushes and --until-idle). */
  onIdle?(idleMs: number): void;
}

export interface StreamSource {
  readonly kind: 'kafka' | 'file';
  /** Consume until stop() is called or the source fails; resolves when stopped. */
  run(handler: StreamHandler): Promise<void>;
  /** Next offsets to read after a restart (last processed + 1), per partition. */
  commit(offsets: readonly (TopicPartition & { readonly offset: number })[]): Promise<void>;
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  /** Deliver no more batches; resolves once the batches being handled have returned. Commits still work. */
  pause(): Promise<void>;
  /** Leave (Kafka: the group), release resources; run() resolves. */
  stop(): Promise<void>;
}
