// Shared helpers of the dsl tests: parsing from text, a compact s-expression printer of
// expressions (tests compare strings, not deep-equal JSON) and the example of design.md.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFile, SourceFile, type ast, type Diagnostic } from '../../../dsl/index.js';

export const RIDES = readFileSync(fileURLToPath(new URL('./fixtures/rides.pal', import.meta.url)), 'utf8');

export function parse(text: string, path = 'test.pal'): { ast: ast.File; diagnostics: Diagnostic[]; file: SourceFile } {
  const file = new SourceFile(path, text);
  return { ...parseFile(file), file };
}

/** `code line:col message` per diagnostic. */
export function diags(text: string): string[] {
  return parse(text).diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`);
}

export function typeText(t: ast.TypeRef): string {
  return `${t.name.text}${t.element ? `<${typeText(t.element)}>` : ''}${t.nullable ? '?' : ''}`;
}

/** `a + b * c` → `(+ a (* b c))`; calls `(f x :over 7d :every 1h)`; unreadable parts `<error>`. */
export function sexpr(e: ast.Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.literalKind === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'ref':
      return e.parts.map((p) => p.text).join('.');
    case 'call': {
      const parts = [e.callee.text, ...e.args.map(sexpr)];
      if (e.window) {
        parts.push(':over', 'all' in e.window.size ? 'all' : e.window.size.text);
        if (e.window.every) parts.push(':every', e.window.every.text);
      }
      return `(${parts.join(' ')})`;
    }
    case 'binary':
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'unary':
      return `(${e.op} ${sexpr(e.operand)})`;
    case 'case':
      return `(case ${e.branches.map((b) => `(when ${sexpr(b.when)} ${sexpr(b.then)})`).join(' ')}${e.else ? ` (else ${sexpr(e.else)})` : ''})`;
    case 'cast':
      return `(cast ${sexpr(e.operand)} ${typeText(e.to)})`;
    case 'error':
      return '<error>';
  }
}

/** The expression of `feature f = <text>` in a group, with the diagnostics of the file. */
export function expr(text: string): { sexpr: string; diagnostics: string[] } {
  const r = parse(`group g on e from s {\n  feature f = ${text}\n}\n`);
  const group = r.ast.decls[0] as ast.Group | undefined;
  const feature = group?.items.find((i): i is ast.FeatureDecl => i.kind === 'feature');
  return { sexpr: feature ? sexpr(feature.expr) : '<no feature>', diagnostics: r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`) };
}

/** Every object with a `span` in the AST (nodes, names, literals, windows...). */
export function spans(node: unknown, out: { owner: object; span: ast.Name['span'] }[] = []): { owner: object; span: ast.Name['span'] }[] {
  if (node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) spans(n, out);
    return out;
  }
  const obj = node as Record<string, unknown>;
  if (obj.span && typeof obj.span === 'object') out.push({ owner: obj, span: obj.span as ast.Name['span'] });
  for (const k in obj) if (k !== 'span' && k !== 'opSpan') spans(obj[k], out);
  return out;
}

const EXPR_KINDS = new Set(['literal', 'ref', 'call', 'binary', 'unary', 'case', 'cast', 'error']);

/** Every expression in the AST. */
export function exprs(node: unknown, out: ast.Expr[] = []): ast.Expr[] {
  if (node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) exprs(n, out);
    return out;
  }
  const obj = node as Record<string, unknown>;
  if (EXPR_KINDS.has(obj.kind as string)) out.push(obj as unknown as ast.Expr);
  for (const k in obj) if (k !== 'span' && k !== 'opSpan') exprs(obj[k], out);
  return out;
}
