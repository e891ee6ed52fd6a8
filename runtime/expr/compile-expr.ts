/**
 * compileExpr: an IR expression (contracts/expr.ts), compiled once into nested closures.
 * Evaluating a row is a chain of closure calls: no tree walk, no switch on node kinds, no
 * allocation for arithmetic, comparisons and logic. The semantics are runtime/expr/README.md;
 * every engine must match them.
 *
 * The expression is assumed well typed (the compiler checked it): an unknown function, a
 * wrong number of arguments or an unsupported operand type is a bug and throws at compile
 * time, never per row.
 */
import type { BinaryExpr, CallExpr, DateTruncUnit, Expr } from '../contracts/expr.js';
import { DATE_TRUNC_UNITS } from '../contracts/expr.js';
import type { PalType, ScalarTypeName, Value } from '../contracts/types.js';
import { compareBooleans, compareCodePoints, compareValues } from '../aggregations/order.js';
import { castConverter, toStringConverter } from './casts.js';
import { codePointLength, roundHalfAway, substrCodePoints } from './scalar-functions.js';
import { DAY_MS, dateTrunc, dayOfWeek, floorDiv, hourOfDay, parseDate } from './time.js';

/** The row being processed: source event fields plus lets, by name. */
export type Row = Record<string, Value | undefined>;

export interface EvalContext {
  /** Finalized aggregation values of the group, by aggregation index. */
  readonly aggregates?: readonly Value[];
  /** Final values of other features, by the name the expression uses. */
  readonly features?: Readonly<Record<string, Value | undefined>>;
  /** The snapshot partition being read ('YYYY-MM-DD'), for snapshot_date(). */
  readonly snapshotDate?: string | null;
}

export type CompiledExpr = (row: Row, ctx?: EvalContext) => Value;

type Fn = (r: Row, c: EvalContext | undefined) => Value;

export function compileExpr(expr: Expr): CompiledExpr {
  return compile(expr);
}

/** NaN and ±Infinity become null; -0 stays (it prints and compares as 0). */
function fin(x: number): number | null {
  return x - x === 0 ? x : null;
}

function scalarName(t: PalType): ScalarTypeName | null {
  return t.kind === 'scalar' ? t.name : null;
}

function isNumericName(n: ScalarTypeName | null): boolean {
  return n === 'int' || n === 'long' || n === 'float' || n === 'double';
}

function isIntegralName(n: ScalarTypeName | null): boolean {
  return n === 'int' || n === 'long';
}

function bug(message: string): never {
  throw new Error(`palette: cannot compile expression: ${message}`);
}

function compile(e: Expr): Fn {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'column': {
      const name = e.name;
      const n = scalarName(e.type);
      if (n === 'float' || n === 'double') {
        return (r) => {
          const v = r[name];
          return v === undefined || v !== v ? null : v;
        };
      }
      return (r) => {
        const v = r[name];
        return v === undefined ? null : v;
      };
    }
    case 'aggregate': {
      const i = e.index;
      return (_r, c) => {
        const v = c?.aggregates?.[i];
        return v === undefined ? null : v;
      };
    }
    case 'feature': {
      const name = e.name;
      return (_r, c) => {
        const v = c?.features?.[name];
        return v === undefined ? null : v;
      };
    }
    case 'unary': {
      const f = compile(e.operand);
      if (e.op === 'not') {
        return (r, c) => {
          const v = f(r, c);
          return v === null ? null : !v;
        };
      }
      return (r, c) => {
        const v = f(r, c);
        return v === null ? null : 0 - (v as number);
      };
    }
    case 'binary':
      return compileBinary(e);
    case 'case': {
      const whens = e.branches.map((b) => compile(b.when));
      const thens = e.branches.map((b) => compile(b.then));
      const otherwise = e.else === null ? null : compile(e.else);
      const n = whens.length;
      return (r, c) => {
        for (let i = 0; i < n; i++) if (whens[i](r, c) === true) return thens[i](r, c);
        return otherwise === null ? null : otherwise(r, c);
      };
    }
    case 'cast': {
      const f = compile(e.operand);
      const conv = castConverter(e.operand.type, e.type);
      return (r, c) => {
        const v = f(r, c);
        return v === null ? null : conv(v);
      };
    }
    case 'call':
      return compileCall(e);
  }
}

// ------------------------------------------------------------------ binary operators

