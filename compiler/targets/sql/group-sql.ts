/**
 * The SQL of one group: its events (source rows after lets, filter and keys), its tiles for
 * a day range, its daily feature state, and its features over finalized aggregates.
 * Table and column names come from `group.layout` (compiler/passes/storage-layout.ts).
 *
 * Parameters (dialect.param): `from_ds`, `to_ds` (DATE), the days written.
 *
 * Daily state: the value of every feature of every key at t = ds + 1 day, 00:00 UTC, for ds
 * in [from_ds, to_ds], with the window semantics of runtime/contracts/aggregation.ts. A key
 * has a row for ds when at least one of the group's aggregations is non-empty at t (a count
 * above 0 or a non-null value); an absent key reads as counts 0 and everything else null.
 * Each aggregation is computed the cheapest exact way its window allows:
 *   - `tail`  (hop divides a day, window <= 1 day): at midnight the window is the last W of
 *             day ds: one GROUP BY over those events.
 *   - `frame` (hop divides a day, window a whole number of days, or lifetime): a partial
 *             state per key and day, merged over a window frame of days.
 *   - `pit`   (anything else, e.g. a hop of 7h): point in time from raw events at t.
 */
import type { AggregationSpec, Expr, KeySpec } from '../../../runtime/contracts/index.js';
import { DAY_MS, PARTITION_COLUMN, TILE_HOP_COLUMN, TILE_START_COLUMN } from '../../../runtime/contracts/index.js';
import type { Group, Registry, Source } from '../../ir/ir.js';
import {
  emptyValue, finalAggregate, inline, mergeableOverFrames, mergeFinal, partialColumns, resultType, storageColumns,
} from './aggregate-sql.js';
import type { SqlDialect } from './dialect.js';
import { ExprPrinter, type ExprScope } from './expr-sql.js';
import { pointInTimeSql } from './point-in-time-sql.js';
import { readColumnSql } from './source-sql.js';

/** `table hive "db.table"` → database and table (a name without a dot is in `default`). */
export function splitTableName(name: string): { database: string; table: string } {
  const i = name.indexOf('.');
  return i < 0 ? { database: 'default', table: name } : { database: name.slice(0, i), table: name.slice(i + 1) };
}

export function findSource(registry: Registry, name: string): Source {
  const s = registry.sources.find((x) => x.name === name);
  if (!s) throw new Error(`palette: registry has no source ${name}`);
  return s;
}

export function entityKeys(registry: Registry, group: Group): readonly KeySpec[] {
  const e = registry.entities.find((x) => x.name === group.entity);
  if (!e) throw new Error(`palette: registry has no entity ${group.entity}`);
  return e.keys;
}

export type DailyPlan =
  | { readonly kind: 'tail'; readonly tailMs: number }
  | { readonly kind: 'frame'; readonly days: number | null }
  | { readonly kind: 'pit' };

/** How the daily state computes an aggregation (see the file comment). */
export function dailyPlan(d: SqlDialect, spec: AggregationSpec): DailyPlan {
  const h = spec.window.hopMs;
  if (DAY_MS % h !== 0) return { kind: 'pit' };
  if (spec.window.kind === 'lifetime') return mergeableOverFrames(d, spec, true) ? { kind: 'frame', days: null } : { kind: 'pit' };
  const w = spec.window.sizeMs;
  if (w <= DAY_MS) return { kind: 'tail', tailMs: w };
  if (w % DAY_MS === 0 && mergeableOverFrames(d, spec, false)) return { kind: 'frame', days: w / DAY_MS };
  return { kind: 'pit' };
}

/** Milliseconds before the earliest window start (relative to a query time) an aggregation can reach; null: lifetime. */
export function lookbackMs(spec: AggregationSpec): number | null {
  return spec.window.kind === 'lifetime' ? null : spec.window.sizeMs + spec.window.hopMs;
}

const INDENT = (text: string, n = 2) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');

export class GroupSql {
  readonly source: Source;
  readonly keys: readonly KeySpec[];
  /** Events relation column of each aggregation's input (by aggregation index; null for count()). */
  readonly inputColumn: readonly (string | null)[];
  private readonly inputs: { column: string; sql: string }[] = [];
  private readonly row: ExprPrinter;

