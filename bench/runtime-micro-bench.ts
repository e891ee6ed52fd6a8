/**
 * Micro-benchmarks of the runtime's hot paths: aggregation updates, tile updates, window
 * merges at a query time, and compiled expressions. Single thread, inputs prepared in
 * arrays beforehand, one warm-up pass, best of 3.
 *
 *   node --import tsx bench/runtime-micro-bench.ts
 */
import type { AggFn, AggregationSpec } from '../runtime/contracts/aggregation.js';
import type { Expr } from '../runtime/contracts/expr.js';
import type { PalType, ScalarTypeName, Value } from '../runtime/contracts/types.js';
import { makeAggregator } from '../runtime/aggregations/index.js';
import { compileExpr, compileRowPipeline, type Row } from '../runtime/expr/index.js';
import { TileSet, stateAt, valueAt } from '../runtime/windows/index.js';
import { writeResults } from './lib/results.js';

const N = 5_000_000;
const T = (name: ScalarTypeName): PalType => ({ kind: 'scalar', name, nullable: true });

function spec(fn: AggFn, type: ScalarTypeName | null, k: number | null = null, sizeMs = 7 * 86_400_000, hopMs = 3_600_000): AggregationSpec {
  return {
    index: 0, fn, k, input: type === null ? null : { kind: 'column', name: 'x', type: T(type) },
    window: { kind: 'sliding', sizeMs, hopMs }, resultType: T('double'), display: fn,
  };
}

let seed = 42;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
}

const doubles = Array.from({ length: N }, () => rnd() * 100);
const strings = Array.from({ length: 10_000 }, (_, i) => `rider_${i}`);
const stringInputs = Array.from({ length: N }, () => strings[Math.floor(rnd() * strings.length)]);
const ints = Array.from({ length: N }, () => Math.floor(rnd() * 1000));
const times: number[] = [];
for (let i = 0, ts = 1_700_000_000_000; i < N; i++) times.push((ts += Math.floor(rnd() * 1000)));