function compileBinary(e: BinaryExpr): Fn {
  const L = compile(e.left);
  const R = compile(e.right);
  switch (e.op) {
    case 'and':
      return (r, c) => {
        const a = L(r, c);
        if (a === false) return false;
        const b = R(r, c);
        if (b === false) return false;
        return a === null || b === null ? null : true;
      };
    case 'or':
      return (r, c) => {
        const a = L(r, c);
        if (a === true) return true;
        const b = R(r, c);
        if (b === true) return true;
        return a === null || b === null ? null : false;
      };
    case '+': case '-': case '*': case '/': case '%':
      return compileArithmetic(e.op, e.left.type, e.right.type, L, R);
    case '==': case '!=': case '<': case '<=': case '>': case '>=':
      return compileComparison(e.op, e.left.type, e.right.type, L, R);
  }
}

function compileArithmetic(op: '+' | '-' | '*' | '/' | '%', lt: PalType, rt: PalType, L: Fn, R: Fn): Fn {
  const ln = scalarName(lt);
  const rn = scalarName(rt);
  const ok = (n: ScalarTypeName | null) => isNumericName(n) || n === 'timestamp';
  if (!ok(ln) || !ok(rn)) bug(`operator ${op} on ${ln ?? 'list'} and ${rn ?? 'list'}`);
  switch (op) {
    case '+':
      return (r, c) => {
        const a = L(r, c);
        if (a === null) return null;
        const b = R(r, c);
        return b === null ? null : fin((a as number) + (b as number));
      };
    case '-':
      return (r, c) => {
        const a = L(r, c);
        if (a === null) return null;
        const b = R(r, c);
        return b === null ? null : fin((a as number) - (b as number));
      };
    case '*':
      return (r, c) => {
        const a = L(r, c);
        if (a === null) return null;
        const b = R(r, c);
        return b === null ? null : fin((a as number) * (b as number));
      };
    case '/':
      return (r, c) => {
        const a = L(r, c);
        if (a === null) return null;
        const b = R(r, c);
        return b === null || b === 0 ? null : fin((a as number) / (b as number));
      };
    case '%':
      return (r, c) => {
        const a = L(r, c);
        if (a === null) return null;
        const b = R(r, c);
        return b === null || b === 0 ? null : fin((a as number) % (b as number));
      };
  }
}

/** How two operands of static types compare: 'num', 'str', 'bool' or the generic order. */
type CmpKind = 'num' | 'str' | 'bool' | 'generic';

function comparisonKind(ln: ScalarTypeName | null, rn: ScalarTypeName | null): CmpKind {
  const num = (n: ScalarTypeName | null) => isNumericName(n) || n === 'timestamp';
  if (num(ln) && num(rn)) return 'num';
  if ((ln === 'string' || ln === 'date') && (rn === 'string' || rn === 'date')) return 'str';
  if (ln === 'boolean' && rn === 'boolean') return 'bool';
  return 'generic';
}

/** A date compared with a timestamp is read as midnight UTC of that date. */
function asTimestamp(f: Fn): Fn {
  return (r, c) => {
    const v = f(r, c);
    if (v === null) return null;
    const d = parseDate(v as string);
    return d === d ? d * DAY_MS : null;
  };
}

function compileComparison(op: '==' | '!=' | '<' | '<=' | '>' | '>=', lt: PalType, rt: PalType, L: Fn, R: Fn): Fn {
  let ln = scalarName(lt);
  let rn = scalarName(rt);
  if (ln === 'date' && rn === 'timestamp') { L = asTimestamp(L); ln = 'timestamp'; }
  if (rn === 'date' && ln === 'timestamp') { R = asTimestamp(R); rn = 'timestamp'; }
  const kind = comparisonKind(ln, rn);
  if (kind === 'num' || ((op === '==' || op === '!=') && (kind === 'str' || kind === 'bool'))) {
    // Numbers compare natively; equality of strings and booleans is identity.
    switch (op) {
      case '==': return (r, c) => { const a = L(r, c); if (a === null) return null; const b = R(r, c); return b === null ? null : a === b; };
      case '!=': return (r, c) => { const a = L(r, c); if (a === null) return null; const b = R(r, c); return b === null ? null : a !== b; };
      case '<': return (r, c) => { const a = L(r, c); if (a === null) return null; const b = R(r, c); return b === null ? null : (a as number) < (b as number); };
      case '<=': return (r, c) => { const a = L(r, c); if (a === null) return null; const b = R(r, c); return b === null ? null : (a as number) <= (b as number); };
      case '>': return (r, c) => { const a = L(r, c); if (a === null) return null; const b = R(r, c); return b === null ? null : (a as number) > (b as number); };
      case '>=': return (r, c) => { const a = L(r, c); if (a === null) return null; const b = R(r, c); return b === null ? null : (a as number) >= (b as number); };
    }
  }
  const cmp = kind === 'str' ? (a: Value, b: Value) => compareCodePoints(a as string, b as string)
    : kind === 'bool' ? compareBooleans : compareValues;
  const test = op === '==' ? (x: number) => x === 0 : op === '!=' ? (x: number) => x !== 0
    : op === '<' ? (x: number) => x < 0 : op === '<=' ? (x: number) => x <= 0
      : op === '>' ? (x: number) => x > 0 : (x: number) => x >= 0;
  return (r, c) => {
    const a = L(r, c);
    if (a === null) return null;
    const b = R(r, c);
    return b === null ? null : test(cmp(a, b));
  };
}

