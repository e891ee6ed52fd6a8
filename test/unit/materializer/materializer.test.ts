/**
 * The materializer over the embedded stream (a JSON-lines file) and the SQLite store:
 * online values equal the runtime's definition for every aggregation; a replay of events
 * the rows already hold is skipped by offset (exactly-once effect); malformed events are
 * dead-lettered and late ones counted, without affecting anything else.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { Materializer, type MaterializerStats } from '../../../runtime/materializer/materializer.js';
import { SqliteStore } from '../../../runtime/stores/sqlite-store.js';
import { FileSource, deadLetterFilePath, eventFilePath, offsetsFilePath } from '../../../runtime/stream/file-source.js';
import { assertOnlineMatches, eventJson, fixturePlan, generateEvents, type FixtureEvent } from '../../support/stream-fixture.js';

const TOPIC = 'fx.events';
const plan = fixturePlan(TOPIC);
const T = Date.UTC(2026, 0, 10, 12, 7, 30);

async function materialize(dir: string, store: SqliteStore, opts: { maxEvents?: number; maxDirtyRows?: number } = {}): Promise<MaterializerStats> {
  const m = new Materializer({
    plan, store, logger: pino({ level: 'silent' }),
    source: new FileSource({ dir, topics: [TOPIC], groupId: 'test', batchSize: 97, pollMs: 5 }),
    untilIdleMs: 100, flushIntervalMs: 20, maxEvents: opts.maxEvents, maxDirtyRows: opts.maxDirtyRows,
  });
  return m.run();
}

function setup(events: FixtureEvent[], extra: string[] = []): { dir: string; store: SqliteStore; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'palette-mat-'));
  writeFileSync(eventFilePath(dir, TOPIC), `${[...events.map(eventJson), ...extra].join('\n')}\n`);
  const store = new SqliteStore({ path: join(dir, 'online.db') });
  return { dir, store, done: () => { void store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('replay up to T: online values at T equal the runtime over raw events, for every aggregation', async () => {
  const events = generateEvents(1, 3000, T, 2 * 86_400_000);
  const { dir, store, done } = setup(events);
  try {
    const s = await materialize(dir, store, { maxDirtyRows: 500 });
    assert.equal(s.events, events.length);
    assert.equal(s.deadLetters, 0);
    assert.equal(s.replayed, 0);
    const checked = await assertOnlineMatches(store, plan, events, T);
    assert.ok(checked > 250, `checked ${checked} values`);
    // A second run has nothing to do: everything was committed.
    const again = await materialize(dir, store);
    assert.equal(again.events, 0);
  } finally {
    done();
  }
});

test('rows written but offsets not committed (a crash): the replay is skipped by offset, nothing counted twice', async () => {
  const events = generateEvents(2, 2500, T, 86_400_000);
  const { dir, store, done } = setup(events);
  try {
    await materialize(dir, store, { maxEvents: 900 });
    const committedEarly = readFileSync(offsetsFilePath(dir, 'test', TOPIC), 'utf8');
    await materialize(dir, store, { maxEvents: 1000 });
    // Lose the second run's commits, as if it had died right after writing its rows.
    writeFileSync(offsetsFilePath(dir, 'test', TOPIC), committedEarly);
    const s = await materialize(dir, store);
    assert.equal(s.events, events.length - 900);
    assert.ok(s.replayed > 0, 'the rows held part of the replay');
    await assertOnlineMatches(store, plan, events, T);
    // Losing every commit: the whole stream is replayed and skipped where rows hold it.
    rmSync(offsetsFilePath(dir, 'test', TOPIC));
    const all = await materialize(dir, store);
    assert.equal(all.events, events.length);
    await assertOnlineMatches(store, plan, events, T);
  } finally {
    done();
  }
});

test('malformed events are dead-lettered and late ones counted; the other events are unaffected', async () => {
  const events = generateEvents(3, 1500, T, 86_400_000);
  const late: FixtureEvent = { ...events[0], event_id: 'late', ts: T - 3 * 86_400_000 };
  const malformed = ['{"broken', JSON.stringify({ ...eventJsonObject(events[1]), items: 'many' }), JSON.stringify({ event_id: 'x' }), 'null'];
  const { dir, store, done } = setup(events, [...malformed, eventJson(late, 0)]);
  try {
    const s = await materialize(dir, store);
    assert.equal(s.events, events.length + malformed.length + 1);
    assert.equal(s.deadLetters, malformed.length);
    assert.equal(s.late, 1, 'late for user_stats (1d + 1h); shop_stats has a lifetime window and takes it');
    const letters = readFileSync(deadLetterFilePath(dir, TOPIC), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(letters.map((l) => [l.offset, l.reason.split(':')[0]]), [
      [1500, 'bad JSON'], [1501, 'field `items`'], [1502, 'missing field `user_id`'], [1503, 'expected a JSON object, got null'],
    ]);
    assert.equal(letters[1].raw, malformed[1]);
    // user_stats: as if the late event did not exist (no window at T reaches it anyway);
    // shop_stats (lifetime): it counts.
    await assertOnlineMatches(store, plan, [...events, late], T);
    // More events appended later are picked up by the next run; dead letters are not repeated.
    appendFileSync(eventFilePath(dir, TOPIC), `${eventJson({ ...events[2], event_id: 'more' }, 1)}\n`);
    const next = await materialize(dir, store);
    assert.equal(next.events, 1);
    assert.equal(readFileSync(deadLetterFilePath(dir, TOPIC), 'utf8').trim().split('\n').length, malformed.length);
    assert.ok(existsSync(deadLetterFilePath(dir, TOPIC)));
  } finally {
    done();
  }
});

function eventJsonObject(e: FixtureEvent): Record<string, unknown> {
  return JSON.parse(eventJson(e, 0)) as Record<string, unknown>;
}

test('a restart that first sees new events, then older (not late) ones, loads the older tiles before updating them', async () => {
  const events = generateEvents(4, 1200, T, 86_400_000);
  const { dir, store, done } = setup(events);
  try {
    await materialize(dir, store);
    // Next run: a recent event, then events 20 h old for keys and tiles already in the store.
    // (Batches hold 97 records: the older events come in a later batch than the recent ones.)
    const recent = events.slice(0, 100).map((e, i) => ({ ...e, event_id: `recent-${i}`, ts: T - 1000 + i }));
    const older = events.slice(100, 130).map((e, i) => ({ ...e, event_id: `old-${i}`, ts: T - 20 * 3_600_000 + i * 1000 }));
    appendFileSync(eventFilePath(dir, TOPIC), `${[...recent, ...older].map(eventJson).join('\n')}\n`);
    const s = await materialize(dir, store);
    assert.equal(s.events, 130);
    assert.equal(s.late, 0);
    await assertOnlineMatches(store, plan, [...events, ...recent, ...older], T);
  } finally {
    done();
  }
});
