/**
 * Partial states of the aggregations (contracts/aggregation.ts): create, update, merge,
 * finalize, and the storage form (one value per stateFields() field, in order).
 *
 * One Aggregator is made once per AggregationSpec; it is stateless and holds no per-key
 * data. States are plain mutable objects that only the aggregator that made them reads.
 * update() mutates in place and allocates nothing for count, sum, avg, variance, stddev,
 * min, max, first and last.
 *
 * Rules shared by every aggregation:
 * - null inputs (also undefined and NaN) are skipped; count() counts every row.
 * - merge is associative and commutative; exact except for float rounding in sum, avg,
 *   variance and stddev (Chan's parallel merge of (n, mean, M2)).
 * - Storage form (toFields/fromFields): a field is null while the state has seen no
 *   non-null input, except count fields (n), which are 0. Timestamps are epoch ms, lists
 *   are arrays; last_k lists are ordered most recent first; count_distinct lists are sorted
 *   in the natural order (order.ts), so equal states serialise identically. The output is
 *   plain JSON, so it is also the compact JSON form of a state.
 */
import type { AggFn, AggregationSpec, StateField } from '../contracts/aggregation.js';
import { stateFields } from '../contracts/aggregation.js';
import type { PalType, Value } from '../contracts/types.js';
import { readCount, readList, readNumber, valueReader } from './field-values.js';
import { comparatorFor, type Comparator } from './order.js';

/** An opaque partial state; only the aggregator that created it may read it. */
export type AggState = object;

export interface Aggregator<S extends AggState = AggState> {
  readonly fn: AggFn;
  /** Input type; null for count(). */
  readonly inputType: PalType | null;
  /** stateFields(fn, inputType): the layout of toFields/fromFields. */
  readonly fields: readonly StateField[];
  /** An empty state. */
  create(): S;
  /** Adds one input value observed at ts (epoch ms). Mutates state. */
  update(state: S, value: Value, ts: number): void;
  /** target := merge(target, source). source is not modified nor retained. */
  mergeInto(target: S, source: S): void;
  /**
   * target := merge(target, fromFields(values)), without keeping `values` (a scratch array
   * the caller reuses). The online read path merges each stored tile this way.
   */
  mergeFields(target: S, values: readonly unknown[]): void;
  /** A new state; a and b are not modified. */
  merge(a: S, b: S): S;
  clone(state: S): S;
  /** True if the state has seen no input (for count(): no row). */
  isEmpty(state: S): boolean;
  /** The aggregation's value: count 0 / others null when empty. */
  finalize(state: S): Value;
  /** One value per field of `fields`, in order. */
  toFields(state: S): unknown[];
  fromFields(values: readonly unknown[]): S;
}

/** The aggregator of a spec. Call once per spec and keep it: it is reused for every key. */
export function makeAggregator(spec: AggregationSpec): Aggregator {
  return makeAggregatorFor(spec.fn, spec.input === null ? null : spec.input.type, spec.k);
}

/** The aggregator of `fn` over inputs of `inputType` (null: count()); k for last_k. */
export function makeAggregatorFor(fn: AggFn, inputType: PalType | null, k: number | null = null): Aggregator {
  const fields = stateFields(fn, inputType);
  const scalarName = inputType !== null && inputType.kind === 'scalar' ? inputType.name : null;
  const numeric = scalarName === 'int' || scalarName === 'long' || scalarName === 'float'
    || scalarName === 'double' || scalarName === 'timestamp';
  const integral = scalarName === 'int' || scalarName === 'long';
  const cmp = comparatorFor(inputType);
  switch (fn) {
    case 'count':
      return inputType === null ? new CountRows(fields) : new Count(inputType, fields);
    case 'sum':
      return new Sum(inputType, fields, integral);
    case 'avg':
      return new Avg(inputType, fields);
    case 'variance':
      return new Variance(fn, inputType, fields, false);
    case 'stddev':
      return new Variance(fn, inputType, fields, true);
    case 'min':
      return numeric ? new MinNumber(inputType, fields) : new MinMax(fn, inputType, fields, cmp, -1);
    case 'max':
      return numeric ? new MaxNumber(inputType, fields) : new MinMax(fn, inputType, fields, cmp, 1);
    case 'first':
      return new FirstLast(fn, inputType, fields, cmp, -1);
    case 'last':
      return new FirstLast(fn, inputType, fields, cmp, 1);
    case 'last_k':
      if (k === null || !Number.isInteger(k) || k < 1) throw new Error(`palette: last_k needs k >= 1, got ${k}`);
      return new LastK(inputType, fields, cmp, k);
    case 'count_distinct':
      return new CountDistinct(inputType, fields, cmp);
  }
}