  constructor(readonly d: SqlDialect, readonly registry: Registry, readonly group: Group) {
    this.source = findSource(registry, group.source);
    this.keys = entityKeys(registry, group);
    this.row = new ExprPrinter(d, this.rowScope());
    this.inputColumn = group.aggregations.map((a) => {
      if (a.input === null) return null;
      const sql = this.row.print(a.input);
      let found = this.inputs.find((x) => x.sql === sql);
      if (!found) {
        found = { column: `__x${this.inputs.length}`, sql };
        this.inputs.push(found);
      }
      return found.column;
    });
  }

  private I(name: string): string {
    return this.d.ident(name);
  }

  get sourceTable(): string {
    if (!this.source.table) throw new Error(`palette: source ${this.source.name} has no table`);
    const { database, table } = splitTableName(this.source.table.name);
    return this.d.table(database, table);
  }

  get partitionColumn(): string {
    return this.source.table?.partition ?? PARTITION_COLUMN;
  }

  /** Source columns read with their declared types; lets inlined (each may use earlier ones). */
  rowScope(snapshotDate?: string): ExprScope {
    const fields = new Map(this.source.fields.map((f) => [f.name, f.type]));
    const lets = this.group.lets;
    // A name reads the same everywhere in a scope: each column and let is printed once.
    const read = new Map<string, string>();
    const scope: ExprScope = {
      column: (name) => {
        let sql = read.get(name);
        if (sql !== undefined) return sql;
        const li = lets.findIndex((l) => l.name === name);
        if (li >= 0) sql = `(${new ExprPrinter(this.d, { ...scope, column: (n) => (lets.slice(0, li).some((l) => l.name === n) || fields.has(n) ? scope.column(n) : badColumn(n)) }).print(lets[li].expr)})`;
        else {
          const t = fields.get(name);
          if (!t) return badColumn(name);
          sql = readColumnSql(this.d, this.I(name), t);
        }
        read.set(name, sql);
        return sql;
      },
      snapshotDate: snapshotDate === undefined ? undefined : () => snapshotDate,
    };
    return scope;
  }

  /** Entity key i as read from the source (column or let), typed as the key. */
  private keyExprs(scope: ExprScope): string[] {
    return this.keys.map((k, i) => {
      const col = this.group.keyColumns[i];
      const read = scope.column(col);
      const field = this.source.fields.find((f) => f.name === col);
      const same = field !== undefined && this.d.computeType(field.type) === this.d.computeType(k.type);
      return `${same ? read : this.d.cast(read, this.d.computeType(k.type))} AS ${this.I(k.name)}`;
    });
  }

  private keyNotNull(): string {
    return this.keys.map((k) => `${this.I(k.name)} IS NOT NULL`).join(' AND ');
  }

  // ---------------------------------------------------------------- events

  /**
   * One row per event kept by the filter with non-null keys and time: the key columns,
   * `__ts` (epoch ms), `__day` (days since 1970-01-01) and the aggregation inputs `__x<i>`.
   */
  eventsSql(): string {
    const d = this.d;
    const scope = this.rowScope();
    const ts = this.source.timestampField;
    if (ts === null) throw new Error(`palette: ${this.source.name} is not an events source`);
    const tsMs = d.epochMs(d.cast(this.I(ts), 'TIMESTAMP'));
    const inner = [
      ...this.keyExprs(scope),
      `${tsMs} AS __ts`,
      ...this.inputs.map((x) => `${x.sql} AS ${x.column}`),
    ];
    const where = this.group.filter ? `\nWHERE ${new ExprPrinter(d, scope).print(this.group.filter)}` : '';
    return [
      `SELECT *, CAST(floor(__ts / ${DAY_MS}) AS BIGINT) AS __day`,
      'FROM (',
      `  SELECT ${inner.join(',\n         ')}`,
      `  FROM ${this.sourceTable}${where.replace(/\n/g, '\n  ')}`,
      ')',
      `WHERE ${this.keyNotNull()} AND __ts IS NOT NULL`,
    ].join('\n');
  }

  // ---------------------------------------------------------------- parameters

  /** Days since 1970-01-01 of a DATE parameter. */
  dayParam(name: string): string {
    return this.d.dayNumber(this.d.cast(this.d.param(name), 'DATE'));
  }