// ------------------------------------------------------------------ functions

function arity(e: CallExpr, min: number, max = min): void {
  if (e.args.length < min || e.args.length > max) {
    bug(`${e.fn} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${e.args.length}`);
  }
}

/** f(x) with null in, null out. */
function unaryNumeric(arg: Fn, f: (x: number) => Value): Fn {
  return (r, c) => {
    const v = arg(r, c);
    return v === null ? null : f(v as number);
  };
}

/** Day number of a timestamp (epoch ms) or date ('YYYY-MM-DD') of static type t. */
function dayNumberOf(t: PalType): (v: Value) => number {
  return scalarName(t) === 'date' ? (v) => parseDate(v as string) : (v) => floorDiv(v as number, DAY_MS);
}

/** Epoch ms of a timestamp, or midnight UTC of a date. */
function msOf(t: PalType): (v: Value) => number {
  return scalarName(t) === 'date' ? (v) => parseDate(v as string) * DAY_MS : (v) => v as number;
}

function compileCall(e: CallExpr): Fn {
  const args = e.args.map(compile);
  const [a0, a1, a2] = args;
  switch (e.fn) {
    case 'if':
      arity(e, 3);
      return (r, c) => (a0(r, c) === true ? a1(r, c) : a2(r, c));
    case 'coalesce': {
      arity(e, 1, Infinity);
      if (args.length === 2) {
        return (r, c) => {
          const v = a0(r, c);
          return v !== null ? v : a1(r, c);
        };
      }
      const n = args.length;
      return (r, c) => {
        for (let i = 0; i < n; i++) {
          const v = args[i](r, c);
          if (v !== null) return v;
        }
        return null;
      };
    }
    case 'nullif': {
      arity(e, 2);
      const eq = compileComparison('==', e.args[0].type, e.args[1].type, a0, a1);
      return (r, c) => {
        // SQL NULLIF: null only when a == b is true; a null b (unknown) keeps a.
        return eq(r, c) === true ? null : a0(r, c);
      };
    }
    case 'lower':
      arity(e, 1);
      return (r, c) => {
        const v = a0(r, c);
        return v === null ? null : (v as string).toLowerCase();
      };
    case 'upper':
      arity(e, 1);
      return (r, c) => {
        const v = a0(r, c);
        return v === null ? null : (v as string).toUpperCase();
      };
    case 'length':
      arity(e, 1);
      return (r, c) => {
        const v = a0(r, c);
        return v === null ? null : codePointLength(v as string);
      };
    case 'concat': {
      arity(e, 1, Infinity);
      const parts = e.args.map((a, i) => {
        const n = scalarName(a.type);
        if (n === null) bug('concat of a list');
        if (n === 'string' || n === 'date') return args[i];
        const conv = toStringConverter(n);
        const f = args[i];
        return (r: Row, c: EvalContext | undefined) => {
          const v = f(r, c);
          return v === null ? null : conv(v);
        };
      });
      if (parts.length === 2) {
        const [p0, p1] = parts;
        return (r, c) => {
          const x = p0(r, c);
          if (x === null) return null;
          const y = p1(r, c);
          return y === null ? null : (x as string) + (y as string);
        };
      }
      const n = parts.length;
      return (r, c) => {
        let out = '';
        for (let i = 0; i < n; i++) {
          const v = parts[i](r, c);
          if (v === null) return null;
          out += v as string;
        }
        return out;
      };
    }
    case 'substr':
      arity(e, 2, 3);
      if (args.length === 2) {
        return (r, c) => {
          const s = a0(r, c);
          if (s === null) return null;
          const start = a1(r, c);
          return start === null ? null : substrCodePoints(s as string, start as number, null);
        };
      }
      return (r, c) => {
        const s = a0(r, c);
        if (s === null) return null;
        const start = a1(r, c);
        if (start === null) return null;
        const len = a2(r, c);
        return len === null ? null : substrCodePoints(s as string, start as number, len as number);
      };
    case 'abs':
      arity(e, 1);
      return unaryNumeric(a0, (x) => Math.abs(x));
    case 'round':
      arity(e, 1, 2);
      if (args.length === 1) {
        if (isIntegralName(scalarName(e.args[0].type))) return a0;
        return unaryNumeric(a0, (x) => roundHalfAway(x, 0));
      }
      return (r, c) => {
        const x = a0(r, c);
        if (x === null) return null;
        const d = a1(r, c);
        return d === null ? null : roundHalfAway(x as number, Math.trunc(d as number));
      };
    case 'floor':
      arity(e, 1);
      if (isIntegralName(scalarName(e.args[0].type))) return a0;
      return unaryNumeric(a0, (x) => fin(Math.floor(x) + 0));
    case 'ceil':
      arity(e, 1);
      if (isIntegralName(scalarName(e.args[0].type))) return a0;
      return unaryNumeric(a0, (x) => fin(Math.ceil(x) + 0));
    case 'log':
      arity(e, 1);
      return unaryNumeric(a0, (x) => (x > 0 ? fin(Math.log(x)) : null));
    case 'exp':
      arity(e, 1);
      return unaryNumeric(a0, (x) => fin(Math.exp(x)));
    case 'sqrt':
      arity(e, 1);
      return unaryNumeric(a0, (x) => (x >= 0 ? fin(Math.sqrt(x)) : null));
    case 'pow':
      arity(e, 2);
      return (r, c) => {
        const x = a0(r, c);
        if (x === null) return null;
        const y = a1(r, c);
        return y === null ? null : fin(Math.pow(x as number, y as number));
      };
    case 'hour_of_day': {
      arity(e, 1);
      if (scalarName(e.args[0].type) === 'date') return (r, c) => (a0(r, c) === null ? null : 0);
      return unaryNumeric(a0, hourOfDay);
    }
    case 'day_of_week': {
      arity(e, 1);
      const day = dayNumberOf(e.args[0].type);
      return (r, c) => {
        const v = a0(r, c);
        if (v === null) return null;
        const d = day(v);
        return d === d ? dayOfWeek(d) : null;
      };
    }
    case 'date_trunc': {
      arity(e, 2);
      const ms = msOf(e.args[1].type);
      const unitArg = e.args[0];
      if (unitArg.kind === 'literal' && unitArg.value === null) return () => null;
      if (unitArg.kind === 'literal') {
        const unit = checkUnit(unitArg.value);
        if (unit === null) bug(`date_trunc unit ${JSON.stringify(unitArg.value)}`);
        return (r, c) => {
          const v = a1(r, c);
          if (v === null) return null;
          const t = ms(v);
          return t === t ? dateTrunc(unit, t) : null;
        };
      }
      return (r, c) => {
        const unit = checkUnit(a0(r, c));
        if (unit === null) return null;
        const v = a1(r, c);
        if (v === null) return null;
        const t = ms(v);
        return t === t ? dateTrunc(unit, t) : null;
      };
    }
    case 'days_between': {
      arity(e, 2);
      const da = dayNumberOf(e.args[0].type);
      const db = dayNumberOf(e.args[1].type);
      return (r, c) => {
        const a = a0(r, c);
        if (a === null) return null;
        const b = a1(r, c);
        if (b === null) return null;
        return fin(db(b) - da(a));
      };
    }
    case 'snapshot_date':
      arity(e, 0);
      return (_r, c) => c?.snapshotDate ?? null;
    default:
      return bug(`unknown function ${(e as CallExpr).fn}`);
  }
}

function checkUnit(v: Value): DateTruncUnit | null {
  if (typeof v !== 'string') return null;
  const u = v.toLowerCase();
  return (DATE_TRUNC_UNITS as readonly string[]).includes(u) ? (u as DateTruncUnit) : null;
}