/** Null, undefined and NaN inputs are skipped. */
function skip(v: Value): boolean {
  return v == null || v !== v;
}

/** Float results that are NaN or infinite are null (runtime/expr/README.md). */
function finite(x: number): number | null {
  return x - x === 0 ? x : null;
}

abstract class Base<S extends AggState> implements Aggregator<S> {
  constructor(
    readonly fn: AggFn,
    readonly inputType: PalType | null,
    readonly fields: readonly StateField[],
  ) {}
  abstract create(): S;
  abstract update(state: S, value: Value, ts: number): void;
  abstract mergeInto(target: S, source: S): void;
  abstract clone(state: S): S;
  abstract isEmpty(state: S): boolean;
  abstract finalize(state: S): Value;
  abstract toFields(state: S): unknown[];
  abstract fromFields(values: readonly unknown[]): S;
  /** The general form; InPlace aggregators merge the fields without making a state. */
  mergeFields(target: S, values: readonly unknown[]): void {
    this.mergeInto(target, this.fromFields(values));
  }
  merge(a: S, b: S): S {
    const out = this.clone(a);
    this.mergeInto(out, b);
    return out;
  }
  protected arity(values: readonly unknown[]): void {
    if (values.length !== this.fields.length) {
      throw new Error(`palette: ${this.fn} state has ${this.fields.length} fields, got ${values.length}`);
    }
  }
}

/**
 * An aggregator whose storage form is a few numbers: mergeFields merges it into a state in
 * place (the online read path, per stored tile), and is the one place that reads it.
 */
abstract class InPlace<S extends AggState> extends Base<S> {
  abstract override mergeFields(target: S, values: readonly unknown[]): void;
  fromFields(values: readonly unknown[]): S {
    const s = this.create();
    this.mergeFields(s, values);
    return s;
  }
}

// ---------------------------------------------------------------- count

interface CountState { n: number }

/** count() (rows: every update counts) or count(x) (non-null values). */
class Count extends InPlace<CountState> {
  constructor(inputType: PalType | null, fields: readonly StateField[]) { super('count', inputType, fields); }
  create(): CountState { return { n: 0 }; }
  update(s: CountState, v: Value): void {
    if (!skip(v)) s.n++;
  }
  mergeInto(t: CountState, s: CountState): void { t.n += s.n; }
  override mergeFields(t: CountState, values: readonly unknown[]): void {
    this.arity(values);
    t.n += readCount(values[0]);
  }
  clone(s: CountState): CountState { return { n: s.n }; }
  isEmpty(s: CountState): boolean { return s.n === 0; }
  finalize(s: CountState): Value { return s.n; }
  toFields(s: CountState): unknown[] { return [s.n]; }
}

class CountRows extends Count {
  constructor(fields: readonly StateField[]) { super(null, fields); }
  override update(s: CountState): void { s.n++; }
}

// ---------------------------------------------------------------- sum, avg

interface SumState { s: number; has: boolean }

class Sum extends InPlace<SumState> {
  constructor(inputType: PalType | null, fields: readonly StateField[], private readonly integral: boolean) {
    super('sum', inputType, fields);
  }
  create(): SumState { return { s: 0, has: false }; }
  update(st: SumState, v: Value): void {
    if (skip(v)) return;
    st.s += v as number;
    st.has = true;
  }
  mergeInto(t: SumState, s: SumState): void {
    if (!s.has) return;
    t.s += s.s;
    t.has = true;
  }
  override mergeFields(t: SumState, values: readonly unknown[]): void {
    this.arity(values);
    const s = readNumber(values[0]);
    if (s === null) return;
    t.s += s;
    t.has = true;
  }
  clone(s: SumState): SumState { return { s: s.s, has: s.has }; }
  isEmpty(s: SumState): boolean { return !s.has; }
  finalize(s: SumState): Value {
    if (!s.has) return null;
    return this.integral ? s.s : finite(s.s);
  }
  toFields(s: SumState): unknown[] { return [s.has ? s.s : null]; }
}