  // ---------------------------------------------------------------- tiles

  /**
   * Tiles with start in [from_ds 00:00, to_ds + 1 day), one row per (key, hop, tile start)
   * with the partial states of the aggregations of that hop (other columns null), in the
   * column order of layout.offline.tiles plus `ds` (the tile start's day).
   */
  tilesSql(events: string): string {
    const d = this.d;
    const table = this.group.layout.offline.tiles;
    if (!table) throw new Error(`palette: ${this.group.name} has no tiles table`);
    const hops = [...new Set(this.group.layout.aggregations.map((a) => a.hopMs))].sort((a, b) => a - b);
    const keys = this.keys.map((k) => this.I(k.name));
    const fromMs = `${this.dayParam('from_ds')} * ${DAY_MS}`;
    const toEndMs = `(${this.dayParam('to_ds')} + 1) * ${DAY_MS}`;
    const stateCols = table.columns.slice(this.keys.length + 2);
    const parts = hops.map((hop) => {
      const specs = this.group.aggregations.filter((a) => a.window.hopMs === hop);
      const partials = specs.flatMap((s) => partialColumns(d, s, this.eventRefs(s)).map((p) => `${p.sql} AS __p${s.index}_${p.suffix}`));
      const storage = new Map<string, string>();
      for (const s of specs) {
        const exprs = storageColumns(d, s, (suffix) => `__p${s.index}_${suffix}`);
        const cols = this.group.layout.aggregations.find((a) => a.aggregationIndex === s.index)!.columns;
        cols.forEach((c, i) => storage.set(c.column, exprs[i]));
      }
      const select = [
        ...keys,
        `CAST(${d.integer(hop)} AS BIGINT) AS ${this.I(TILE_HOP_COLUMN)}`,
        `${d.fromEpochMs('__start')} AS ${this.I(TILE_START_COLUMN)}`,
        ...stateCols.map((c) => `${storage.get(c.name) ?? d.cast('NULL', d.storageType(c.type))} AS ${this.I(c.name)}`),
        `${d.dayString(d.fromEpochMs('__start'))} AS ${this.I(PARTITION_COLUMN)}`,
      ];
      const start = d.helper('floorTo', ['__ts', d.integer(hop)]);
      return [
        `-- hop ${hop} ms: ${specs.map((s) => s.display).join('; ')}`,
        `SELECT ${select.join(',\n       ')}`,
        'FROM (',
        `  SELECT ${[...keys, '__start', ...partials].join(',\n         ')}`,
        `  FROM (SELECT *, ${start} AS __start FROM ${events}) e`,
        `  WHERE __start >= ${fromMs} AND __start < ${toEndMs}`,
        `  GROUP BY ${[...keys, '__start'].join(', ')}`,
        ')',
      ].join('\n');
    });
    return parts.join('\nUNION ALL\n');
  }

  private eventRefs(s: AggregationSpec) {
    const col = this.inputColumn[s.index];
    return { input: col === null ? 'NULL' : this.I(col), ts: '__ts', marker: '__ts' };
  }

  // ---------------------------------------------------------------- daily

  /** Grid span in days: how many days after an event a key can still have a non-empty window. */
  private spanDays(spec: AggregationSpec, plan: DailyPlan): number | null {
    if (spec.window.kind === 'lifetime') return null;
    if (plan.kind === 'tail') return 1;
    if (plan.kind === 'frame') return plan.days;
    return Math.ceil((spec.window.sizeMs + spec.window.hopMs) / DAY_MS) + 1;
  }

