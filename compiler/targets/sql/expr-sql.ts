/**
 * IR expressions to SQL, with exactly the meaning of runtime/expr/README.md (the
 * conformance suite checks every operator, function and cast against the TS evaluator).
 * Values are in the representation of dialect.ts: integral types as BIGINT, float types as
 * DOUBLE, timestamps as TIMESTAMP, dates as DATE.
 *
 * Where the engine's native meaning differs from the contract, the printer says so in SQL:
 * `/` and `%` by zero are null, float results that are NaN or infinite are null, `substr`
 * never counts from the end and a null start or length gives null, `round` rounds
 * the shortest decimal form half away from zero, casts follow the README's table.
 */
import type { BinaryExpr, CallExpr, Expr, PalType, ScalarTypeName } from '../../../runtime/contracts/index.js';
import { DATE_TRUNC_UNITS } from '../../../runtime/contracts/index.js';
import type { SqlDialect } from './dialect.js';

/** How names in an expression are read: every reference is resolved by the caller. */
export interface ExprScope {
  /** A source column or a group `let`, by name. */
  column(name: string): string;
  /** The finalized value of aggregation `index` of the group. */
  aggregate?(index: number): string;
  /** Another feature's value (local name in a group, qualified name in a model). */
  feature?(name: string): string;
  /** snapshot_date(): the DATE of the snapshot partition being read. */
  snapshotDate?(): string;
}

function sname(t: PalType): ScalarTypeName | null {
  return t.kind === 'scalar' ? t.name : null;
}

const INTEGRAL = new Set<ScalarTypeName | null>(['int', 'long']);
const FLOATING = new Set<ScalarTypeName | null>(['float', 'double']);

function bug(message: string): never {
  throw new Error(`palette: cannot print expression as SQL: ${message}`);
}

export class ExprPrinter {
  constructor(readonly d: SqlDialect, readonly scope: ExprScope) {}

  print(e: Expr): string {
    switch (e.kind) {
      case 'literal':
        return this.literal(e.value, e.type);
      case 'column':
        return this.scope.column(e.name);
      case 'aggregate':
        if (!this.scope.aggregate) bug(`aggregate @${e.index} outside a feature`);
        return this.scope.aggregate(e.index);
      case 'feature':
        if (!this.scope.feature) bug(`feature ${e.name} outside a group or model`);
        return this.scope.feature(e.name);
      case 'unary':
        return e.op === 'not' ? `(NOT ${this.print(e.operand)})` : `(-${this.numeric(e.operand)})`;
      case 'binary':
        return this.binary(e);
      case 'case': {
        const branches = e.branches.map((b) => `WHEN ${this.print(b.when)} THEN ${this.print(b.then)}`).join(' ');
        return `CASE ${branches}${e.else ? ` ELSE ${this.print(e.else)}` : ''} END`;
      }
      case 'cast':
        return this.castSql(this.print(e.operand), e.operand.type, e.type);
      case 'call':
        return this.call(e);
    }
  }

  literal(value: string | number | boolean | null, type: PalType): string {
    if (value === null) return `CAST(NULL AS ${this.d.computeType(type)})`;
    const n = sname(type);
    switch (n) {
      case 'string': return this.d.string(String(value));
      case 'int': case 'long': return this.d.integer(Number(value));
      case 'float': case 'double': return this.d.double(Number(value));
      case 'boolean': return this.d.boolean(Boolean(value));
      case 'timestamp': return this.d.timestamp(Number(value));
      case 'date': return this.d.date(String(value));
      default: return bug(`a list literal`);
    }
  }

  /** An operand of arithmetic: timestamps take part as epoch ms (the runtime's numbers). */
  private numeric(e: Expr): string {
    const sql = this.print(e);
    return sname(e.type) === 'timestamp' ? this.d.epochMs(sql) : sql;
  }

  private finite(sql: string): string {
    return this.d.helper('finite', [sql]);
  }