interface AvgState { s: number; n: number }

class Avg extends InPlace<AvgState> {
  constructor(inputType: PalType | null, fields: readonly StateField[]) { super('avg', inputType, fields); }
  create(): AvgState { return { s: 0, n: 0 }; }
  update(st: AvgState, v: Value): void {
    if (skip(v)) return;
    st.s += v as number;
    st.n++;
  }
  mergeInto(t: AvgState, s: AvgState): void {
    t.s += s.s;
    t.n += s.n;
  }
  override mergeFields(t: AvgState, values: readonly unknown[]): void {
    this.arity(values);
    const n = readCount(values[1]);
    t.s += n === 0 ? 0 : (readNumber(values[0]) ?? 0);
    t.n += n;
  }
  clone(s: AvgState): AvgState { return { s: s.s, n: s.n }; }
  isEmpty(s: AvgState): boolean { return s.n === 0; }
  finalize(s: AvgState): Value { return s.n === 0 ? null : finite(s.s / s.n); }
  toFields(s: AvgState): unknown[] { return [s.n === 0 ? null : s.s, s.n]; }
}

// ---------------------------------------------------------------- variance, stddev

/** Welford's running (n, mean, M2); merged with Chan et al.'s parallel formula. */
interface VarState { n: number; mean: number; m2: number }

class Variance extends InPlace<VarState> {
  constructor(fn: AggFn, inputType: PalType | null, fields: readonly StateField[], private readonly sqrt: boolean) {
    super(fn, inputType, fields);
  }
  create(): VarState { return { n: 0, mean: 0, m2: 0 }; }
  update(st: VarState, v: Value): void {
    if (skip(v)) return;
    const x = v as number;
    const n = ++st.n;
    const d = x - st.mean;
    st.mean += d / n;
    st.m2 += d * (x - st.mean);
  }
  mergeInto(t: VarState, s: VarState): void {
    mergeVariance(t, s.n, s.mean, s.m2);
  }
  override mergeFields(t: VarState, values: readonly unknown[]): void {
    this.arity(values);
    const n = readCount(values[0]);
    if (n === 0) return;
    mergeVariance(t, n, readNumber(values[1]) ?? 0, readNumber(values[2]) ?? 0);
  }
  clone(s: VarState): VarState { return { n: s.n, mean: s.mean, m2: s.m2 }; }
  isEmpty(s: VarState): boolean { return s.n === 0; }
  finalize(s: VarState): Value {
    if (s.n < 2) return null;
    const v = (s.m2 > 0 ? s.m2 : 0) / (s.n - 1);
    return finite(this.sqrt ? Math.sqrt(v) : v);
  }
  toFields(s: VarState): unknown[] {
    return s.n === 0 ? [0, null, null] : [s.n, s.mean, s.m2];
  }
}

/** t := Chan's merge of t and the part (n, mean, m2). */
function mergeVariance(t: VarState, n: number, mean: number, m2: number): void {
  if (n === 0) return;
  if (t.n === 0) {
    t.n = n; t.mean = mean; t.m2 = m2;
    return;
  }
  const total = t.n + n;
  const d = mean - t.mean;
  t.mean += d * (n / total);
  t.m2 += m2 + d * d * (t.n * n / total);
  t.n = total;
}

// ---------------------------------------------------------------- min, max

interface ValueState { v: Value }

abstract class ValueBase extends Base<ValueState> {
  private readonly read: (x: unknown) => Value;
  constructor(fn: AggFn, inputType: PalType | null, fields: readonly StateField[]) {
    super(fn, inputType, fields);
    this.read = valueReader(inputType);
  }
  create(): ValueState { return { v: null }; }
  mergeInto(t: ValueState, s: ValueState): void {
    if (s.v !== null) this.update(t, s.v, 0);
  }
  override mergeFields(t: ValueState, values: readonly unknown[]): void {
    this.arity(values);
    const v = this.read(values[0]);
    if (v !== null) this.update(t, v, 0);
  }
  clone(s: ValueState): ValueState { return { v: s.v }; }
  isEmpty(s: ValueState): boolean { return s.v === null; }
  finalize(s: ValueState): Value { return s.v; }
  toFields(s: ValueState): unknown[] { return [s.v]; }
  fromFields(values: readonly unknown[]): ValueState {
    this.arity(values);
    return { v: this.read(values[0]) };
  }
}

