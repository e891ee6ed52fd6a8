/**
 * The embedded stream: one JSON-lines file per topic, `<dir>/<topic>.jsonl`, read (and
 * followed as it grows) like a one-partition Kafka topic.
 *
 * - Partition 0; the offset of an event is its line number (0-based). Blank lines take a
 *   line number but are no events.
 * - Committed offsets live in `<dir>/.offsets/<groupId>/<topic>.json` ({offset, position}:
 *   the next line to read and its byte position), replaced atomically (write + rename), so a
 *   restart resumes exactly like a Kafka consumer group resumes from its committed offsets.
 *   The file is append-only: rewriting its past changes what the offsets point to (a file
 *   shorter than the committed position is an error).
 * - A last line without a newline is read once the file has not grown for `settleMs`
 *   (writers append whole lines; a partial line is normally completed quickly).
 * - Dead letters go to `<dir>/<topic>.dead-letters.jsonl`, one JSON object per line
 *   ({topic, partition, offset, reason, raw}), fsynced before `deadLetter` returns.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import type { DeadLetter, StreamHandler, StreamRecord, StreamSource, TopicPartition } from './stream-source.js';

export interface FileSourceOptions {
  readonly dir: string;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Records per batch (default 5000). */
  readonly batchSize?: number;
  /** How often to look for new lines at the end of the file (default 100 ms). */
  readonly pollMs?: number;
  /** How long a last line without newline must stay unchanged before it is read (default 1000 ms). */
  readonly settleMs?: number;
}

export function eventFilePath(dir: string, topic: string): string {
  return join(dir, `${topic}.jsonl`);
}

export function deadLetterFilePath(dir: string, topic: string): string {
  return join(dir, `${topic}.dead-letters.jsonl`);
}

export function offsetsFilePath(dir: string, groupId: string, topic: string): string {
  return join(dir, '.offsets', groupId, `${topic}.json`);
}

interface Committed {
  readonly offset: number;
  readonly position: number;
}

export function readCommitted(dir: string, groupId: string, topic: string): Committed {
  const p = offsetsFilePath(dir, groupId, topic);
  if (!existsSync(p)) return { offset: 0, position: 0 };
  try {
    const c = JSON.parse(readFileSync(p, 'utf8')) as Committed;
    if (!Number.isSafeInteger(c.offset) || !Number.isSafeInteger(c.position) || c.offset < 0 || c.position < 0) throw new Error('bad values');
    return c;
  } catch (e) {
    throw new UserError(`${p} is not a valid offsets file: ${(e as Error).message}`, 'delete it to read the event file from the start');
  }
}

/** Line start positions not yet committed, to turn a committed offset into a byte position. */
class PositionQueue {
  private offsets: number[] = [];
  private positions: number[] = [];
  private head = 0;
  push(offset: number, position: number): void {
    this.offsets.push(offset);
    this.positions.push(position);
  }
  /** The byte position of line `offset` (a line start), dropping older entries. */
  take(offset: number): number | null {
    while (this.head < this.offsets.length && this.offsets[this.head] < offset) this.head++;
    const found = this.head < this.offsets.length && this.offsets[this.head] === offset ? this.positions[this.head] : null;
    if (this.head > 4096) {
      this.offsets = this.offsets.slice(this.head);
      this.positions = this.positions.slice(this.head);
      this.head = 0;
    }
    return found;
  }
}

export class FileSource implements StreamSource {
  readonly kind = 'file' as const;
  private stopped = false;
  private paused = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private readonly ends = new Map<string, PositionQueue>();

  constructor(private readonly options: FileSourceOptions) {}

  async run(handler: StreamHandler): Promise<void> {
    for (const t of this.options.topics) {
      const f = eventFilePath(this.options.dir, t);
      if (!existsSync(f)) throw new UserError(`no event file for topic \`${t}\`: ${f}`, 'the embedded stream reads <stream.path>/<topic>.jsonl (one JSON event per line)');
    }
    handler.onAssignment(this.options.topics.map((topic) => ({ topic, partition: 0 })));
    await Promise.all(this.options.topics.map((t) => this.follow(t, handler)));
  }