  /**
   * Feature values at ds + 1 day for every key and ds in [from_ds, to_ds] (see the file
   * comment), in the column order of layout.offline.daily plus `ds`.
   */
  dailySql(events: string): string {
    const d = this.d;
    const g = this.group;
    const keys = this.keys.map((k) => this.I(k.name));
    const keyList = keys.join(', ');
    const fromDay = this.dayParam('from_ds');
    const toDay = this.dayParam('to_ds');
    const plans = g.aggregations.map((s) => ({ spec: s, plan: dailyPlan(d, s) }));
    const spans = plans.map((p) => this.spanDays(p.spec, p.plan));
    const span = spans.some((s) => s === null) ? null : Math.max(...(spans as number[]));
    const ctes: string[] = [];
    const joins: string[] = [];
    const aggCol = (i: number) => `__a${i}`;

    // The (key, day) rows that may be non-empty: islands of activity extended by the span.
    const last = span === null ? toDay : `least(max(__day) + ${span - 1}, ${toDay})`;
    const newIsland = span === null ? '0' : `CASE WHEN __day - lag(__day) OVER (PARTITION BY ${keyList} ORDER BY __day) < ${span} THEN 0 ELSE 1 END`;
    ctes.push(`active AS (\n  SELECT DISTINCT ${keyList}, __day FROM ${events} WHERE __day <= ${toDay}\n)`);
    ctes.push(`islands AS (\n  SELECT ${keyList}, greatest(min(__day), ${fromDay}) AS __first, ${last} AS __last\n  FROM (SELECT *, sum(__new) OVER (PARTITION BY ${keyList} ORDER BY __day) AS __island\n        FROM (SELECT *, ${newIsland} AS __new FROM active))\n  GROUP BY ${keyList}, __island\n)`);
    ctes.push(`grid AS (\n  SELECT ${keyList}, ${d.expandRange('__first', '__last')} AS __day FROM islands WHERE __first <= __last\n)`);

    // tail: one GROUP BY per window size over the last W of each day.
    const tails = [...new Set(plans.flatMap((p) => (p.plan.kind === 'tail' ? [p.plan.tailMs] : [])))];
    for (const w of tails) {
      const specs = plans.filter((p) => p.plan.kind === 'tail' && p.plan.tailMs === w).map((p) => p.spec);
      const name = `tail_${w}`;
      const aggs = specs.map((s) => `${inline(finalAggregate(d, s, this.eventRefs(s)))} AS ${aggCol(s.index)}`);
      ctes.push(`${name} AS (\n  -- ${specs.map((s) => s.display).join('; ')}: the last ${w} ms of day ds\n  SELECT ${keyList}, __day, ${aggs.join(', ')}\n  FROM ${events}\n  WHERE __day BETWEEN ${fromDay} AND ${toDay} AND __ts >= (__day + 1) * ${DAY_MS} - ${w}\n  GROUP BY ${keyList}, __day\n)`);
      joins.push(`LEFT JOIN ${name} USING (${keyList}, __day)`);
    }

    // frame: partial states per key and day, merged over frames of days.
    const framed = plans.filter((p) => p.plan.kind === 'frame').map((p) => ({ spec: p.spec, days: (p.plan as { days: number | null }).days }));
    if (framed.length > 0) {
      const partials = framed.flatMap(({ spec }) => partialColumns(d, spec, this.eventRefs(spec)).map((p) => `${p.sql} AS __p${spec.index}_${p.suffix}`));
      ctes.push(`day_partials AS (\n  SELECT ${keyList}, __day, ${partials.join(',\n         ')}\n  FROM ${events}\n  WHERE __day <= ${toDay}\n  GROUP BY ${keyList}, __day\n)`);
      const frames = [...new Set(framed.map((f) => f.days))];
      const winName = (days: number | null) => `d${days === null ? 'all' : days}`;
      const windowDefs = frames.map((days) => `${winName(days)} AS (PARTITION BY ${keyList} ORDER BY __day ${days === null
        ? 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW' : `RANGE BETWEEN ${days - 1} PRECEDING AND CURRENT ROW`})`);
      // Window aggregates in an inner SELECT, finished in the outer one (aggregate-sql.ts TwoStage).
      const stages = framed.map(({ spec, days }) => ({ spec, t: mergeFinal(d, spec, (suffix) => `__p${spec.index}_${suffix}`, ` OVER ${winName(days)}`) }));
      const inner = stages.flatMap(({ spec, t }) => t.aggregates.map((a) => `${a.sql} AS __m${spec.index}_${a.suffix}`));
      const outer = stages.map(({ spec, t }) => `${t.finish((suffix) => `__m${spec.index}_${suffix}`)} AS ${aggCol(spec.index)}`);
      ctes.push(`day_frames AS (\n  -- ${framed.map((f) => f.spec.display).join('; ')}\n  SELECT ${keyList}, __day, ${outer.join(',\n         ')}\n  FROM (\n    SELECT ${keyList}, __day, ${inner.join(',\n           ')}\n    FROM (SELECT ${keyList}, __day FROM grid UNION SELECT ${keyList}, __day FROM day_partials) r\n    LEFT JOIN day_partials p USING (${keyList}, __day)\n    WINDOW ${windowDefs.join(',\n           ')}\n  )\n)`);
      joins.push(`LEFT JOIN day_frames USING (${keyList}, __day)`);
    }

    // pit: from raw events at t = ds + 1 day.
    const pit = plans.filter((p) => p.plan.kind === 'pit').map((p) => p.spec);
    if (pit.length > 0) {
      ctes.push(`pit_probes AS (\n  SELECT ${keyList}, __day, (__day + 1) * ${DAY_MS} AS __tms FROM grid\n)`);
      const sql = pointInTimeSql(d, {
        probes: 'pit_probes', ids: [...this.keys.map((k) => k.name), '__day'], events, keys: this.keys.map((k) => k.name),
        aggregations: pit.map((s) => ({ spec: s, input: this.inputColumn[s.index], as: aggCol(s.index) })),
      });
      ctes.push(`pit AS (\n  -- ${pit.map((s) => s.display).join('; ')}: point in time at ds + 1 day\n${INDENT(sql)}\n)`);
      joins.push(`LEFT JOIN pit USING (${keyList}, __day)`);
    }

    const aggValues = g.aggregations.map((s) => {
      const empty = emptyValue(s);
      return `${empty === null ? aggCol(s.index) : `coalesce(${aggCol(s.index)}, ${empty})`} AS ${aggCol(s.index)}`;
    });
    ctes.push(`aggregates AS (\n  SELECT ${keyList}, __day, ${aggValues.join(', ')}\n  FROM grid\n  ${joins.join('\n  ')}\n)`);
    const nonEmpty = g.aggregations.map((s) => (emptyValue(s) === null ? `${aggCol(s.index)} IS NOT NULL` : `${aggCol(s.index)} > 0`));
    const features = this.featureSql((i) => aggCol(i));
    const out = [
      ...keys,
      ...g.features.map((f) => `${d.cast(features.get(f.localName)!, d.storageType(f.type))} AS ${this.I(f.localName)}`),
      `${d.dayString(d.fromEpochMs(`__day * ${DAY_MS}`))} AS ${this.I(PARTITION_COLUMN)}`,
    ];
    return `WITH ${ctes.join(',\n')}\nSELECT ${out.join(',\n       ')}\nFROM aggregates\nWHERE ${nonEmpty.join('\n   OR ')}`;
  }