class MinNumber extends ValueBase {
  constructor(inputType: PalType | null, fields: readonly StateField[]) { super('min', inputType, fields); }
  update(st: ValueState, v: Value): void {
    if (skip(v)) return;
    if (st.v === null || (v as number) < (st.v as number)) st.v = v;
  }
}

class MaxNumber extends ValueBase {
  constructor(inputType: PalType | null, fields: readonly StateField[]) { super('max', inputType, fields); }
  update(st: ValueState, v: Value): void {
    if (skip(v)) return;
    if (st.v === null || (v as number) > (st.v as number)) st.v = v;
  }
}

class MinMax extends ValueBase {
  /** sign -1: keep the smallest (min); 1: keep the largest (max). */
  constructor(fn: AggFn, inputType: PalType | null, fields: readonly StateField[],
    private readonly cmp: Comparator, private readonly sign: number) {
    super(fn, inputType, fields);
  }
  update(st: ValueState, v: Value): void {
    if (skip(v)) return;
    if (st.v === null || this.cmp(v, st.v) * this.sign > 0) st.v = v;
  }
}

// ---------------------------------------------------------------- first, last

interface TsValueState { ts: number; v: Value }

/**
 * first keeps the minimum (ts, value), last the maximum: at equal ts the smaller (first)
 * or larger (last) value wins, so the result does not depend on arrival or merge order.
 */
class FirstLast extends Base<TsValueState> {
  private readonly read: (x: unknown) => Value;
  constructor(fn: AggFn, inputType: PalType | null, fields: readonly StateField[],
    private readonly cmp: Comparator, private readonly sign: number) {
    super(fn, inputType, fields);
    this.read = valueReader(inputType);
  }
  create(): TsValueState { return { ts: 0, v: null }; }
  update(st: TsValueState, v: Value, ts: number): void {
    if (skip(v)) return;
    if (st.v === null) {
      st.ts = ts; st.v = v;
      return;
    }
    const d = ts !== st.ts ? ts - st.ts : this.cmp(v, st.v);
    if (d * this.sign > 0) {
      st.ts = ts; st.v = v;
    }
  }
  mergeInto(t: TsValueState, s: TsValueState): void {
    if (s.v !== null) this.update(t, s.v, s.ts);
  }
  clone(s: TsValueState): TsValueState { return { ts: s.ts, v: s.v }; }
  isEmpty(s: TsValueState): boolean { return s.v === null; }
  finalize(s: TsValueState): Value { return s.v; }
  toFields(s: TsValueState): unknown[] { return s.v === null ? [null, null] : [s.ts, s.v]; }
  fromFields(values: readonly unknown[]): TsValueState {
    this.arity(values);
    const ts = readNumber(values[0]);
    const v = this.read(values[1]);
    return ts === null || v === null ? { ts: 0, v: null } : { ts, v };
  }
}

// ---------------------------------------------------------------- last_k

/**
 * The k largest (ts, value) pairs, kept in ascending order internally (appending is the
 * common case); the storage form and the result are most recent first. Equal pairs from
 * distinct events are distinct entries (a multiset, as `list(x order by ts desc) limit k`).
 */
interface LastKState { ts: number[]; v: Value[] }

