/**
 * Aggregations in SQL, with the semantics of runtime/contracts/aggregation.ts: nulls are
 * skipped, count() counts rows, empty count/count_distinct are 0 and everything else null,
 * first/last/last_k order by (ts, value) (strings by code point: the engines' byte order),
 * variance and stddev are the sample versions.
 *
 * Three forms, all for one AggregationSpec:
 *   - `finalAggregate`: the finalized value as one aggregate call over event rows (used as
 *     a GROUP BY aggregate or, with an OVER clause, as a window aggregate).
 *   - `partialColumns` / `storageColumns`: a partial state per group of events (a tile, a
 *     day), first as internal columns, then in the storage form of stateFields().
 *   - `mergeFinal`: the finalized value of the merge of partial states, as window
 *     aggregates over partial rows (one OVER clause for the whole expression).
 */
import type { AggregationSpec, PalType } from '../../../runtime/contracts/index.js';
import { isIntegral, stateFields } from '../../../runtime/contracts/index.js';
import type { SqlDialect } from './dialect.js';

/** Columns of an event row the aggregate reads. */
export interface EventRefs {
  /** The aggregation's input (ignored by count()). */
  readonly input: string;
  /** Event time, epoch ms (BIGINT). */
  readonly ts: string;
  /** Non-null exactly on event rows (rows may also be probes or unmatched join rows). */
  readonly marker: string;
}

function floatingResult(spec: AggregationSpec): boolean {
  return spec.input !== null && !isIntegral(spec.input.type);
}

/** A (ts, value) pair that orders by ts, then value: the tie rule of first/last/last_k. */
export function pair(d: SqlDialect, ts: string, v: string): string {
  return d.listLambdas ? `struct_pack(ts := ${ts}, v := ${v})` : `named_struct('ts', ${ts}, 'v', ${v})`;
}

/**
 * An aggregation in two stages: aggregate calls (the only place an OVER clause goes), then
 * the finalized value as an expression over their results. Window aggregates must be
 * computed in one SELECT and finished in the next: written inline, an expression such as
 * pal_finite(sum(x) OVER w) repeats the window aggregate, and engines compute each copy.
 */
export interface TwoStage {
  readonly aggregates: readonly { readonly suffix: string; readonly sql: string }[];
  readonly finish: (col: (suffix: string) => string) => string;
}

/** Both stages in one expression (GROUP BY aggregates, which engines compute once). */
export function inline(t: TwoStage): string {
  const bySuffix = new Map(t.aggregates.map((a) => [a.suffix, a.sql]));
  return t.finish((suffix) => bySuffix.get(suffix)!);
}

function oneStage(sql: string, finish: (v: string) => string = (v) => v): TwoStage {
  return { aggregates: [{ suffix: 'v', sql }], finish: (col) => finish(col('v')) };
}

/** The finalized value of the aggregation over the rows of a group or window frame. */
export function finalAggregate(d: SqlDialect, spec: AggregationSpec, e: EventRefs, over = ''): TwoStage {
  const x = e.input;
  const notNull = `FILTER (WHERE ${x} IS NOT NULL)`;
  const fin = (sql: string) => d.helper('finite', [sql]);
  switch (spec.fn) {
    case 'count':
      return oneStage(spec.input === null ? `count(${e.marker})${over}` : `count(${x})${over}`);
    case 'sum':
      return floatingResult(spec) ? oneStage(`sum(${x})${over}`, fin) : oneStage(`CAST(sum(${x})${over} AS BIGINT)`);
    case 'avg':
      return oneStage(`avg(${x})${over}`, fin);
    case 'min':
      return oneStage(`min(${x})${over}`);
    case 'max':
      return oneStage(`max(${x})${over}`);
    case 'first':
      return oneStage(`${d.argMin(x, pair(d, e.ts, x))} ${notNull}${over}`);
    case 'last':
      return oneStage(`${d.argMax(x, pair(d, e.ts, x))} ${notNull}${over}`);
    case 'last_k':
      return oneStage(`${d.topK(pair(d, e.ts, x), d.integer(spec.k ?? 1), notNull)}${over}`, (v) => d.listTransform(v, 'p', 'p.v'));
    case 'count_distinct':
      return oneStage(`count(DISTINCT ${x})${over}`);
    case 'variance':
      return oneStage(`var_samp(${x})${over}`, fin);
    case 'stddev':
      return oneStage(`stddev_samp(${x})${over}`, fin);
  }
}