  private binary(e: BinaryExpr): string {
    const op = e.op;
    if (op === 'and' || op === 'or') return `(${this.print(e.left)} ${op.toUpperCase()} ${this.print(e.right)})`;
    const ln = sname(e.left.type);
    const rn = sname(e.right.type);
    if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') {
      const a = this.numeric(e.left);
      const b = this.numeric(e.right);
      const floating = FLOATING.has(ln) || FLOATING.has(rn);
      const dbl = (sql: string, n: ScalarTypeName | null) => (FLOATING.has(n) ? sql : this.d.cast(sql, 'DOUBLE'));
      switch (op) {
        case '/':
          return this.finite(`${dbl(a, ln)} / NULLIF(${dbl(b, rn)}, 0)`);
        case '%':
          return floating
            ? this.finite(`${dbl(a, ln)} % NULLIF(${dbl(b, rn)}, 0)`)
            : `(${a} % NULLIF(${b}, 0))`;
        default:
          return floating ? this.finite(`${a} ${op} ${b}`) : `(${a} ${op} ${b})`;
      }
    }
    // Comparisons: a date against a timestamp is midnight UTC of that date.
    let a = this.print(e.left);
    let b = this.print(e.right);
    if (ln === 'date' && rn === 'timestamp') a = this.d.cast(a, 'TIMESTAMP');
    if (rn === 'date' && ln === 'timestamp') b = this.d.cast(b, 'TIMESTAMP');
    const sqlOp = op === '==' ? '=' : op === '!=' ? '<>' : op;
    return `(${a} ${sqlOp} ${b})`;
  }

  private call(e: CallExpr): string {
    const d = this.d;
    const args = e.args.map((a) => this.print(a));
    const t0 = e.args[0] ? sname(e.args[0].type) : null;
    const arity = (min: number, max = min) => {
      if (args.length < min || args.length > max) bug(`${e.fn} with ${args.length} arguments`);
    };
    switch (e.fn) {
      case 'if':
        arity(3);
        return `CASE WHEN ${args[0]} THEN ${args[1]} ELSE ${args[2]} END`;
      case 'coalesce':
        arity(1, Infinity);
        return args.length === 1 ? args[0] : `COALESCE(${args.join(', ')})`;
      case 'nullif': {
        arity(2);
        // SQL's NULLIF: null only when a == b is true (a date equals a timestamp at its midnight).
        const eq: BinaryExpr = { kind: 'binary', op: '==', left: e.args[0], right: e.args[1], type: { kind: 'scalar', name: 'boolean', nullable: true } };
        return `CASE WHEN ${this.binary(eq)} THEN NULL ELSE ${args[0]} END`;
      }
      case 'lower':
        arity(1);
        return `lower(${args[0]})`;
      case 'upper':
        arity(1);
        return d.upper(args[0]);
      case 'length':
        arity(1);
        return `length(${args[0]})`;
      case 'concat': {
        arity(1, Infinity);
        const parts = e.args.map((a, i) => (sname(a.type) === 'string' ? args[i] : this.castSql(args[i], a.type, { kind: 'scalar', name: 'string', nullable: true })));
        return parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
      }
      case 'substr':
        arity(2, 3);
        // Not greatest(): it skips nulls, and a null start or length must give null.
        return args.length === 2
          ? `substring(${args[0]}, CASE WHEN ${args[1]} < 1 THEN 1 ELSE ${args[1]} END)`
          : `substring(${args[0]}, CASE WHEN ${args[1]} < 1 THEN 1 ELSE ${args[1]} END, CASE WHEN ${args[2]} < 0 THEN 0 ELSE ${args[2]} END)`;
      case 'abs':
        arity(1);
        return `abs(${args[0]})`;
      case 'round':
        arity(1, 2);
        if (INTEGRAL.has(t0)) {
          if (args.length === 1) return args[0];
          return `CAST(${d.helper('round', [d.cast(args[0], 'DOUBLE'), args[1]])} AS BIGINT)`;
        }
        return args.length === 1 ? `round(${args[0]})` : d.helper('round', [args[0], args[1]]);
      case 'floor':
      case 'ceil':
        arity(1);
        return INTEGRAL.has(t0) ? args[0] : `${e.fn}(${args[0]})`;
      case 'log':
        arity(1);
        return this.finite(`CASE WHEN ${args[0]} > 0 THEN ln(${args[0]}) END`);
      case 'exp':
        arity(1);
        return this.finite(`exp(${args[0]})`);
      case 'sqrt':
        arity(1);
        return this.finite(`CASE WHEN ${args[0]} >= 0 THEN sqrt(${args[0]}) END`);
      case 'pow':
        arity(2);
        return this.finite(`pow(${d.cast(args[0], 'DOUBLE')}, ${d.cast(args[1], 'DOUBLE')})`);
      case 'hour_of_day':
        arity(1);
        return t0 === 'date' ? `CASE WHEN ${args[0]} IS NOT NULL THEN 0 END` : d.hourOfDay(args[0]);
      case 'day_of_week':
        arity(1);
        return d.isoDayOfWeek(args[0]);
      case 'date_trunc': {
        arity(2);
        const ts = sname(e.args[1].type) === 'date' ? d.cast(args[1], 'TIMESTAMP') : args[1];
        const unit = e.args[0];
        if (unit.kind === 'literal') {
          const u = typeof unit.value === 'string' ? unit.value.toLowerCase() : null;
          if (u === null || !(DATE_TRUNC_UNITS as readonly string[]).includes(u)) bug(`date_trunc unit ${JSON.stringify(unit.value)}`);
          return d.cast(d.dateTrunc(u, ts), 'TIMESTAMP');
        }
        const whens = DATE_TRUNC_UNITS.map((u) => `WHEN '${u}' THEN ${d.cast(d.dateTrunc(u, ts), 'TIMESTAMP')}`).join(' ');
        return `CASE lower(${args[0]}) ${whens} END`;
      }
      case 'days_between': {
        arity(2);
        const day = (sql: string, i: number) => (sname(e.args[i].type) === 'date' ? sql : d.cast(sql, 'DATE'));
        return d.daysBetween(day(args[0], 0), day(args[1], 1));
      }
      case 'snapshot_date':
        arity(0);
        if (!this.scope.snapshotDate) return 'CAST(NULL AS DATE)';
        return this.scope.snapshotDate();
    }
  }

  /** cast(x as to) for x of static type `from` (README: cast). */
  castSql(x: string, fromType: PalType, toType: PalType): string {
    const d = this.d;
    const from = sname(fromType);
    const to = sname(toType);
    if (from === null || to === null) {
      if (fromType.kind === 'list' && toType.kind === 'list') return x;
      return bug('cast of a list');
    }
    if (from === to || (INTEGRAL.has(from) && to === 'long') || (FLOATING.has(from) && FLOATING.has(to))) return x;
    const numeric = INTEGRAL.has(from) || FLOATING.has(from);
    const unsupported = (): never => bug(`cast from ${from} to ${to}`);
    switch (to) {
      case 'string':
        switch (from) {
          case 'int': case 'long': return d.cast(x, 'VARCHAR');
          case 'float': case 'double': return d.helper('doubleToString', [x]);
          case 'boolean': return `CASE WHEN ${x} THEN 'true' WHEN NOT ${x} THEN 'false' END`;
          case 'timestamp': return d.timestampText(x);
          case 'date': return d.cast(x, 'VARCHAR');
          default: return unsupported();
        }
      case 'int':
      case 'long': {
        const range = to === 'int' ? 'toInt' : 'toLong';
        if (from === 'long' || from === 'int') return d.helper(range, [d.cast(x, 'DOUBLE')]);
        if (FLOATING.has(from)) return d.helper(range, [x]);
        if (from === 'timestamp') return d.helper(range, [d.cast(d.epochMs(x), 'DOUBLE')]);
        if (from === 'boolean') return `CASE WHEN ${x} THEN 1 WHEN NOT ${x} THEN 0 END`;
        if (from === 'string') {
          const t = d.helper('trim', [x]);
          return `CASE WHEN ${d.regexFullMatch(t, '[+-]?[0-9]+')} THEN ${d.helper(range, [`TRY_CAST(${t} AS DOUBLE)`])} END`;
        }
        return unsupported();
      }
      case 'float':
      case 'double':
        if (numeric) return d.cast(x, 'DOUBLE');
        if (from === 'timestamp') return d.cast(d.epochMs(x), 'DOUBLE');
        if (from === 'boolean') return `CASE WHEN ${x} THEN CAST(1 AS DOUBLE) WHEN NOT ${x} THEN CAST(0 AS DOUBLE) END`;
        if (from === 'string') {
          const t = d.helper('trim', [x]);
          return `CASE WHEN ${d.regexFullMatch(t, '[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?')} THEN ${this.finite(`TRY_CAST(${t} AS DOUBLE)`)} END`;
        }
        return unsupported();
      case 'boolean':
        if (numeric) return `(${x} <> 0)`;
        if (from === 'string') return `CASE lower(${d.helper('trim', [x])}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END`;
        return unsupported();
      case 'timestamp':
        if (numeric) return d.fromEpochMs(d.helper('toLong', [d.cast(x, 'DOUBLE')]));
        if (from === 'date') return d.cast(x, 'TIMESTAMP');
        if (from === 'string') return d.helper('stringToTimestamp', [x]);
        return unsupported();
      case 'date':
        if (from === 'timestamp') return d.cast(x, 'DATE');
        if (from === 'string') return d.helper('stringToDate', [x]);
        return unsupported();
    }
  }
}
