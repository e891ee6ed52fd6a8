/**
 * A feature repository, event generator and reference values shared by the materializer's
 * unit and integration tests. Two groups over one topic (different entities), every
 * aggregation, a let and a filter, sliding and lifetime windows.
 *
 * Reference: the runtime's definition (runtime/windows computeAt over the raw events that
 * pass each group's pipeline), finalized into features as the evaluator does. The online
 * side is read through GroupEvaluator, so the two share only the aggregation code.
 */
import assert from 'node:assert/strict';
import { compileSources } from '../../compiler/compile.js';
import { materializerPlan } from '../../compiler/targets/materializer-plan-target.js';
import type { MaterializedGroup, MaterializerPlan } from '../../runtime/contracts/plan.js';
import type { Value } from '../../runtime/contracts/types.js';
import { compileExpr, compileRowPipeline } from '../../runtime/expr/index.js';
import { GroupEvaluator } from '../../runtime/serving/group-evaluator.js';
import type { OnlineStore } from '../../runtime/stores/online-store.js';
import { computeAt } from '../../runtime/windows/index.js';

export function fixtureSource(topic: string): string {
  return `namespace fx
entity user { key user_id: string }
entity shop { key shop_id: long }
source events {
  events
  stream kafka "${topic}" format json
  table hive "raw.events" partition ds
  timestamp ts
  fields { event_id: string, user_id: string, shop_id: long, amount: double?, items: int, tag: string?, ts: timestamp }
}
group user_stats on user from events {
  where items >= 0
  let net = coalesce(amount, 0.0) * 2.0
  feature n_1h          = count() over 1h
  feature tags_1d       = count(tag) over 1d
  feature sum_6h        = sum(amount) over 6h
  feature items_1d      = sum(items) over 1d
  feature avg_1d        = avg(net) over 1d
  feature min_6h        = min(amount) over 6h
  feature max_6h        = max(amount) over 6h
  feature first_tag     = first(tag) over 1d
  feature last_tag      = last(tag) over 1d
  feature last_3        = last_k(amount, 3) over 6h
  feature distinct_tags = count_distinct(tag) over 1d
  feature sd_1d         = stddev(amount) over 1d
  feature var_1d        = variance(net) over 1d every 1h
  feature ratio         = sum_6h / nullif(cast(n_1h as double), 0)
}
group shop_stats on shop from events {
  feature orders_all = count() over all
  feature sum_all    = sum(amount) over all every 1d
  feature last_user  = last(user_id) over 2h
}
`;
}

export function fixturePlan(topic: string): MaterializerPlan {
  const r = compileSources([{ path: 'fx.pal', text: fixtureSource(topic) }]);
  if (!r.registry) throw new Error(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n'));
  return materializerPlan(r.registry);
}

export interface FixtureEvent {
  event_id: string;
  user_id: string;
  shop_id: number;
  amount: number | null;
  items: number;
  tag: string | null;
  /** Epoch ms; written as ISO text or epoch ms (alternately) to exercise both forms. */
  ts: number;
}

/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * n events with times in [end - spanMs, end), roughly increasing (with some disorder of up
 * to 10 minutes and repeated timestamps), nulls, negative items (filtered out).
 */
export function generateEvents(seed: number, n: number, end: number, spanMs: number, users = 20, shops = 5): FixtureEvent[] {
  const rnd = prng(seed);
  const out: FixtureEvent[] = [];
  const tags = ['a', 'b', 'c', 'é', 'zz'];
  for (let i = 0; i < n; i++) {
    const base = end - spanMs + Math.floor((i / n) * spanMs);
    let ts = base - Math.floor(rnd() * 600_000);
    if (rnd() < 0.1 && out.length) ts = out[out.length - 1].ts; // ties
    ts = Math.max(end - spanMs, Math.min(end - 1, ts));
    out.push({
      event_id: `e${seed}-${i}`,
      user_id: `u${Math.floor(rnd() * users)}`,
      shop_id: 1 + Math.floor(rnd() * shops),
      amount: rnd() < 0.15 ? null : Math.round(rnd() * 100_000) / 100,
      items: rnd() < 0.05 ? -1 : Math.floor(rnd() * 5),
      tag: rnd() < 0.2 ? null : tags[Math.floor(rnd() * tags.length)],
      ts,
    });
  }
  return out;
}

export function eventJson(e: FixtureEvent, i: number): string {
  return JSON.stringify({ ...e, ts: i % 2 === 0 ? new Date(e.ts).toISOString() : e.ts });
}

/** Keys that appear in the events for a group (as key value arrays). */
export function keysOf(mg: MaterializedGroup, events: readonly FixtureEvent[]): Value[][] {
  const seen = new Map<string, Value[]>();
  for (const e of events) {
    const key = mg.keyColumns.map((c) => (e as unknown as Record<string, Value>)[c]);
    seen.set(JSON.stringify(key), key);
  }
  return [...seen.values()];
}

/** Feature values of one key at t from raw events, by the runtime's definition. */
export function referenceValues(mg: MaterializedGroup, events: readonly FixtureEvent[], key: readonly Value[], t: number): Record<string, Value> {
  const pipeline = compileRowPipeline(mg.lets, mg.filter);
  const rows: Record<string, Value>[] = [];
  for (const e of events) {
    const row: Record<string, Value> = { ...(e as unknown as Record<string, Value>) };
    if (!pipeline(row)) continue;
    if (mg.keyColumns.some((c, i) => row[c] !== key[i])) continue;
    rows.push(row);
  }
  const g = mg.group;
  const aggregates = g.aggregations.map((a) => {
    const input = a.input === null ? null : compileExpr(a.input);
    return computeAt(rows.map((r) => ({ ts: r.ts as number, value: input === null ? null : input(r) })), a, t);
  });
  const features: Record<string, Value> = {};
  for (const f of g.features) features[f.name] = compileExpr(f.expr)({}, { aggregates, features, snapshotDate: null });
  return features;
}

export async function onlineValues(store: OnlineStore, mg: MaterializedGroup, key: readonly Value[], t: number): Promise<Record<string, Value>> {
  const rows = await store.readTiles(mg.group, key, null);
  return new GroupEvaluator(mg.group).fromTiles(rows, t).values;
}

/** Numbers within 1e-9 relative; lists element-wise; otherwise equal. */
export function assertClose(actual: Value, expected: Value, message: string): void {
  if (typeof actual === 'number' && typeof expected === 'number') {
    const tol = 1e-9 * Math.max(1, Math.abs(actual), Math.abs(expected));
    if (!(Math.abs(actual - expected) <= tol)) assert.fail(`${message}: expected ${expected}, got ${actual}`);
    return;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${message}: list length`);
    actual.forEach((x, i) => assertClose(x, expected[i], `${message}[${i}]`));
    return;
  }
  assert.deepEqual(actual, expected, message);
}

/** Every feature of every key of every group: online at t equals the reference at t. */
export async function assertOnlineMatches(store: OnlineStore, plan: MaterializerPlan, events: readonly FixtureEvent[], t: number): Promise<number> {
  let checked = 0;
  for (const mg of plan.groups) {
    for (const key of keysOf(mg, events)) {
      const want = referenceValues(mg, events, key, t);
      const got = await onlineValues(store, mg, key, t);
      for (const f of Object.keys(want)) {
        assertClose(got[f], want[f], `${mg.group.name} ${JSON.stringify(key)} ${f}`);
        checked++;
      }
    }
  }
  return checked;
}