/** The value of an aggregation that saw no event (a key absent from a result). */
export function emptyValue(spec: AggregationSpec): string | null {
  return spec.fn === 'count' || spec.fn === 'count_distinct' ? '0' : null;
}

/** Internal partial-state columns: name suffix and aggregate over event rows. */
export interface PartialColumn {
  readonly suffix: string;
  readonly sql: string;
}

/**
 * A partial state over a group of events (GROUP BY form), as internal columns:
 * count n; sum s; avg s, n; variance/stddev n, mean, m2; min/max v; first/last p (a pair);
 * last_k l (pairs, most recent first, at most k); count_distinct l (distinct values, sorted).
 */
export function partialColumns(d: SqlDialect, spec: AggregationSpec, e: EventRefs): PartialColumn[] {
  const x = e.input;
  const notNull = `FILTER (WHERE ${x} IS NOT NULL)`;
  switch (spec.fn) {
    case 'count':
      return [{ suffix: 'n', sql: spec.input === null ? 'count(*)' : `count(${x})` }];
    case 'sum':
      return [{ suffix: 's', sql: floatingResult(spec) ? `sum(${x})` : `CAST(sum(${x}) AS BIGINT)` }];
    case 'avg':
      return [{ suffix: 's', sql: `CAST(sum(${x}) AS DOUBLE)` }, { suffix: 'n', sql: `count(${x})` }];
    case 'variance':
    case 'stddev':
      return [
        { suffix: 'n', sql: `count(${x})` },
        { suffix: 'mean', sql: `avg(${x})` },
        { suffix: 'm2', sql: `var_pop(${x}) * count(${x})` },
      ];
    case 'min':
      return [{ suffix: 'v', sql: `min(${x})` }];
    case 'max':
      return [{ suffix: 'v', sql: `max(${x})` }];
    case 'first':
      return [{ suffix: 'p', sql: `min(${pair(d, e.ts, x)}) ${notNull}` }];
    case 'last':
      return [{ suffix: 'p', sql: `max(${pair(d, e.ts, x)}) ${notNull}` }];
    case 'last_k':
      return [{ suffix: 'l', sql: d.topK(pair(d, e.ts, x), d.integer(spec.k ?? 1), notNull) }];
    case 'count_distinct':
      return [{ suffix: 'l', sql: d.distinctSorted(x, notNull) }];
  }
}

/**
 * The storage form (one expression per stateFields() field, in order) of a partial state
 * whose internal columns are `col(suffix)`. Empty states: n fields 0, others null.
 */
export function storageColumns(d: SqlDialect, spec: AggregationSpec, col: (suffix: string) => string): string[] {
  const fields = stateFields(spec.fn, spec.input ? spec.input.type : null);
  const typed = (sql: string, i: number) => d.cast(sql, d.storageType(fields[i].type));
  const ms = (sql: string) => d.fromEpochMs(sql);
  switch (spec.fn) {
    case 'count':
      return [typed(col('n'), 0)];
    case 'sum':
      return [typed(col('s'), 0)];
    case 'avg':
      return [typed(col('s'), 0), typed(col('n'), 1)];
    case 'variance':
    case 'stddev':
      return [typed(col('n'), 0), typed(col('mean'), 1), typed(col('m2'), 2)];
    case 'min':
    case 'max':
      return [typed(col('v'), 0)];
    case 'first':
    case 'last':
      return [typed(ms(`${col('p')}.ts`), 0), typed(`${col('p')}.v`, 1)];
    case 'last_k':
      return [typed(d.listTransform(col('l'), 'p', ms('p.ts')), 0), typed(d.listTransform(col('l'), 'p', 'p.v'), 1)];
    case 'count_distinct':
      return [typed(col('l'), 0)];
  }
}

