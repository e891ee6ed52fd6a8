/**
 * Type-checks AST expressions into typed IR expressions. One checker for three contexts:
 *  - row:     source columns and lets (where, let, key, snapshot features);
 *  - feature: a windowed group's features: aggregations over row expressions, other features;
 *  - model:   a model's expressions over qualified features.
 * Returns null for an expression that has an error; the error is reported once, at its
 * origin, and callers stay silent about a null (no cascades).
 */
import type * as ast from '../../dsl/ast.js';
import { type DiagnosticBag, didYouMean } from '../../dsl/diagnostics.js';
import {
  type AggFn, type BinaryOp, DATE_TRUNC_UNITS, DAY_MS, type Expr, type PalType, type Window,
  defaultHopMs, isNumeric, scalar, typeToString, widerNumeric,
} from '../../runtime/contracts/index.js';
import { formatDuration } from '../ir/printer.js';
import { FUNCTIONS, NULL_AWARE_FUNCTIONS, aggregationType, commonType, isAggregation } from './functions.js';
import { resolveType } from './types.js';

export interface AggregationRequest {
  readonly fn: AggFn;
  readonly input: Expr | null;
  readonly k: number | null;
  readonly window: Window;
  readonly resultType: PalType;
}

export interface ExprContext {
  readonly mode: 'row' | 'feature' | 'model';
  /** Row columns visible (row mode, and inside aggregations in feature mode). */
  readonly columns: ReadonlyMap<string, PalType>;
  /** The local name of the group's source, so `trips.fare` means the column `fare`. */
  readonly sourceName: string | null;
  /** `snapshot_date()` is allowed (snapshot groups). */
  readonly snapshot: boolean;
  /** Resolve a feature reference; undefined if the name is not a feature, null if it is but has an error. */
  readonly feature?: (ref: ast.RefExpr) => { name: string; type: PalType } | null | undefined;
  /** Names of the group's features, for "did you mean" hints. */
  readonly featureNames?: readonly string[];
  /** Register an aggregation (feature mode); returns its index. */
  readonly aggregation?: (req: AggregationRequest, span: ast.CallExpr['span']) => number;
  /** Describes the context for messages: "a row filter", "a `let`", ... */
  readonly where: string;
}

const NULL_TYPE: PalType = scalar('string', true);
const BOOL = scalar('boolean');

export class ExprChecker {
  constructor(private readonly diags: DiagnosticBag) {}

  check(e: ast.Expr, ctx: ExprContext): Expr | null {
    switch (e.kind) {
      case 'error':
        return null;
      case 'literal':
        return this.literal(e);
      case 'ref':
        return this.ref(e, ctx);
      case 'unary':
        return this.unary(e, ctx);
      case 'binary':
        return this.binary(e, ctx);
      case 'case':
        return this.caseExpr(e, ctx);
      case 'cast':
        return this.cast(e, ctx);
      case 'call':
        return this.call(e, ctx);
    }
  }

  private literal(e: ast.LiteralExpr): Expr | null {
    switch (e.literalKind) {
      case 'int': {
        const v = e.value as number;
        if (!Number.isSafeInteger(v)) {
          this.diags.error('invalid-number', e.span, `${String(v)} is too large for an integer literal (limit ${Number.MAX_SAFE_INTEGER})`);
          return null;
        }
        return { kind: 'literal', type: scalar(Math.abs(v) > 2147483647 ? 'long' : 'int'), value: v };
      }
      case 'float':
        return { kind: 'literal', type: scalar('double'), value: e.value as number };
      case 'string':
        return { kind: 'literal', type: scalar('string'), value: e.value as string };
      case 'bool':
        return { kind: 'literal', type: BOOL, value: e.value as boolean };
      case 'null':
        return { kind: 'literal', type: NULL_TYPE, value: null };
    }
  }

