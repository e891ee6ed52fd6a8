/**
 * The IR invariant validator. The checker guarantees these for any input; a violation is a
 * bug in Palette, never a user error. Run after every build of a registry and in tests.
 */
import type { Expr } from '../../runtime/contracts/index.js';
import { IR_VERSION, type Registry } from '../ir/ir.js';

export function validateRegistry(r: Registry): string[] {
  const problems: string[] = [];
  const fail = (msg: string) => problems.push(msg);
  if (r.irVersion !== IR_VERSION) fail(`irVersion ${String(r.irVersion)} is not ${IR_VERSION}`);
  const entities = new Map(r.entities.map((e) => [e.name, e]));
  const sources = new Map(r.sources.map((s) => [s.name, s]));
  const features = new Map<string, unknown>();
  const names = new Set<string>();
  for (const n of [...r.entities, ...r.sources, ...r.groups, ...r.models].map((d) => d.name)) {
    if (names.has(n)) fail(`duplicate declaration ${n}`);
    names.add(n);
  }
  for (const g of r.groups) {
    const at = `group ${g.name}`;
    const entity = entities.get(g.entity);
    const source = sources.get(g.source);
    if (!entity) fail(`${at}: entity ${g.entity} missing`);
    if (!source) fail(`${at}: source ${g.source} missing`);
    if (!/^[0-9a-f]{12}$/.test(g.semanticHash)) fail(`${at}: bad semantic hash ${g.semanticHash}`);
    if (source && (source.kind === 'events') !== (g.kind === 'windowed')) fail(`${at}: kind ${g.kind} over ${source.kind} source`);
    if (entity && g.keyColumns.length !== entity.keys.length) fail(`${at}: ${g.keyColumns.length} key columns for ${entity.keys.length} keys`);
    const columns = new Set(source?.fields.map((f) => f.name) ?? []);
    for (const l of g.lets) {
      checkExpr(l.expr, `${at} let ${l.name}`, { columns, aggs: 0, features: new Set() }, fail);
      columns.add(l.name);
    }
    for (const k of g.keyColumns) if (!columns.has(k)) fail(`${at}: key column ${k} not a column`);
    if (g.filter) checkExpr(g.filter, `${at} filter`, { columns, aggs: 0, features: new Set() }, fail);
    g.aggregations.forEach((a, i) => {
      if (a.index !== i) fail(`${at}: aggregation ${i} has index ${a.index}`);
      if (a.window.hopMs <= 0) fail(`${at}: aggregation ${i} hop ${a.window.hopMs}`);
      if (a.window.kind === 'sliding' && a.window.sizeMs % a.window.hopMs !== 0) fail(`${at}: aggregation ${i} hop does not divide window`);
      if (a.input) checkExpr(a.input, `${at} aggregation ${i}`, { columns, aggs: 0, features: new Set() }, fail);
      if (g.kind === 'snapshot') fail(`${at}: snapshot group has aggregations`);
    });
    const seen = new Set<string>();
    for (const f of g.features) {
      checkExpr(f.expr, `${at} feature ${f.localName}`, {
        columns: g.kind === 'snapshot' ? columns : new Set(), aggs: g.aggregations.length, features: seen,
      }, fail);
      if (f.name !== `${g.name}.${f.localName}`) fail(`${at}: feature name ${f.name}`);
      seen.add(f.localName);
      features.set(f.name, f);
    }
    const cols = [...g.layout.online.partitionKey, ...g.layout.online.clustering, ...g.layout.online.columns].map((c) => c.name);
    if (new Set(cols).size !== cols.length) fail(`${at}: online columns not unique: ${cols.join(',')}`);
    if (g.kind === 'windowed' && g.layout.aggregations.length !== g.aggregations.length) fail(`${at}: layout lacks aggregations`);
    for (const a of g.layout.aggregations) {
      for (const c of a.columns) if (!g.layout.online.columns.some((x) => x.name === c.column)) fail(`${at}: state column ${c.column} not in online table`);
    }
    if (g.layout.online.table.length > 48) fail(`${at}: online table name too long`);
  }
  for (const m of r.models) {
    for (const f of m.features) if (!features.has(f.feature)) fail(`model ${m.name}: feature ${f.feature} missing`);
    const groupNames = new Set(r.groups.map((g) => g.name));
    for (const g of m.groups) if (!groupNames.has(g)) fail(`model ${m.name}: group ${g} missing`);
  }
  return problems;
}

function checkExpr(e: Expr, at: string, scope: { columns: Set<string>; aggs: number; features: Set<string> }, fail: (m: string) => void): void {
  switch (e.kind) {
    case 'column':
      if (!scope.columns.has(e.name)) fail(`${at}: column ${e.name} not in scope`);
      return;
    case 'aggregate':
      if (e.index < 0 || e.index >= scope.aggs) fail(`${at}: aggregate @${e.index} out of range`);
      return;
    case 'feature':
      if (!scope.features.has(e.name)) fail(`${at}: feature ${e.name} used before it is defined`);
      return;
    case 'literal':
      return;
    case 'call':
      for (const a of e.args) checkExpr(a, at, scope, fail);
      return;
    case 'binary':
      checkExpr(e.left, at, scope, fail);
      checkExpr(e.right, at, scope, fail);
      return;
    case 'unary':
    case 'cast':
      checkExpr(e.operand, at, scope, fail);
      return;
    case 'case':
      for (const b of e.branches) { checkExpr(b.when, at, scope, fail); checkExpr(b.then, at, scope, fail); }
      if (e.else) checkExpr(e.else, at, scope, fail);
  }
}