class LastK extends Base<LastKState> {
  private readonly read: (x: unknown) => Value;
  constructor(inputType: PalType | null, fields: readonly StateField[],
    private readonly cmp: Comparator, readonly k: number) {
    super('last_k', inputType, fields);
    this.read = valueReader(inputType);
  }
  create(): LastKState { return { ts: [], v: [] }; }
  /** Negative if (ta, va) < (tb, vb). */
  private order(ta: number, va: Value, tb: number, vb: Value): number {
    return ta !== tb ? ta - tb : this.cmp(va, vb);
  }
  update(st: LastKState, v: Value, ts: number): void {
    if (skip(v)) return;
    const T = st.ts;
    const V = st.v;
    const n = T.length;
    // Full and not larger than the smallest kept pair: nothing changes.
    if (n === this.k && this.order(ts, v, T[0], V[0]) <= 0) return;
    let i = n;
    while (i > 0 && this.order(T[i - 1], V[i - 1], ts, v) > 0) i--;
    if (i === n) {
      T.push(ts); V.push(v);
    } else {
      T.push(T[n - 1]); V.push(V[n - 1]);
      for (let j = n - 1; j > i; j--) { T[j] = T[j - 1]; V[j] = V[j - 1]; }
      T[i] = ts; V[i] = v;
    }
    if (T.length > this.k) { T.shift(); V.shift(); }
  }
  mergeInto(t: LastKState, s: LastKState): void {
    const ns = s.ts.length;
    if (ns === 0) return;
    // Target full and the source's largest pair not larger than the target's smallest:
    // nothing changes (the common case when a window merges its newest tiles first).
    if (t.ts.length === this.k && this.order(s.ts[ns - 1], s.v[ns - 1], t.ts[0], t.v[0]) <= 0) return;
    if (t.ts.length === 0) {
      t.ts = s.ts.slice(); t.v = s.v.slice();
      return;
    }
    // Walk both ascending lists from their ends, taking the larger pair, k at most.
    const m = Math.min(this.k, t.ts.length + s.ts.length);
    const T: number[] = new Array(m);
    const V: Value[] = new Array(m);
    let a = t.ts.length - 1;
    let b = s.ts.length - 1;
    for (let o = m - 1; o >= 0; o--) {
      if (b < 0 || (a >= 0 && this.order(t.ts[a], t.v[a], s.ts[b], s.v[b]) >= 0)) {
        T[o] = t.ts[a]; V[o] = t.v[a]; a--;
      } else {
        T[o] = s.ts[b]; V[o] = s.v[b]; b--;
      }
    }
    t.ts = T; t.v = V;
  }
  clone(s: LastKState): LastKState { return { ts: s.ts.slice(), v: s.v.slice() }; }
  isEmpty(s: LastKState): boolean { return s.ts.length === 0; }
  finalize(s: LastKState): Value { return s.v.length === 0 ? null : s.v.slice().reverse(); }
  toFields(s: LastKState): unknown[] {
    return s.ts.length === 0 ? [null, null] : [s.ts.slice().reverse(), s.v.slice().reverse()];
  }
  fromFields(values: readonly unknown[]): LastKState {
    this.arity(values);
    const ts = readList(values[0]);
    const vs = readList(values[1]);
    if (ts.length !== vs.length) throw new Error(`palette: last_k state has ${ts.length} times and ${vs.length} values`);
    // Re-insert rather than trust the stored order and length: cheap for small k.
    const st = this.create();
    for (let i = 0; i < ts.length; i++) {
      const t = readNumber(ts[i]);
      if (t === null) throw new Error('palette: last_k state has a null time');
      this.update(st, this.read(vs[i]), t);
    }
    return st;
  }
}

// ---------------------------------------------------------------- count_distinct

/** The set of distinct non-null values (scalar inputs; numbers by value, -0 equals 0). */
interface DistinctState { set: Set<Value> }

class CountDistinct extends Base<DistinctState> {
  private readonly read: (x: unknown) => Value;
  constructor(inputType: PalType | null, fields: readonly StateField[], private readonly cmp: Comparator) {
    super('count_distinct', inputType, fields);
    this.read = valueReader(inputType);
  }
  create(): DistinctState { return { set: new Set() }; }
  update(st: DistinctState, v: Value): void {
    if (!skip(v)) st.set.add(v);
  }
  mergeInto(t: DistinctState, s: DistinctState): void {
    for (const v of s.set) t.set.add(v);
  }
  clone(s: DistinctState): DistinctState { return { set: new Set(s.set) }; }
  isEmpty(s: DistinctState): boolean { return s.set.size === 0; }
  finalize(s: DistinctState): Value { return s.set.size; }
  toFields(s: DistinctState): unknown[] {
    return [s.set.size === 0 ? null : Array.from(s.set).sort(this.cmp)];
  }
  fromFields(values: readonly unknown[]): DistinctState {
    this.arity(values);
    const st = this.create();
    for (const x of readList(values[0])) this.update(st, this.read(x));
    return st;
  }
}

