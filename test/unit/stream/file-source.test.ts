/** The JSON-lines file stream: line numbers as offsets, batches, resume from committed offsets, partial last lines, dead letters. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSource, deadLetterFilePath, eventFilePath, readCommitted } from '../../../runtime/stream/file-source.js';
import type { RecordBatch, StreamHandler } from '../../../runtime/stream/stream-source.js';

/** Runs a source until `stopWhen` says so (checked after each batch and on idle). */
async function consume(src: FileSource, stopWhen: (seen: RecordBatch[]) => boolean): Promise<RecordBatch[]> {
  const seen: RecordBatch[] = [];
  const deadline = setTimeout(() => void src.stop(), 10_000);
  const handler: StreamHandler = {
    onAssignment: (p) => assert.deepEqual(p, [{ topic: 't', partition: 0 }]),
    onBatch: async (b) => {
      seen.push(b);
      if (stopWhen(seen)) void src.stop();
    },
    onIdle: () => { if (stopWhen(seen)) void src.stop(); },
  };
  await src.run(handler);
  clearTimeout(deadline);
  return seen;
}

const offsets = (bs: RecordBatch[]) => bs.flatMap((b) => b.records.map((r) => r.offset));

test('offsets are line numbers; a restart resumes after the committed offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palette-fs-'));
  try {
    const lines = Array.from({ length: 25 }, (_, i) => (i === 7 ? '' : `{"n":${i}}`));
    writeFileSync(eventFilePath(dir, 't'), `${lines.join('\n')}\n`);
    const a = new FileSource({ dir, topics: ['t'], groupId: 'g', batchSize: 10, pollMs: 10 });
    const first = await consume(a, (s) => offsets(s).length >= 24);
    assert.deepEqual(offsets(first), [...Array(25).keys()].filter((i) => i !== 7)); // the blank line is no event
    assert.ok(first.every((b) => b.records.length <= 10));
    assert.equal(first[0].records[0].value, '{"n":0}');
    await a.commit([{ topic: 't', partition: 0, offset: 12 }]);
    assert.deepEqual(readCommitted(dir, 'g', 't').offset, 12);

    const b = new FileSource({ dir, topics: ['t'], groupId: 'g', batchSize: 100, pollMs: 10 });
    const second = await consume(b, (s) => offsets(s).length >= 13);
    assert.deepEqual(offsets(second), [...Array(13).keys()].map((i) => i + 12));
    assert.equal(second[0].records[0].value, '{"n":12}');
    // Another group id reads from the start.
    const c = new FileSource({ dir, topics: ['t'], groupId: 'other', pollMs: 10 });
    assert.equal(offsets(await consume(c, (s) => offsets(s).length >= 24))[0], 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('follows a growing file; a last line without newline is read once it settles', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palette-fs-'));
  try {
    const f = eventFilePath(dir, 't');
    writeFileSync(f, '{"n":0}\n{"n":1}\n{"n"');
    const src = new FileSource({ dir, topics: ['t'], groupId: 'g', pollMs: 10, settleMs: 300 });
    setTimeout(() => appendFileSync(f, ':2}\n{"n":3}'), 100);
    const seen = await consume(src, (s) => offsets(s).length >= 4);
    assert.deepEqual(seen.flatMap((b) => b.records.map((r) => r.value)), ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
    await src.commit([{ topic: 't', partition: 0, offset: 4 }]);
    assert.deepEqual(readCommitted(dir, 'g', 't'), { offset: 4, position: readFileSync(f).length });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dead letters are appended as JSON lines; a rewritten (shorter) file is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palette-fs-'));
  try {
    writeFileSync(eventFilePath(dir, 't'), '{"n":0}\n{"n":1}\n');
    const src = new FileSource({ dir, topics: ['t'], groupId: 'g', pollMs: 10 });
    await consume(src, (s) => offsets(s).length >= 2);
    await src.commit([{ topic: 't', partition: 0, offset: 2 }]);
    await src.deadLetter([{ topic: 't', partition: 0, offset: 1, reason: 'bad', raw: '{"n":1}' }]);
    assert.deepEqual(JSON.parse(readFileSync(deadLetterFilePath(dir, 't'), 'utf8')), { topic: 't', partition: 0, offset: 1, reason: 'bad', raw: '{"n":1}' });
    writeFileSync(eventFilePath(dir, 't'), '{}\n');
    await assert.rejects(new FileSource({ dir, topics: ['t'], groupId: 'g' }).run({ onAssignment() {}, async onBatch() {} }), /shorter .* than its committed position/);
    await assert.rejects(new FileSource({ dir, topics: ['nope'], groupId: 'g' }).run({ onAssignment() {}, async onBatch() {} }), /no event file for topic `nope`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
