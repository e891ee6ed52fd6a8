/** Decoding stream events against a source's fields: every type, nullability, both timestamp forms, bad input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventSourceSpec } from '../../../runtime/contracts/plan.js';
import { listOf, scalar } from '../../../runtime/contracts/types.js';
import { makeEventDecoder } from '../../../runtime/stream/event-decoder.js';

const source: EventSourceSpec = {
  name: 't.ev',
  timestampField: 'ts',
  stream: { kind: 'kafka', topic: 't', format: 'json' },
  fields: [
    { name: 's', type: scalar('string') },
    { name: 'i', type: scalar('int') },
    { name: 'l', type: scalar('long', true) },
    { name: 'd', type: scalar('double') },
    { name: 'b', type: scalar('boolean', true) },
    { name: 'day', type: scalar('date', true) },
    { name: 'tags', type: listOf(scalar('string'), true) },
    { name: 'ts', type: scalar('timestamp') },
  ],
};
const decode = makeEventDecoder(source);
const good = { s: 'x', i: 3, l: 2 ** 40, d: 1.5, b: true, day: '2024-02-29', tags: ['a', 'b'], ts: '2026-01-10T12:00:00.123Z' };

test('a valid event decodes to the runtime representation', () => {
  const r = decode(JSON.stringify(good));
  assert.ok(r.ok);
  assert.equal(r.ts, Date.UTC(2026, 0, 10, 12, 0, 0, 123));
  assert.deepEqual(r.row, { ...good, ts: r.ts });
});

test('timestamps: ISO with offset, without zone (UTC), epoch ms', () => {
  const at = (ts: unknown) => { const r = decode(JSON.stringify({ ...good, ts })); return r.ok ? r.ts : r.reason; };
  assert.equal(at('2026-01-10T13:00:00+01:00'), Date.UTC(2026, 0, 10, 12));
  assert.equal(at('2026-01-10 12:00:00'), Date.UTC(2026, 0, 10, 12));
  assert.equal(at(1_700_000_000_000), 1_700_000_000_000);
  assert.match(String(at(1.5)), /epoch milliseconds/);
  assert.match(String(at('yesterday')), /ISO-8601/);
  assert.match(String(at(null)), /`ts` is null but not nullable/);
});

test('nullable fields may be null, never missing; extra keys are ignored', () => {
  assert.ok(decode(JSON.stringify({ ...good, l: null, b: null, day: null, tags: null, extra: 1 })).ok);
  const { l: _l, ...noL } = good;
  const r = decode(JSON.stringify(noL));
  assert.ok(!r.ok && r.reason === 'missing field `l`');
});

test('malformed events give a reason, never throw', () => {
  const cases: [string, RegExp][] = [
    ['{not json', /^bad JSON/],
    ['[1,2]', /expected a JSON object, got an array/],
    ['null', /expected a JSON object, got null/],
    [JSON.stringify({ ...good, s: 5 }), /field `s`: expected a string, got number 5/],
    [JSON.stringify({ ...good, i: 2 ** 31 }), /field `i`: expected an int/],
    [JSON.stringify({ ...good, i: 1.5 }), /field `i`: expected an int/],
    [JSON.stringify({ ...good, l: 2 ** 60 }), /field `l`: expected a long/],
    [JSON.stringify({ ...good, d: '1.5' }), /field `d`: expected a number/],
    [JSON.stringify({ ...good, b: 'true' }), /field `b`: expected a boolean/],
    [JSON.stringify({ ...good, day: '2023-02-29' }), /field `day`: expected a date/],
    [JSON.stringify({ ...good, tags: ['a', null] }), /list element 1 is null/],
    [JSON.stringify({ ...good, tags: 'a' }), /expected a list/],
    [JSON.stringify({ ...good, s: null }), /`s` is null but not nullable/],
    [JSON.stringify({ ...good, toString: 1, s: undefined }), /missing field `s`/],
  ];
  for (const [text, re] of cases) {
    const r = decode(text);
    assert.ok(!r.ok, text);
    assert.match(r.reason, re, text);
  }
});