  private ref(e: ast.RefExpr, ctx: ExprContext): Expr | null {
    const parts = e.parts.map((p) => p.text);
    if (parts.length === 0) return null;
    let colName: string | null = null;
    if (parts.length === 1) colName = parts[0];
    else if (parts.length === 2 && ctx.sourceName === parts[0]) colName = parts[1];
    const colType = colName !== null ? ctx.columns.get(colName) : undefined;
    if (ctx.mode === 'row' && colType && colName !== null) return { kind: 'column', name: colName, type: colType };
    if (ctx.feature) {
      const f = ctx.feature(e);
      if (f === null) return null;
      if (f) return { kind: 'feature', name: f.name, type: f.type };
    }
    if (ctx.mode === 'model') {
      this.diags.error('unknown-feature', e.span, `no feature called \`${parts.join('.')}\``,
        'refer to features as `group.feature` (or `namespace.group.feature`)');
      return null;
    }
    if (ctx.mode === 'feature' && colType && colName !== null) {
      this.diags.error('column-outside-aggregation', e.span,
        `\`${parts.join('.')}\` is a column of the source; a feature of a windowed group must aggregate it`,
        `wrap it in an aggregation, e.g. \`last(${colName}) over 1d\` or \`avg(${colName}) over 7d\``);
      return null;
    }
    const feature = ctx.mode === 'feature';
    const candidates = feature ? [...(ctx.featureNames ?? [])] : [...ctx.columns.keys(), ...(ctx.featureNames ?? [])];
    this.diags.error(feature ? 'unknown-feature' : 'unknown-column', e.span,
      `no ${feature ? 'feature of this group' : 'column'} called \`${parts.join('.')}\`${ctx.sourceName && !feature ? ` in \`${ctx.sourceName}\`` : ''}`,
      didYouMean(parts[parts.length - 1], candidates));
    return null;
  }

  private unary(e: ast.UnaryExpr, ctx: ExprContext): Expr | null {
    const operand = this.check(e.operand, ctx);
    if (!operand) return null;
    if (e.op === '-') {
      if (!isNumeric(operand.type)) {
        this.diags.error('type-mismatch', e.span, `\`-\` needs a number, got ${typeToString(operand.type)}`);
        return null;
      }
      return { kind: 'unary', op: '-', operand, type: operand.type };
    }
    if (!isBool(operand.type)) {
      this.diags.error('type-mismatch', e.span, `\`not\` needs a boolean, got ${typeToString(operand.type)}`);
      return null;
    }
    return { kind: 'unary', op: 'not', operand, type: operand.type };
  }

  private binary(e: ast.BinaryExpr, ctx: ExprContext): Expr | null {
    const l = this.check(e.left, ctx);
    const r = this.check(e.right, ctx);
    if (!l || !r) return null;
    const nullable = l.type.nullable || r.type.nullable;
    const op = e.op as BinaryOp;
    const fail = (msg: string, ...hints: string[]) => {
      this.diags.error('type-mismatch', e.opSpan, msg, ...hints);
      return null;
    };
    const lt = typeToString(l.type);
    const rt = typeToString(r.type);
    switch (op) {
      case '+': case '-': case '*': case '%': {
        if (!isNumeric(l.type) || !isNumeric(r.type)) {
          const hint = op === '+' && (isString(l.type) || isString(r.type)) ? 'join strings with `concat(a, b)`' : '';
          return fail(`\`${op}\` needs numbers, got ${lt} and ${rt}`, hint);
        }
        const name = widerNumeric(sname(l.type), sname(r.type));
        return { kind: 'binary', op, left: l, right: r, type: scalar(name, nullable || op === '%') };
      }
      case '/':
        if (!isNumeric(l.type) || !isNumeric(r.type)) return fail(`\`/\` needs numbers, got ${lt} and ${rt}`);
        return { kind: 'binary', op, left: l, right: r, type: scalar('double', true) };
      case '==': case '!=': {
        const [a, b] = unifyNull(l, r);
        if (!isNullLiteral(l) && !isNullLiteral(r) && !commonType(a.type, b.type)) return fail(`cannot compare ${lt} with ${rt}`);
        return { kind: 'binary', op, left: a, right: b, type: scalar('boolean', nullable) };
      }
      case '<': case '<=': case '>': case '>=': {
        const [a, b] = unifyNull(l, r);
        const ok = (isNumeric(a.type) && isNumeric(b.type)) ||
          (a.type.kind === 'scalar' && b.type.kind === 'scalar' && a.type.name === b.type.name && a.type.name !== 'boolean');
        if (!ok) return fail(`cannot order ${lt} against ${rt}`, isString(l.type) !== isString(r.type) ? 'compare values of the same type; use cast(x as T)' : '');
        return { kind: 'binary', op, left: a, right: b, type: scalar('boolean', nullable) };
      }
      case 'and': case 'or':
        if (!isBool(l.type) || !isBool(r.type)) return fail(`\`${op}\` needs booleans, got ${lt} and ${rt}`);
        return { kind: 'binary', op, left: l, right: r, type: scalar('boolean', nullable) };
    }
  }

  private caseExpr(e: ast.CaseExpr, ctx: ExprContext): Expr | null {
    let ok = true;
    const branches: { when: Expr; then: Expr }[] = [];
    for (const b of e.branches) {
      const when = this.check(b.when, ctx);
      const then = this.check(b.then, ctx);
      if (when && !isBool(when.type)) {
        this.diags.error('type-mismatch', b.when.span, `a \`when\` condition must be a boolean, got ${typeToString(when.type)}`);
        ok = false;
      }
      if (!when || !then) ok = false;
      else branches.push({ when, then });
    }
    const elseExpr = e.else ? this.check(e.else, ctx) : null;
    if (e.else && !elseExpr) ok = false;
    if (!ok || branches.length === 0) return null;
    const values = [...branches.map((b) => b.then), ...(elseExpr ? [elseExpr] : [])];
    const unified = this.unifyAll(values, e.branches.map((b) => b.then.span).concat(e.else ? [e.else.span] : []), '`case` branches');
    if (!unified) return null;
    const type = { ...unified.type, nullable: unified.type.nullable || !elseExpr };
    return {
      kind: 'case',
      branches: branches.map((b, i) => ({ when: b.when, then: unified.exprs[i] })),
      else: elseExpr ? unified.exprs[branches.length] : null,
      type,
    };
  }

  private cast(e: ast.CastExpr, ctx: ExprContext): Expr | null {
    const operand = this.check(e.operand, ctx);
    const to = resolveType(e.to, this.diags);
    if (!operand || !to) return null;
    if (to.kind !== 'scalar' || operand.type.kind !== 'scalar') {
      this.diags.error('invalid-cast', e.span, `cannot cast ${typeToString(operand.type)} to ${typeToString(to)}: casts are between scalar types`);
      return null;
    }
    if (to.nullable) {
      this.diags.error('invalid-cast', e.to.span, 'cast to a non-null type name (the result is nullable when the input is)');
      return null;
    }
    const from = operand.type.name;
    const allowed: Record<string, string[]> = {
      string: ['string', 'int', 'long', 'float', 'double', 'boolean', 'timestamp', 'date'],
      int: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      long: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      float: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      double: ['string', 'int', 'long', 'float', 'double', 'boolean'],
      boolean: ['string', 'boolean', 'int', 'long'],
      timestamp: ['string', 'timestamp', 'date'],
      date: ['string', 'date', 'timestamp'],
    };
    if (!allowed[from]?.includes(to.name)) {
      this.diags.error('invalid-cast', e.span, `cannot cast ${from} to ${to.name}`);
      return null;
    }
    const canFail = (from === 'string' && to.name !== 'string') ||
      ((from === 'float' || from === 'double' || from === 'long') && (to.name === 'int' || to.name === 'long'));
    return { kind: 'cast', operand, type: scalar(to.name, operand.type.nullable || canFail) };
  }

  private call(e: ast.CallExpr, ctx: ExprContext): Expr | null {
    const name = e.callee.text;
    if (isAggregation(name)) return this.aggregationCall(e, name, ctx);
    const sig = FUNCTIONS.get(name);
    if (!sig) {
      const hint = didYouMean(name, [...FUNCTIONS.keys(), ...(ctx.mode === 'feature' ? AGG_NAMES : [])]);
      // The arguments are not checked: their context (row or aggregation) is unknown, and
      // guessing would report errors that are only consequences of this one.
      this.diags.error('unknown-function', e.callee.span, `no function called \`${name}\``, hint);
      return null;
    }
    if (e.window) {
      this.diags.error('window-on-scalar-function', e.window.span, `\`${name}\` is not an aggregation, so it cannot have a window`, 'windows belong to aggregations such as `sum(x) over 7d`');
    }
    if (name === 'snapshot_date' && !ctx.snapshot) {
      this.diags.error('snapshot-date-outside-snapshot', e.span, '`snapshot_date()` is only defined in groups over a snapshot source');
      return null;
    }
    if (e.args.length < sig.minArgs || e.args.length > sig.maxArgs) {
      this.diags.error('argument-count', e.span,
        `\`${name}\` takes ${sig.minArgs === sig.maxArgs ? sig.minArgs : `${sig.minArgs} to ${sig.maxArgs}`} argument${sig.maxArgs === 1 ? '' : 's'}, got ${e.args.length}`,
        `usage: ${sig.usage}`);
      for (const a of e.args) this.check(a, ctx);
      return null;
    }
    let args = e.args.map((a) => this.check(a, ctx));
    if (args.some((a) => a === null)) return null;
    let checked = args as Expr[];
    if (name === 'if') {
      const [a, b] = unifyNull(checked[1], checked[2]);
      checked = [checked[0], a, b];
    } else if (name === 'coalesce' || name === 'nullif') {
      const target = checked.find((x) => !isNullLiteral(x));
      if (target) checked = checked.map((x) => (isNullLiteral(x) ? retypeNull(x, target.type) : x));
    }
    if (name === 'date_trunc') {
      const unit = checked[0];
      if (unit.kind !== 'literal' || typeof unit.value !== 'string' || !(DATE_TRUNC_UNITS as readonly string[]).includes(unit.value)) {
        this.diags.error('invalid-argument', e.args[0].span, '`date_trunc` needs a unit as a string literal: "minute", "hour", "day", "week", "month" or "year"');
        return null;
      }
    }
    const t = sig.type(checked.map((a) => a.type));
    if ('arg' in t) {
      this.diags.error('argument-type', e.args[t.arg]?.span ?? e.span, `\`${name}\` ${t.message}`, `usage: ${sig.usage}`);
      return null;
    }
    args = checked;
    let nullable = checked.some((a) => a.type.nullable);
    if (NULL_AWARE_FUNCTIONS.has(sig.name)) {
      if (name === 'coalesce') nullable = checked.every((a) => a.type.nullable);
      else if (name === 'nullif') nullable = true;
      else if (name === 'if') nullable = checked[1].type.nullable || checked[2].type.nullable;
    }
    if (['log', 'sqrt', 'pow', 'exp'].includes(name)) nullable = true;
    return { kind: 'call', fn: sig.name, args: checked, type: { ...t, nullable } };
  }

  private aggregationCall(e: ast.CallExpr, fn: AggFn, ctx: ExprContext): Expr | null {
    if (ctx.mode !== 'feature' || !ctx.aggregation) {
      const code = ctx.mode === 'model' ? 'aggregation-in-model' : ctx.snapshot ? 'aggregation-over-snapshot' : 'aggregation-in-row-expression';
      const msg = ctx.mode === 'model'
        ? `a model cannot aggregate; \`${fn}\` belongs in a group`
        : ctx.snapshot
          ? `\`${fn}\` aggregates events over a window, but this group reads a snapshot source`
          : `\`${fn}\` is an aggregation and cannot appear in ${ctx.where}`;
      this.diags.error(code, e.callee.span, msg,
        ctx.snapshot ? 'aggregate events in a group over an `events` source; snapshot features are row expressions' : undefined);
      return null;
    }
    // Arguments are row expressions over the source: no aggregation inside.
    const rowCtx: ExprContext = { ...ctx, mode: 'row', where: `the argument of \`${fn}\``, aggregation: undefined, feature: undefined, featureNames: undefined };
    let input: Expr | null = null;
    let k: number | null = null;
    const expected = fn === 'count' ? [0, 1] : fn === 'last_k' ? [2, 2] : [1, 1];
    if (e.args.length < expected[0] || e.args.length > expected[1]) {
      const usage = fn === 'count' ? '`count()` counts rows, `count(x)` counts non-null x' : fn === 'last_k' ? 'usage: last_k(value, k)' : `usage: ${fn}(value) over 7d`;
      this.diags.error('argument-count', e.span, `\`${fn}\` takes ${expected[0] === expected[1] ? expected[0] : `${expected[0]} or ${expected[1]}`} argument${expected[1] === 1 ? '' : 's'}, got ${e.args.length}`, usage);
      return null;
    }
    if (e.args.length >= 1) {
      input = this.checkAggArg(e.args[0], rowCtx, fn);
      if (!input) return null;
    }
    if (fn === 'last_k') {
      const ka = e.args[1];
      if (ka.kind !== 'literal' || ka.literalKind !== 'int' || (ka.value as number) < 1 || (ka.value as number) > 1000) {
        this.diags.error('invalid-argument', ka.span, '`last_k` needs k as an integer literal between 1 and 1000');
        return null;
      }
      k = ka.value as number;
    }
    const resultType = aggregationType(fn, input ? input.type : null);
    if (typeof resultType === 'string') {
      const argText = e.args[0]?.kind === 'ref' ? ` \`${e.args[0].parts.map((p) => p.text).join('.')}\` is ${input ? typeToString(input.type) : ''}` : '';
      this.diags.error('argument-type', e.args[0]?.span ?? e.span, `${resultType}`, argText ? `${argText.trim()}` : undefined);
      return null;
    }
    if (!e.window) {
      this.diags.error('aggregation-needs-window', e.span, `\`${fn}\` needs a window`, `add one, e.g. \`${fn}(${fn === 'count' && !input ? '' : '...'}) over 7d\`, or \`over all\` for the lifetime`);
      return null;
    }
    const window = this.window(e.window);
    if (!window) return null;
    const index = ctx.aggregation({ fn, input, k, window, resultType }, e.span);
    return { kind: 'aggregate', index, type: resultType };
  }

  private checkAggArg(arg: ast.Expr, ctx: ExprContext, fn: AggFn): Expr | null {
    if (containsAggregation(arg)) {
      this.diags.error('nested-aggregation', arg.span, `the argument of \`${fn}\` cannot contain another aggregation`);
      return null;
    }
    return this.check(arg, ctx);
  }

  private window(w: ast.WindowClause): Window | null {
    let hopMs: number;
    if ('all' in w.size) {
      hopMs = w.every ? w.every.ms : DAY_MS;
      if (w.every && w.every.ms <= 0) {
        this.diags.error('hop-not-positive', w.every.span, 'the hop (`every`) must be longer than zero');
        return null;
      }
      return { kind: 'lifetime', hopMs };
    }
    const size = w.size;
    if (size.ms <= 0) {
      this.diags.error('window-not-positive', size.span, 'a window must be longer than zero');
      return null;
    }
    hopMs = w.every ? w.every.ms : defaultHopMs(size.ms);
    if (w.every) {
      if (w.every.ms <= 0) {
        this.diags.error('hop-not-positive', w.every.span, 'the hop (`every`) must be longer than zero');
        return null;
      }
      if (w.every.ms > size.ms) {
        this.diags.error('hop-larger-than-window', w.every.span, `the hop ${w.every.text} is longer than the window ${size.text}`, 'use a hop no longer than the window, e.g. `every 1h`');
        return null;
      }
      if (size.ms % w.every.ms !== 0) {
        this.diags.error('hop-not-dividing-window', w.every.span, `the hop ${w.every.text} does not divide the window ${size.text} evenly`,
          `pick a hop that divides ${size.text}, e.g. \`every ${formatDuration(largestDivisorHop(size.ms, w.every.ms))}\``);
        return null;
      }
    } else if (size.ms % hopMs !== 0) {
      this.diags.error('hop-not-dividing-window', size.span, `the default hop ${formatDuration(hopMs)} does not divide the window ${size.text}`,
        `set a hop explicitly, e.g. \`over ${size.text} every ${formatDuration(largestDivisorHop(size.ms, hopMs))}\``);
      return null;
    }
    return { kind: 'sliding', sizeMs: size.ms, hopMs };
  }

  /** Unify the types of several values (numbers widen; null literals take the others' type). */
  private unifyAll(values: Expr[], spans: ast.Expr['span'][], what: string): { exprs: Expr[]; type: PalType } | null {
    const typed = values.filter((v) => !isNullLiteral(v));
    if (typed.length === 0) return { exprs: values, type: NULL_TYPE };
    let t: PalType = typed[0].type;
    for (let i = 0; i < values.length; i++) {
      if (isNullLiteral(values[i])) continue;
      const n = commonType(t, values[i].type);
      if (!n) {
        this.diags.error('type-mismatch', spans[i], `${what} must have one type: ${typeToString(t)} and ${typeToString(values[i].type)} differ`);
        return null;
      }
      t = n;
    }
    const anyNull = values.some(isNullLiteral);
    const type = anyNull ? { ...t, nullable: true } : t;
    return { exprs: values.map((v) => (isNullLiteral(v) ? retypeNull(v, type) : v)), type };
  }
}

