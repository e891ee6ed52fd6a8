/** The layout pass's retention of online tiles: per table, and per hop (OnlineTable.hopTtls). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TILE_RETENTION_GRACE_MS, hopTtlSeconds, keptTilesStartAfter } from '../../../runtime/contracts/layout.js';
import { compileText } from './helpers.js';

const H = 3_600_000;
const D = 24 * H;
const M5 = 5 * 60_000;
const s = (ms: number) => Math.ceil(ms / 1000);

const registry = compileText(`namespace t
entity u { key user_id: string }
source ev { events  table hive "raw.ev"  timestamp ts  fields { user_id: string, amount: double?, ts: timestamp } }
group windows on u from ev {
  feature n_1h   = count() over 1h
  feature sum_1d = sum(amount) over 1d
  feature avg_7d = avg(amount) over 7d
}
group forever on u from ev {
  feature n_1h  = count() over 1h
  feature n_all = count() over all every 1d
}
`);
const online = (name: string) => registry.groups.find((g) => g.localName === name)!.layout.online;

test('each hop keeps its tiles for its own longest window and hop, plus the grace, within the table\'s TTL', () => {
  const t = online('windows');
  assert.equal(t.ttlSeconds, s(7 * D + H), 'the table: longest window + its hop');
  assert.deepEqual(t.hopTtls, [
    { hopMs: M5, ttlSeconds: s(H + M5 + TILE_RETENTION_GRACE_MS) }, // the 1h window's 5-minute tiles
    { hopMs: H, ttlSeconds: s(7 * D + H) }, // 1d and 7d: the 7d window, no more than the table
  ]);
  assert.equal(hopTtlSeconds(t, M5), s(H + M5 + TILE_RETENTION_GRACE_MS));
  assert.equal(hopTtlSeconds({ ...t, hopTtls: undefined }, M5), t.ttlSeconds, 'a layout without hopTtls: the table\'s');
});

test('a lifetime window keeps its own hop for ever, not the others', () => {
  const t = online('forever');
  assert.equal(t.ttlSeconds, null);
  assert.deepEqual(t.hopTtls, [
    { hopMs: M5, ttlSeconds: s(H + M5 + TILE_RETENTION_GRACE_MS) },
    { hopMs: D, ttlSeconds: null },
  ]);
});

test('the tiles kept at a time are those that end less than their hop\'s TTL before it', () => {
  const t = online('windows');
  const at = Date.UTC(2024, 2, 5, 12);
  const after = keptTilesStartAfter(t, M5, at)!;
  // A 5-minute tile written when it ended is kept for its hop's TTL from then.
  const ttlMs = hopTtlSeconds(t, M5)! * 1000;
  assert.equal(after, at - M5 - ttlMs);
  assert.ok(after > at - 2 * D, 'a day and a bit of 5-minute tiles, not a week');
  assert.equal(keptTilesStartAfter(t, H, at), at - H - hopTtlSeconds(t, H)! * 1000);
  assert.equal(keptTilesStartAfter(online('forever'), D, at), null, 'a lifetime window\'s hop: all of them');
});
