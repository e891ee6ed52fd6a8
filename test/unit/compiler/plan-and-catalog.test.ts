/** `palette plan` differences and the catalog's list, show and search. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allFeatures, searchCatalog, showCatalog } from '../../../compiler/catalog/catalog.js';
import { diffRegistries, renderDiff } from '../../../compiler/plan/registry-diff.js';
import { compileOk, exampleInputs } from './helpers.js';

const rides = exampleInputs('rides');
const edit = (file: string, from: string, to: string) => rides.map((f) => {
  if (f.path !== file) return f;
  assert.ok(f.text.includes(from), `${from} not in ${file}`);
  return { ...f, text: f.text.replace(from, to) };
});

test('plan: no change', () => {
  const d = diffRegistries(compileOk(rides), compileOk(rides));
  assert.equal(d.hasChanges, false);
  assert.match(renderDiff(d), /No changes/);
});

test('plan: meaning, metadata, added and removed', () => {
  const before = compileOk(rides);
  const after = compileOk(edit('driver_features.pal', 'feature trips_7d        = count() over 7d', 'feature trips_7d        = count() over 14d')
    .map((f) => (f.path === 'rider_features.pal' ? { ...f, text: f.text.replace('owner "growth@rides"', 'owner "growth-team@rides"') } : f)));
  const d = diffRegistries(before, after);
  const g = new Map(d.groups.map((x) => [x.name, x]));
  assert.equal(g.get('rides.driver_trip_stats')!.change, 'meaning');
  assert.equal(g.get('rides.driver_trip_stats')!.needsBackfill, true);
  const f = g.get('rides.driver_trip_stats')!.features.find((x) => x.name === 'trips_7d')!;
  assert.equal(f.change, 'meaning');
  assert.equal(f.before, 'count() over 7d every 1h');
  assert.equal(f.after, 'count() over 14d every 1d');
  assert.equal(g.get('rides.driver_trip_stats')!.features.find((x) => x.name === 'busy_ratio_1h')!.change, 'unchanged', 'busy_ratio_1h reads trips_7d by name; its own definition did not change');
  assert.equal(g.get('rides.rider_activity')!.change, 'metadata');
  assert.equal(g.get('rides.rider_activity')!.needsBackfill, false);
  assert.equal(g.get('rides.driver_profile')!.change, 'unchanged');
  const text = renderDiff(d);
  assert.match(text, /~ group rides\.driver_trip_stats: changed in meaning/);
  assert.match(text, /\* group rides\.rider_activity: metadata only/);

  const removed = diffRegistries(before, compileOk(rides.filter((x) => x.path !== 'rider_features.pal')
    .map((x) => (x.path === 'models.pal' ? { ...x, text: x.text.replace(/model pricing_v1[\s\S]*$/, '') } : x))));
  assert.equal(removed.groups.find((x) => x.name === 'rides.rider_activity')!.change, 'removed');
  assert.equal(removed.models.find((x) => x.name === 'rides.pricing_v1')!.change, 'removed');
  const added = diffRegistries(null, before);
  assert.ok(added.groups.every((x) => x.change === 'added' && x.needsBackfill));
});

test('catalog: features know their models, windows and definitions', () => {
  const r = compileOk(rides);
  const all = allFeatures(r);
  const f = all.find((x) => x.name === 'rides.driver_trip_stats.avg_rating_30d')!;
  assert.equal(f.type, 'double?');
  assert.equal(f.window, 'over 30d every 1d');
  assert.equal(f.description, 'Mean rating given by riders');
  assert.equal(f.owner, 'pricing@rides');
  assert.deepEqual(f.tags, ['pricing', 'eta']);
  assert.deepEqual(f.usedBy, ['rides.eta_v3']);
  assert.match(f.definedAt, /^driver_features\.pal:\d+:\d+$/);
  const tripsH = all.find((x) => x.name === 'rides.driver_trip_stats.trips_1h')!;
  assert.deepEqual(tripsH.usedBy, ['rides.eta_v3', 'rides.pricing_v1']);
  const shown = showCatalog(r, 'cancel_rate_7d');
  assert.ok('kind' in shown && shown.kind === 'feature');
  assert.ok('candidates' in showCatalog(r, 'nothing_like_this'));
  const found = searchCatalog(r, 'fare');
  assert.ok(found.length >= 3);
  assert.ok(found.every((x) => /fare/i.test(x.name + x.definition + (x.description ?? ''))));
  assert.equal(searchCatalog(r, 'quality')[0].group, 'rides.driver_reliability');
});