const AGG_NAMES = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'last_k', 'count_distinct', 'stddev', 'variance'];

export function containsAggregation(e: ast.Expr): boolean {
  switch (e.kind) {
    case 'call':
      return isAggregation(e.callee.text) || e.args.some(containsAggregation);
    case 'binary':
      return containsAggregation(e.left) || containsAggregation(e.right);
    case 'unary':
      return containsAggregation(e.operand);
    case 'case':
      return e.branches.some((b) => containsAggregation(b.when) || containsAggregation(b.then)) || (e.else ? containsAggregation(e.else) : false);
    case 'cast':
      return containsAggregation(e.operand);
    default:
      return false;
  }
}

function largestDivisorHop(size: number, hop: number): number {
  const units = [DAY_MS, 3_600_000, 60_000, 1000];
  for (const u of units) {
    if (u > hop) continue;
    for (let h = Math.floor(hop / u) * u; h >= u; h -= u) if (size % h === 0) return h;
  }
  return 1000;
}

function isNullLiteral(e: Expr): boolean {
  return e.kind === 'literal' && e.value === null;
}

function retypeNull(e: Expr, t: PalType): Expr {
  return { kind: 'literal', value: null, type: { ...t, nullable: true } };
}

function unifyNull(a: Expr, b: Expr): [Expr, Expr] {
  if (isNullLiteral(a) && !isNullLiteral(b)) return [retypeNull(a, b.type), b];
  if (isNullLiteral(b) && !isNullLiteral(a)) return [a, retypeNull(b, a.type)];
  return [a, b];
}

function isBool(t: PalType): boolean {
  return t.kind === 'scalar' && t.name === 'boolean';
}

function isString(t: PalType): boolean {
  return t.kind === 'scalar' && t.name === 'string';
}

function sname(t: PalType) {
  return t.kind === 'scalar' ? t.name : 'double';
}