  /** SQL of every feature (local name → expression over the aggregate columns), features inlined. */
  featureSql(aggregate: (index: number) => string, only?: ReadonlySet<string>): Map<string, string> {
    const out = new Map<string, string>();
    const byName = new Map(this.group.features.map((f) => [f.localName, f]));
    const visit = (name: string): string => {
      const done = out.get(name);
      if (done !== undefined) return done;
      const f = byName.get(name);
      if (!f) throw new Error(`palette: ${this.group.name} has no feature ${name}`);
      const sql = new ExprPrinter(this.d, {
        column: badColumn,
        aggregate: (i) => aggregate(i),
        feature: (n) => `(${visit(n)})`,
      }).print(f.expr);
      out.set(name, sql);
      return sql;
    };
    for (const f of this.group.features) if (!only || only.has(f.localName)) visit(f.localName);
    return out;
  }

  /** Aggregation indices that the given features read, directly or through other features. */
  aggregationsFor(features: ReadonlySet<string>): Set<number> {
    const byName = new Map(this.group.features.map((f) => [f.localName, f]));
    const out = new Set<number>();
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const f = byName.get(name)!;
      for (const i of f.aggregations) out.add(i);
      for (const dep of f.dependsOn) visit(dep);
      collectAggregateRefs(f.expr, out);
    };
    for (const f of features) visit(f);
    return out;
  }

  // ---------------------------------------------------------------- snapshot groups

  /**
   * Feature values of a snapshot group per partition: key columns, `__snap` (the
   * partition's DATE), the features (storage-typed, in layout order). Rows with a null key
   * or dropped by the filter are left out.
   */
  snapshotRowsSql(where?: string): string {
    const d = this.d;
    const snap = d.cast(this.I(this.partitionColumn), 'DATE');
    const scope = this.rowScope(snap);
    const printer = new ExprPrinter(d, scope);
    const feats = this.snapshotFeatureSql(scope);
    const cols = [
      ...this.keyExprs(scope),
      `${snap} AS __snap`,
      ...this.group.features.map((f) => `${d.cast(feats.get(f.localName)!, d.storageType(f.type))} AS ${this.I(f.localName)}`),
    ];
    const conds = [this.group.filter ? printer.print(this.group.filter) : null, where ?? null].filter((x): x is string => x !== null);
    return [
      `SELECT * FROM (`,
      `  SELECT ${cols.join(',\n         ')}`,
      `  FROM ${this.sourceTable}${conds.length ? `\n  WHERE ${conds.join(' AND ')}` : ''}`,
      `)`,
      `WHERE ${this.keyNotNull()}`,
    ].join('\n');
  }

  private snapshotFeatureSql(scope: ExprScope): Map<string, string> {
    const out = new Map<string, string>();
    const byName = new Map(this.group.features.map((f) => [f.localName, f]));
    const visit = (name: string): string => {
      const done = out.get(name);
      if (done !== undefined) return done;
      const f = byName.get(name)!;
      const sql = new ExprPrinter(this.d, { ...scope, feature: (n) => `(${visit(n)})` }).print(f.expr);
      out.set(name, sql);
      return sql;
    };
    for (const f of this.group.features) visit(f.localName);
    return out;
  }

  /** Daily state of a snapshot group: partition ds's feature values, for ds in [from_ds, to_ds]. */
  snapshotDailySql(): string {
    const d = this.d;
    const keys = this.keys.map((k) => this.I(k.name));
    const range = `${d.cast(this.I(this.partitionColumn), 'DATE')} BETWEEN CAST(${d.param('from_ds')} AS DATE) AND CAST(${d.param('to_ds')} AS DATE)`;
    const out = [...keys, ...this.group.features.map((f) => this.I(f.localName)), `${d.dayString('__snap')} AS ${this.I(PARTITION_COLUMN)}`];
    return `SELECT ${out.join(', ')}\nFROM (\n${INDENT(this.snapshotRowsSql(range))}\n)`;
  }

  /** Keys appearing more than once in one partition (a snapshot must have one row per key). */
  snapshotDuplicatesSql(): string {
    const keys = this.keys.map((k) => this.I(k.name));
    const range = `${this.d.cast(this.I(this.partitionColumn), 'DATE')} BETWEEN CAST(${this.d.param('from_ds')} AS DATE) AND CAST(${this.d.param('to_ds')} AS DATE)`;
    return `SELECT ${keys.join(', ')}, __snap, count(*) AS rows\nFROM (\n${INDENT(this.snapshotRowsSql(range))}\n)\nGROUP BY ${keys.join(', ')}, __snap\nHAVING count(*) > 1\nORDER BY __snap, ${keys.join(', ')}\nLIMIT 5`;
  }

  /** SQL type of aggregation i's finalized value. */
  aggregateType(i: number): string {
    return resultType(this.d, this.group.aggregations[i]);
  }
}

function collectAggregateRefs(e: Expr, out: Set<number>): void {
  switch (e.kind) {
    case 'aggregate': out.add(e.index); return;
    case 'binary': collectAggregateRefs(e.left, out); collectAggregateRefs(e.right, out); return;
    case 'unary': collectAggregateRefs(e.operand, out); return;
    case 'cast': collectAggregateRefs(e.operand, out); return;
    case 'call': for (const a of e.args) collectAggregateRefs(a, out); return;
    case 'case':
      for (const b of e.branches) { collectAggregateRefs(b.when, out); collectAggregateRefs(b.then, out); }
      if (e.else) collectAggregateRefs(e.else, out);
      return;
    default:
  }
}

function badColumn(name: string): never {
  throw new Error(`palette: no column ${name} in scope (the IR should not allow this)`);
}
