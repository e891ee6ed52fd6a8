/**
 * Text forms of the IR: canonical expression text (the language's own syntax, fully
 * resolved, used in catalogs, hashes and messages) and a compact, stable printout of a
 * whole registry for golden tests and `palette compile --explain`.
 */
import type { AggregationSpec, Expr, PalType, Window } from '../../runtime/contracts/index.js';
import { typeToString } from '../../runtime/contracts/index.js';
import type { Group, Registry } from './ir.js';

const UNITS: [number, string][] = [[604_800_000, 'w'], [86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's'], [1, 'ms']];

/** 604800000 → `7d` (days rather than weeks unless a whole number of weeks > 1). */
export function formatDuration(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (unit === 'w') continue;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function formatWindow(w: Window): string {
  return w.kind === 'lifetime' ? `over all every ${formatDuration(w.hopMs)}` : `over ${formatDuration(w.sizeMs)} every ${formatDuration(w.hopMs)}`;
}

export function aggregationText(a: Pick<AggregationSpec, 'fn' | 'input' | 'k' | 'window'>): string {
  const args = a.input ? [exprToText(a.input)] : [];
  if (a.k !== null) args.push(String(a.k));
  return `${a.fn}(${args.join(', ')}) ${formatWindow(a.window)}`;
}

const PREC: Record<string, number> = { or: 1, and: 2, '==': 4, '!=': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

/**
 * Canonical text of an expression. Aggregate refs print as `@<index>` unless `aggs` is
 * given, in which case they print as the aggregation itself.
 */
export function exprToText(e: Expr, aggs?: readonly AggregationSpec[], parentPrec = 0): string {
  switch (e.kind) {
    case 'literal':
      if (e.value === null) return 'null';
      if (typeof e.value === 'string') return JSON.stringify(e.value);
      if (typeof e.value === 'number' && e.type.kind === 'scalar' && (e.type.name === 'double' || e.type.name === 'float') && Number.isInteger(e.value)) return `${e.value}.0`;
      return String(e.value);
    case 'column':
    case 'feature':
      return e.name;
    case 'aggregate':
      return aggs?.[e.index] ? aggregationText(aggs[e.index]) : `@${e.index}`;
    case 'call':
      return `${e.fn}(${e.args.map((a) => exprToText(a, aggs)).join(', ')})`;
    case 'binary': {
      const p = PREC[e.op];
      const text = `${exprToText(e.left, aggs, p)} ${e.op} ${exprToText(e.right, aggs, p + 1)}`;
      return p < parentPrec ? `(${text})` : text;
    }
    case 'unary':
      return e.op === 'not' ? `not ${exprToText(e.operand, aggs, 3)}` : `-${exprToText(e.operand, aggs, 7)}`;
    case 'case':
      return `case ${e.branches.map((b) => `when ${exprToText(b.when, aggs)} then ${exprToText(b.then, aggs)}`).join(' ')}${e.else ? ` else ${exprToText(e.else, aggs)}` : ''} end`;
    case 'cast':
      return `cast(${exprToText(e.operand, aggs)} as ${typeToString({ ...e.type, nullable: false })})`;
  }
}

function t(type: PalType): string {
  return typeToString(type);
}

/** A compact, stable, human-readable printout of the registry. */
export function printRegistry(r: Registry): string {
  const out: string[] = [];
  out.push(`registry v${r.irVersion} ${r.registryHash}`);
  for (const e of r.entities) {
    out.push(`entity ${e.name} keys(${e.keys.map((k) => `${k.name}: ${t(k.type)}`).join(', ')})`);
  }
  for (const s of r.sources) {
    out.push(`source ${s.name} ${s.kind}${s.timestampField ? ` ts=${s.timestampField}` : ''}` +
      `${s.stream ? ` stream=kafka:${s.stream.topic}` : ''}${s.table ? ` table=hive:${s.table.name}/${s.table.partition}` : ''}`);
    out.push(`  fields(${s.fields.map((f) => `${f.name}: ${t(f.type)}`).join(', ')})`);
  }
  for (const g of r.groups) out.push(...printGroup(g));
  for (const m of r.models) {
    out.push(`model ${m.name} keys(${m.keys.map((k) => `${k.name}: ${t(k.type)}`).join(', ')}) groups(${m.groups.join(', ')})`);
    for (const f of m.features) out.push(`  ${f.outputName} <- ${f.feature}`);
    for (const d of m.derived) out.push(`  ${d.outputName}: ${t(d.type)} = ${exprToText(d.expr)}`);
  }
  return `${out.join('\n')}\n`;
}

export function printGroup(g: Group): string[] {
  const out: string[] = [];
  out.push(`group ${g.name} ${g.kind} on ${g.entity} from ${g.source} version=${g.version} hash=${g.semanticHash}`);
  out.push(`  keys ${g.keyColumns.join(', ')}`);
  for (const l of g.lets) out.push(`  let ${l.name}: ${t(l.expr.type)} = ${exprToText(l.expr)}`);
  if (g.filter) out.push(`  where ${exprToText(g.filter)}`);
  for (const a of g.aggregations) out.push(`  @${a.index} ${a.display}: ${t(a.resultType)}`);
  for (const f of g.features) out.push(`  feature ${f.localName}: ${t(f.type)} = ${exprToText(f.expr)}`);
  const on = g.layout.online;
  out.push(`  online ${on.kind} ${on.table} pk(${on.partitionKey.map((c) => c.name).join(', ')})` +
    `${on.clustering.length ? ` ck(${on.clustering.map((c) => c.name).join(', ')})` : ''} ttl=${on.ttlSeconds ?? 'none'}` +
    `${on.hopTtls?.length ? ` hop_ttl(${on.hopTtls.map((h) => `${h.hopMs}: ${h.ttlSeconds ?? 'none'}`).join(', ')})` : ''}`);
  out.push(`    columns(${on.columns.map((c) => `${c.name}: ${t(c.type)}`).join(', ')})`);
  if (g.layout.offline.tiles) out.push(`  offline tiles ${g.layout.offline.tiles.database}.${g.layout.offline.tiles.table}`);
  out.push(`  offline daily ${g.layout.offline.daily.database}.${g.layout.offline.daily.table}`);
  return out;
}