function best(run: () => void): number {
  run();
  let ms = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    run();
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

const figures: Record<string, number> = {};
function report(name: string, ops: number, ms: number): void {
  const perSec = Math.round((ops / ms) * 1000);
  figures[name] = perSec;
  const text = perSec >= 1e6 ? `${(perSec / 1e6).toFixed(1)} M/s` : `${(perSec / 1e3).toFixed(0)} k/s`;
  console.log(`${name.padEnd(50)} ${text.padStart(11)}`);
}

// Aggregation updates into one state.
const aggCases: [string, AggregationSpec, readonly Value[]][] = [
  ['update count()', spec('count', null), doubles],
  ['update sum(double)', spec('sum', 'double'), doubles],
  ['update avg(double)', spec('avg', 'double'), doubles],
  ['update variance(double)', spec('variance', 'double'), doubles],
  ['update max(double)', spec('max', 'double'), doubles],
  ['update last(string)', spec('last', 'string'), stringInputs],
  ['update last_k(int, 10)', spec('last_k', 'int', 10), ints],
  ['update count_distinct(string), 10k distinct', spec('count_distinct', 'string'), stringInputs],
];
for (const [name, s, inputs] of aggCases) {
  const agg = makeAggregator(s);
  report(name, N, best(() => {
    const st = agg.create();
    for (let i = 0; i < N; i++) agg.update(st, inputs[i], times[i]);
  }));
}

// TileSet: events in time order into 1h tiles (tile lookup + update).
{
  const s = spec('avg', 'double');
  report('TileSet.update avg(double), 1h tiles', N, best(() => {
    const tiles = new TileSet([s]);
    for (let i = 0; i < N; i++) tiles.update(0, times[i], doubles[i]);
  }));
  // Four aggregations per event, as a group with four features.
  const specs = [spec('count', null), spec('sum', 'double'), spec('max', 'double'), spec('variance', 'double')]
    .map((x, index) => ({ ...x, index }));
  const row: Value[] = [null, 0, 0, 0];
  report('TileSet.updateAll, 4 aggregations (events/s)', N, best(() => {
    const tiles = new TileSet(specs);
    for (let i = 0; i < N; i++) {
      const v = doubles[i];
      row[1] = v; row[2] = v; row[3] = v;
      tiles.updateAll(times[i], row);
    }
  }));
}

// valueAt: a 7d window with 1h hops (168 full tiles + head) from a TileSet of 30 days.
{
  const s = spec('avg', 'double');
  const tiles = new TileSet([s]);
  const start = 1_700_000_000_000;
  for (let i = 0; i < 30 * 24 * 20; i++) tiles.update(0, start + i * 180_000, doubles[i]);
  const q = 20_000;
  const ts = Array.from({ length: q }, () => start + 8 * 86_400_000 + Math.floor(rnd() * 20 * 86_400_000));
  report('valueAt avg over 7d every 1h (queries/s)', q, best(() => {
    for (let i = 0; i < q; i++) valueAt(tiles, s, ts[i]);
  }));
  const lk = spec('last_k', 'int', 10);
  const tilesK = new TileSet([lk]);
  for (let i = 0; i < 30 * 24 * 20; i++) tilesK.update(0, start + i * 180_000, ints[i]);
  report('stateAt last_k(10) over 7d every 1h (queries/s)', q, best(() => {
    for (let i = 0; i < q; i++) stateAt(tilesK, lk, ts[i]);
  }));
}

// Compiled expressions.
{
  const col = (name: string, type: ScalarTypeName): Expr => ({ kind: 'column', name, type: T(type) });
  const lit = (value: string | number, type: ScalarTypeName): Expr => ({ kind: 'literal', value, type: T(type) });
  // if(status == "completed" and fare > 10, fare / nullif(distance_km, 0), null)
  const e: Expr = {
    kind: 'call', fn: 'if', type: T('double'), args: [
      {
        kind: 'binary', op: 'and', type: T('boolean'),
        left: { kind: 'binary', op: '==', left: col('status', 'string'), right: lit('completed', 'string'), type: T('boolean') },
        right: { kind: 'binary', op: '>', left: col('fare', 'double'), right: lit(10, 'double'), type: T('boolean') },
      },
      {
        kind: 'binary', op: '/', type: T('double'), left: col('fare', 'double'),
        right: { kind: 'call', fn: 'nullif', type: T('double'), args: [col('distance_km', 'double'), lit(0, 'double')] },
      },
      { kind: 'literal', value: null, type: T('double') },
    ],
  };
  const statuses = ['completed', 'cancelled', 'completed', 'completed'];
  const rows: Row[] = Array.from({ length: 1_000_000 }, (_, i) => ({
    status: statuses[i % 4], fare: doubles[i], distance_km: doubles[i + 1] / 10, event_time: times[i],
  }));
  const f = compileExpr(e);
  let sink = 0;
  report('compiled expr (if/and/==/>/÷/nullif) rows/s', rows.length, best(() => {
    for (let i = 0; i < rows.length; i++) if (f(rows[i]) !== null) sink++;
  }));
  const pipeline = compileRowPipeline(
    [{ name: 'hour', expr: { kind: 'call', fn: 'hour_of_day', args: [col('event_time', 'timestamp')], type: T('int') } }],
    { kind: 'binary', op: '==', left: col('status', 'string'), right: lit('completed', 'string'), type: T('boolean') },
  );
  report('row pipeline (1 let + filter) rows/s', rows.length, best(() => {
    for (let i = 0; i < rows.length; i++) if (pipeline(rows[i])) sink++;
  }));
  if (sink < 0) console.log(sink);
}

const path = writeResults('runtime-micro', 'node --import tsx bench/runtime-micro-bench.ts', figures);
console.log(`written to ${path}`);