/** Chan et al.'s merge of two (n, mean, m2) states, exactly as runtime/aggregations. */
const CHAN_MERGE = '(a, b) -> struct_pack(n := a.n + b.n, ' +
  'mean := a.mean + (b.mean - a.mean) * (b.n / (a.n + b.n)), ' +
  'm2 := a.m2 + b.m2 + (b.mean - a.mean) * (b.mean - a.mean) * (a.n * b.n / (a.n + b.n)))';

/**
 * Whether mergeFinal can merge this aggregation's partial rows over a window frame of
 * `lifetime` length (list-valued merges grow with the frame: bounded frames only).
 */
export function mergeableOverFrames(d: SqlDialect, spec: AggregationSpec, lifetime: boolean): boolean {
  const listBased = spec.fn === 'variance' || spec.fn === 'stddev' || spec.fn === 'last_k' || spec.fn === 'count_distinct';
  if (!listBased) return true;
  return d.listLambdas && !lifetime;
}

/**
 * The finalized value of the merge of the partial states in a window frame: every window
 * aggregate gets `over` (e.g. ` OVER w3`).
 */
export function mergeFinal(d: SqlDialect, spec: AggregationSpec, col: (suffix: string) => string, over: string): TwoStage {
  const fin = (sql: string) => d.helper('finite', [sql]);
  switch (spec.fn) {
    case 'count':
      return oneStage(`sum(${col('n')})${over}`, (v) => `coalesce(${v}, 0)`);
    case 'sum':
      return floatingResult(spec) ? oneStage(`sum(${col('s')})${over}`, fin) : oneStage(`CAST(sum(${col('s')})${over} AS BIGINT)`);
    case 'avg':
      return {
        aggregates: [{ suffix: 's', sql: `sum(${col('s')})${over}` }, { suffix: 'n', sql: `sum(${col('n')})${over}` }],
        finish: (c) => fin(`${c('s')} / NULLIF(${c('n')}, 0)`),
      };
    case 'min':
      return oneStage(`min(${col('v')})${over}`);
    case 'max':
      return oneStage(`max(${col('v')})${over}`);
    case 'first':
      return oneStage(`min(${col('p')})${over}`, (v) => `(${v}).v`);
    case 'last':
      return oneStage(`max(${col('p')})${over}`, (v) => `(${v}).v`);
    case 'last_k':
      return oneStage(`flatten(list(${col('l')}) FILTER (WHERE ${col('l')} IS NOT NULL)${over})`,
        (v) => `list_transform(list_slice(list_sort(${v}, 'DESC'), 1, ${d.integer(spec.k ?? 1)}), p -> p.v)`);
    case 'count_distinct':
      return oneStage(`flatten(list(${col('l')}) FILTER (WHERE ${col('l')} IS NOT NULL)${over})`,
        (v) => `coalesce(length(list_distinct(${v})), 0)`);
    case 'variance':
    case 'stddev': {
      const states = `list(struct_pack(n := CAST(${col('n')} AS DOUBLE), mean := ${col('mean')}, m2 := ${col('m2')})) FILTER (WHERE ${col('n')} > 0)${over}`;
      // Starting from the empty state (n = 0), which Chan's merge leaves unchanged.
      const merged = `list_reduce(${states}, ${CHAN_MERGE}, struct_pack(n := CAST(0 AS DOUBLE), mean := CAST(0 AS DOUBLE), m2 := CAST(0 AS DOUBLE)))`;
      return oneStage(merged, (m) => {
        const variance = `CASE WHEN ${m}.n >= 2 THEN greatest(${m}.m2, 0) / (${m}.n - 1) END`;
        return fin(spec.fn === 'stddev' ? `sqrt(${variance})` : variance);
      });
    }
  }
}

/** The SQL type of an aggregation's finalized value, for typed nulls. */
export function resultType(d: SqlDialect, spec: AggregationSpec): string {
  return d.computeType(spec.resultType as PalType);
}