  private async follow(topic: string, handler: StreamHandler): Promise<void> {
    const { dir, groupId } = this.options;
    const batchSize = this.options.batchSize ?? 5000;
    const pollMs = this.options.pollMs ?? 100;
    const settleMs = this.options.settleMs ?? 1000;
    const path = eventFilePath(dir, topic);
    const committed = readCommitted(dir, groupId, topic);
    const queue = new PositionQueue();
    this.ends.set(topic, queue);
    const fh = await open(path, 'r');
    try {
      const size0 = (await fh.stat()).size;
      if (size0 < committed.position) {
        throw new UserError(`${path} is shorter (${size0} bytes) than its committed position (${committed.position})`, `the file was rewritten; delete ${offsetsFilePath(dir, groupId, topic)} to read it from the start`);
      }
      let position = committed.position; // byte position of the next unread byte
      let offset = committed.offset; // line number of the next line
      let nextLineStart = position;
      let pending: Buffer = Buffer.alloc(0);
      const chunk = Buffer.alloc(1 << 20);
      let records: StreamRecord[] = [];
      let lastGrowth = Date.now();
      let lastRecord = Date.now();
      const emit = async (): Promise<void> => {
        if (records.length === 0) return;
        if (this.paused) return;
        const batch = records;
        records = [];
        this.inFlight++;
        try {
          await handler.onBatch({ topic, partition: 0, records: batch, highWatermark: null });
        } finally {
          if (--this.inFlight === 0) this.drained?.();
        }
        lastRecord = Date.now();
      };
      /** A line; `end` is the byte position after it (and its newline): where line offset + 1 starts. */
      const addLine = (bytes: Buffer, end: number): void => {
        let text = bytes.toString('utf8');
        if (text.endsWith('\r')) text = text.slice(0, -1);
        queue.push(offset + 1, end);
        if (text.trim().length > 0) records.push({ offset, value: text, producedAt: Date.now() });
        offset++;
      };
      while (!this.stopped && !this.paused) {
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, position);
        if (bytesRead > 0) {
          lastGrowth = Date.now();
          position += bytesRead;
          let data = pending.length ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
          let from = 0;
          for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
            nextLineStart += nl - from + 1;
            addLine(data.subarray(from, nl), nextLineStart);
            from = nl + 1;
            if (records.length >= batchSize) await emit();
          }
          pending = Buffer.from(data.subarray(from));
          data = Buffer.alloc(0);
          continue;
        }
        // At the end of the file.
        if (pending.length > 0 && Date.now() - lastGrowth >= settleMs) {
          nextLineStart += pending.length;
          addLine(pending, nextLineStart);
          pending = Buffer.alloc(0);
        }
        await emit();
        if (this.stopped) break;
        handler.onIdle?.(Date.now() - lastRecord);
        await sleep(pollMs);
      }
    } finally {
      await fh.close();
    }
  }

  async commit(offsets: readonly (TopicPartition & { readonly offset: number })[]): Promise<void> {
    for (const o of offsets) {
      const queue = this.ends.get(o.topic);
      const position = queue?.take(o.offset);
      if (position === null || position === undefined) {
        const prev = readCommitted(this.options.dir, this.options.groupId, o.topic);
        if (o.offset === prev.offset) continue;
        throw new Error(`palette: file source cannot commit offset ${o.offset} of ${o.topic}: line ${o.offset - 1} was not read`);
      }
      const p = offsetsFilePath(this.options.dir, this.options.groupId, o.topic);
      writeAtomically(p, `${JSON.stringify({ offset: o.offset, position })}\n`);
    }
  }

  async deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const l of letters) byTopic.set(l.topic, [...(byTopic.get(l.topic) ?? []), l]);
    for (const [topic, list] of byTopic) {
      const p = deadLetterFilePath(this.options.dir, topic);
      const fd = openSync(p, 'a');
      try {
        writeSync(fd, list.map((l) => `${JSON.stringify({ topic: l.topic, partition: l.partition, offset: l.offset, reason: l.reason, raw: l.raw })}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  async pause(): Promise<void> {
    this.paused = true;
    while (this.inFlight > 0) await new Promise<void>((r) => { this.drained = r; });
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** Write a small file so that readers see the old or the new content, never a mix. */
export function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
