/**
 * Point-in-time aggregation: the value of each aggregation at each probe's time t, from raw
 * events, exactly as runtime/contracts/aggregation.ts defines a sawtooth window:
 *   floor(t - W, H) <= e.ts < t    (lifetime: e.ts < t)
 * Because H divides W, floor(t - W, H) = floor(t, H) - W: the window is [floor(t, H) - W, t),
 * full tiles plus the exact head, computed here straight from events (no tiles).
 *
 * Two forms, chosen by the dialect:
 *   - variableFrames: probes and events in one stream per entity key, ordered by time;
 *     every aggregation is a window aggregate over the frame
 *     `RANGE BETWEEN (t - floor(t, H) + W) PRECEDING AND 1 PRECEDING` of its probe row.
 *     O((events + probes) log n) whatever the window sizes.
 *   - otherwise: a range join of probes with events per window, grouped by probe.
 */
import type { AggregationSpec } from '../../../runtime/contracts/index.js';
import { finalAggregate, inline } from './aggregate-sql.js';
import type { SqlDialect } from './dialect.js';

export interface PitSpec {
  readonly spec: AggregationSpec;
  /** Column of the events relation holding the aggregation's input (null for count()). */
  readonly input: string | null;
  /** Output column name. */
  readonly as: string;
}

export interface PitQuery {
  /** Relation with the id columns, the key columns and `__tms` (the probe time, epoch ms). */
  readonly probes: string;
  /** Columns that identify a probe (they may include key columns), passed through to the result. */
  readonly ids: readonly string[];
  /** Relation with the key columns, `__ts` (event time, epoch ms) and the input columns. */
  readonly events: string;
  /** Entity key column names (quoted by the caller's dialect here). */
  readonly keys: readonly string[];
  readonly aggregations: readonly PitSpec[];
}

/** Window identity: aggregations with the same window share one frame. */
function windowKey(s: AggregationSpec): string {
  return s.window.kind === 'lifetime' ? 'all' : `${s.window.sizeMs}/${s.window.hopMs}`;
}

/** SELECT ids..., <aggregations> with one row per probe. */
export function pointInTimeSql(d: SqlDialect, q: PitQuery): string {
  return d.variableFrames ? framesForm(d, q) : rangeJoinForm(d, q);
}

function framesForm(d: SqlDialect, q: PitQuery): string {
  const I = (n: string) => d.ident(n);
  const keys = q.keys.map(I);
  const extraIds = q.ids.filter((c) => !q.keys.includes(c));
  const inputs = [...new Set(q.aggregations.map((a) => a.input).filter((x): x is string => x !== null))];
  const windows = [...new Map(q.aggregations.map((a) => [windowKey(a.spec), a.spec])).values()];
  const offsetCol = (i: number) => `__off${i}`;
  const winName = (s: AggregationSpec) => `w${windows.findIndex((w) => windowKey(w) === windowKey(s))}`;
  // Probe frame start, as an offset back from t: t - (floor(t, H) - W).
  const offsets = windows.map((w, i) => {
    if (w.window.kind === 'lifetime') return null;
    const h = d.integer(w.window.hopMs);
    return `__tms - (${d.helper('floorTo', ['__tms', h])}) + ${d.integer(w.window.sizeMs)} AS ${offsetCol(i)}`;
  });
  const eventRow = [
    ...keys, `__ts AS __o`, `1 AS __ev`, ...extraIds.map((c) => `NULL AS ${I(c)}`), ...inputs.map(I),
    ...offsets.flatMap((o, i) => (o === null ? [] : [`0 AS ${offsetCol(i)}`])),
  ];
  const probeRow = [
    ...keys, `__tms AS __o`, `NULL AS __ev`, ...extraIds.map(I), ...inputs.map((c) => `NULL AS ${I(c)}`),
    ...offsets.filter((o): o is string => o !== null),
  ];
  const probeKeys = `SELECT DISTINCT ${keys.join(', ')} FROM ${q.probes}`;
  // Window aggregates in the inner SELECT, finished outside (aggregate-sql.ts TwoStage).
  const stages = q.aggregations.map((a) => ({
    a, t: finalAggregate(d, a.spec, { input: a.input === null ? 'NULL' : I(a.input), ts: '__o', marker: '__ev' }, ` OVER ${winName(a.spec)}`),
  }));
  const inner = stages.flatMap(({ a, t }) => t.aggregates.map((x) => `${x.sql} AS ${I(`${a.as}__${x.suffix}`)}`));
  const outer = stages.map(({ a, t }) => `${t.finish((suffix) => I(`${a.as}__${suffix}`))} AS ${I(a.as)}`);
  const windowDefs = windows.map((w, i) => {
    const frame = w.window.kind === 'lifetime'
      ? 'RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING'
      : `RANGE BETWEEN ${offsetCol(i)} PRECEDING AND 1 PRECEDING`;
    return `w${i} AS (PARTITION BY ${keys.join(', ')} ORDER BY __o ${frame})`;
  });
  return [
    `SELECT ${q.ids.map(I).join(', ')}, ${outer.join(',\n       ')}`,
    'FROM (',
    `  SELECT ${q.ids.map(I).join(', ')}, ${inner.join(',\n         ')}`,
    '  FROM (',
    `    SELECT ${eventRow.join(', ')}`,
    `    FROM ${q.events}`,
    `    WHERE (${keys.join(', ')}) IN (${probeKeys})`,
    '    UNION ALL',
    `    SELECT ${probeRow.join(', ')}`,
    `    FROM ${q.probes}`,
    '  )',
    `  WINDOW ${windowDefs.join(',\n         ')}`,
    '  QUALIFY __ev IS NULL',
    ')',
  ].join('\n');
}

function rangeJoinForm(d: SqlDialect, q: PitQuery): string {
  const I = (n: string) => d.ident(n);
  const keys = q.keys.map(I);
  const windows = [...new Map(q.aggregations.map((a) => [windowKey(a.spec), a.spec])).values()];
  const parts = windows.map((w, i) => {
    const aggs = q.aggregations.filter((a) => windowKey(a.spec) === windowKey(w)).map((a) =>
      `${inline(finalAggregate(d, a.spec, { input: a.input === null ? 'NULL' : `e.${I(a.input)}`, ts: 'e.__ts', marker: 'e.__ts' }))} AS ${I(a.as)}`);
    const start = w.window.kind === 'lifetime'
      ? ''
      : ` AND e.__ts >= (${d.helper('floorTo', ['p.__tms', d.integer(w.window.hopMs)])}) - ${d.integer(w.window.sizeMs)}`;
    const on = [...keys.map((k) => `e.${k} = p.${k}`), `e.__ts < p.__tms${start}`].join(' AND ');
    const group = q.ids.map((c) => `p.${I(c)}`);
    return `w${i} AS (\n  SELECT ${group.join(', ')}, ${aggs.join(', ')}\n  FROM ${q.probes} p LEFT JOIN ${q.events} e ON ${on}\n  GROUP BY ${group.join(', ')}\n)`;
  });
  // ids identify a probe and are never null, so the per-window results join one to one.
  const joins = windows.slice(1).map((_w, i) => `JOIN w${i + 1} USING (${q.ids.map(I).join(', ')})`).join(' ');
  const cols = q.aggregations.map((a) => `w${windows.findIndex((w) => windowKey(w) === windowKey(a.spec))}.${I(a.as)}`);
  return `WITH ${parts.join(',\n')}\nSELECT ${q.ids.map((c) => `w0.${I(c)}`).join(', ')}, ${cols.join(', ')}\nFROM w0 ${joins}`;
}
