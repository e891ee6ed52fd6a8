/**
 * CST → AST. A Chevrotain CST visitor (one method per grammar rule, checked by
 * `validateVisitor`) that builds the typed AST of ast.ts.
 *
 * After error recovery any CST child may be missing and a token may be a virtual one
 * inserted by the parser (no position, empty image). The rules here, so that the checker
 * never reports a cascade of one syntax error (already reported by the parser):
 *  - a missing or unreadable expression becomes an `ErrorExpr`;
 *  - a node that needs a missing name (a declaration, key, field, feature, let, key-map,
 *    stream, table...) is left out of its list;
 *  - a reference or qualified name with a missing part counts as missing.
 * Numbers out of range are reported here (`invalid-number`), as is a misplaced `namespace`.
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as ast from './ast.js';
import type * as cst from './cst-types.js';
import type { DiagnosticBag } from './diagnostics.js';
import { parser } from './parser.js';
import { joinSpans, type SourceFile, type Span } from './source.js';
import * as t from './tokens.js';

const BaseVisitor = parser.getBaseCstVisitorConstructor();

type Child = IToken | CstNode;
type Children = Record<string, Child[] | undefined>;

/** Infix operators, loosest first; prefix `not` sits between `and` and the comparisons. */
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  '==': 4, '!=': 4, '<': 4, '<=': 4, '>': 4, '>=': 4,
  '+': 5, '-': 5,
  '*': 6, '/': 6, '%': 6,
};
const NOT_PRECEDENCE = 3;

interface Operand {
  /** `not`s then `-`s, in source order. */
  readonly prefix: readonly IToken[];
  readonly primary: CstNode | undefined;
}

/** State of precedence climbing over one flat `expression` node. */
interface Climb {
  readonly operands: readonly Operand[];
  readonly operators: IToken[];
  /** Index of the next operator; the operand under the cursor is `operands[next]`. */
  next: number;
  /** How many `not`s of that operand are already applied. */
  notsUsed: number;
  readonly fallback: Span;
}

/** Half-open offsets of what a CST node really covers (virtual tokens ignored), or null. */
function nodeRange(node: CstNode): [number, number] | null {
  const loc = node.location;
  if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset)) return [loc.startOffset, loc.endOffset! + 1];
  return childrenRange(node.children as Children);
}

function childrenRange(children: Children): [number, number] | null {
  let start = Infinity;
  let end = -Infinity;
  for (const key in children) {
    for (const c of children[key] ?? []) {
      const r = isToken(c) ? (real(c) ? ([c.startOffset, c.startOffset + c.image.length] as [number, number]) : null) : nodeRange(c);
      if (r) {
        if (r[0] < start) start = r[0];
        if (r[1] > end) end = r[1];
      }
    }
  }
  return start === Infinity ? null : [start, end];
}

/** Item nodes of several kinds (each list in order) merged into source order. */
function inSourceOrder(...lists: (CstNode[] | undefined)[]): CstNode[] {
  const present = lists.filter((l): l is CstNode[] => l !== undefined && l.length > 0);
  if (present.length === 1) return present[0];
  return present.flat().sort((a, b) => (nodeRange(a)?.[0] ?? 0) - (nodeRange(b)?.[0] ?? 0));
}

function isPresent<T>(x: T | null): x is T {
  return x !== null;
}

function bySpan(a: { span: Span }, b: { span: Span }): number {
  return a.span.start - b.span.start;
}

function isToken(c: Child): c is IToken {
  return (c as IToken).tokenType !== undefined;
}

/** A token that is really in the file (not inserted by error recovery). */
function real(tok: IToken | undefined): tok is IToken {
  return tok !== undefined && tok.isInsertedInRecovery !== true && Number.isFinite(tok.startOffset) && tok.image.length > 0;
}

export class AstBuilder extends BaseVisitor {
  /** The CST nodes being visited, innermost last: visitor methods get only the children. */
  private readonly nodes: CstNode[] = [];
  private namespace: ast.QualifiedName | null = null;
  private sawNamespace = false;
  private sawItem = false;
  private readonly imports: ast.Import[] = [];
  private readonly decls: ast.Decl[] = [];

  constructor(
    private readonly src: SourceFile,
    private readonly diagnostics: DiagnosticBag,
  ) {
    super();
    this.validateVisitor();
  }

  // -------------------------------------------------------------------------------------
  // Helpers

  private tokSpan(tok: IToken): Span {
    return this.src.span(tok.startOffset, tok.startOffset + tok.image.length);
  }

  /**
   * The span of the node being visited (its CST location covers real tokens only), or of
   * its children; `fallback` when nothing real was parsed.
   */
  private span(children: object, fallback: Span): Span {
    const loc = this.nodes[this.nodes.length - 1]?.location;
    if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset)) return this.src.span(loc.startOffset, loc.endOffset! + 1);
    const r = childrenRange(children as Children);
    return r ? this.src.span(r[0], r[1]) : fallback;
  }

  /** Visits a child node, keeping `nodes` up to date. */
  private sub<T>(node: CstNode | undefined, fallback?: Span): T | null {
    if (!node) return null;
    this.nodes.push(node);
    try {
      return (this.visit(node, fallback) as T | undefined) ?? null;
    } finally {
      this.nodes.pop();
    }
  }

  /** Zero-width span at the end of `s`: where a missing piece would have been. */
  private endOf(s: Span): Span {
    return this.src.span(s.end, s.end);
  }

  private name(tok: IToken | undefined): ast.Name | null {
    return real(tok) ? { text: tok.image, span: this.tokSpan(tok) } : null;
  }

  private str(tok: IToken | undefined): ast.StringLit | null {
    if (!real(tok)) return null;
    return { value: t.unescapeString(tok.image, tok.tokenType === t.StringLiteral), span: this.tokSpan(tok) };
  }

  private duration(tok: IToken | undefined): ast.Duration | null {
    if (!real(tok) || tok.tokenType !== t.Duration) return null; // InvalidNumber: reported by the lexer
    const ms = t.durationMs(tok.image);
    if (ms === undefined) {
      this.diagnostics.error('invalid-number', this.tokSpan(tok), `the duration ${t.quote(tok.image)} is too large`);
      return null;
    }
    return { text: tok.image, ms, span: this.tokSpan(tok) };
  }

  private integer(tok: IToken | undefined): number | null {
    if (!real(tok) || tok.tokenType !== t.Integer) return null;
    const n = Number(tok.image);
    if (!Number.isSafeInteger(n)) {
      this.diagnostics.error('invalid-number', this.tokSpan(tok), `the integer ${t.quote(tok.image)} is too large`, `integers must be at most ${Number.MAX_SAFE_INTEGER}`);
      return null;
    }
    return n;
  }

  /** An ErrorExpr for a piece that is in the file but unreadable. */
  private error(span: Span): ast.ErrorExpr {
    return { kind: 'error', span };
  }

  /** An ErrorExpr for a missing piece: empty, at the end of `anchor` (its parent, mostly). */
  private missing(anchor: Span): ast.ErrorExpr {
    return { kind: 'error', span: this.endOf(anchor) };
  }

  /**
   * The expression of `node`, or an ErrorExpr. `anchor` (the enclosing item, mostly) places
   * missing pieces; it is passed down instead of computing a precise place for each
   * operand, which would cost a span per operand for the rare error.
   */
  private expr(node: CstNode | undefined, anchor: Span): ast.Expr {
    return this.sub<ast.Expr>(node, anchor) ?? this.missing(anchor);
  }

  private all<T>(nodes: CstNode[] | undefined, fallback?: Span): T[] {
    const out: T[] = [];
    for (const n of nodes ?? []) {
      const v = this.sub<T>(n, fallback);
      if (v) out.push(v);
    }
    return out;
  }

  private qname(node: cst.QualifiedNameCstNode | undefined): ast.QualifiedName | null {
    return this.sub<ast.QualifiedName>(node);
  }

  private typeRefOf(node: cst.TypeRefCstNode | undefined): ast.TypeRef | null {
    return this.sub<ast.TypeRef>(node);
  }

  // -------------------------------------------------------------------------------------
  // File and declarations

  /**
   * The top-level items of one parsed chunk of the file (chunks come in source order, see
   * index.ts); `result()` assembles the File.
   */
  file(ctx: cst.FileCstChildren): void {
    const top = inSourceOrder(ctx.namespaceDecl, ctx.importDecl, ctx.entityDecl, ctx.sourceDecl, ctx.groupDecl, ctx.modelDecl);
    for (const node of top) {
      if (node.name === 'namespaceDecl') {
        const c = node.children as cst.NamespaceDeclCstChildren;
        const at = this.tokSpan(c.Namespace![0]);
        if (this.sawNamespace) {
          this.diagnostics.error('syntax-error', at, 'a file has only one `namespace`');
        } else if (this.sawItem) {
          this.diagnostics.error('syntax-error', at, '`namespace` must come first in the file, before imports and declarations');
        } else {
          this.namespace = this.qname(c.qualifiedName?.[0]);
        }
        this.sawNamespace = true;
      } else if (node.name === 'importDecl') {
        const imp = this.sub<ast.Import>(node);
        if (imp) this.imports.push(imp);
      } else {
        const decl = this.sub<ast.Decl>(node);
        if (decl) this.decls.push(decl);
      }
      this.sawItem = true;
    }
  }

  result(): ast.File {
    const span = this.src.span(0, this.src.text.length);
    return { kind: 'file', path: this.src.path, namespace: this.namespace, imports: this.imports, decls: this.decls, span };
  }

  namespaceDecl(ctx: cst.NamespaceDeclCstChildren): ast.QualifiedName | null {
    return this.qname(ctx.qualifiedName?.[0]);
  }

  importDecl(ctx: cst.ImportDeclCstChildren): ast.Import | null {
    const target = this.qname(ctx.qualifiedName?.[0]);
    if (!target) return null;
    const alias = this.name(ctx.alias?.[0]);
    return { kind: 'import', target, alias, span: this.span(ctx, target.span) };
  }

  entityDecl(ctx: cst.EntityDeclCstChildren): ast.Entity | null {
    const name = this.name(ctx.name?.[0]);
    if (!name) return null;
    const span = this.span(ctx, name.span);
    return {
      kind: 'entity',
      name,
      keys: this.all<ast.KeyDecl>(ctx.keyDecl, span),
      meta: this.all<ast.MetaItem>(ctx.metaItem, span),
      span,
    };
  }

  keyDecl(ctx: cst.KeyDeclCstChildren): ast.KeyDecl | null {
    const name = this.name(ctx.name?.[0]);
    const type = this.typeRefOf(ctx.typeRef?.[0]);
    if (!name || !type) return null;
    return { kind: 'key', name, type, span: this.span(ctx, name.span) };
  }

  sourceDecl(ctx: cst.SourceDeclCstChildren): ast.Source | null {
    const name = this.name(ctx.name?.[0]);
    if (!name) return null;
    const span = this.span(ctx, name.span);
    const items: (ast.SourceItem | null)[] = [];
    for (const tok of [...(ctx.Events ?? []), ...(ctx.Snapshot ?? [])]) {
      items.push({ kind: 'source-kind', value: tok.tokenType === t.Events ? 'events' : 'snapshot', span: this.tokSpan(tok) });
    }
    for (const node of inSourceOrder(ctx.streamItem, ctx.tableItem, ctx.timestampItem, ctx.fieldsBlock, ctx.metaItem)) {
      items.push(this.sub<ast.SourceItem>(node, span));
    }
    return { kind: 'source', name, items: items.filter(isPresent).sort(bySpan), span };
  }

  streamItem(ctx: cst.StreamItemCstChildren): ast.StreamDecl | null {
    const system = this.name(ctx.system?.[0]);
    const topic = this.str(ctx.topic?.[0]);
    const format = this.name(ctx.format?.[0]);
    if (!system || !topic) return null;
    return { kind: 'stream', system, topic, format, span: this.span(ctx, system.span) };
  }

  tableItem(ctx: cst.TableItemCstChildren): ast.TableDecl | null {
    const system = this.name(ctx.system?.[0]);
    const name = this.str(ctx.tableName?.[0]);
    const partition = this.name(ctx.partition?.[0]);
    if (!system || !name) return null;
    return { kind: 'table', system, name, partition, span: this.span(ctx, system.span) };
  }

  timestampItem(ctx: cst.TimestampItemCstChildren): ast.SourceItem | null {
    const field = this.name(ctx.field?.[0]);
    if (!field) return null;
    return { kind: 'timestamp', field, span: this.span(ctx, field.span) };
  }

  fieldsBlock(ctx: cst.FieldsBlockCstChildren, fallback: Span): ast.SourceItem {
    const span = this.span(ctx, fallback);
    return { kind: 'fields', fields: this.all<ast.FieldDecl>(ctx.fieldDecl, span), span };
  }

  fieldDecl(ctx: cst.FieldDeclCstChildren): ast.FieldDecl | null {
    const name = this.name(ctx.name?.[0]);
    const type = this.typeRefOf(ctx.typeRef?.[0]);
    if (!name || !type) return null;
    return { kind: 'field', name, type, span: joinSpans(name.span, type.span) };
  }

  groupDecl(ctx: cst.GroupDeclCstChildren): ast.Group | null {
    const name = this.name(ctx.name?.[0]);
    const entity = this.qname(ctx.entity?.[0]);
    const source = this.qname(ctx.source?.[0]);
    if (!name || !entity || !source) return null;
    // `group on driver from …`: `on` was read as the name and a missing `on` inserted
    if (name.text === 'on' && !real(ctx.On?.[0])) return null;
    const span = this.span(ctx, name.span);
    const nodes = inSourceOrder(ctx.whereItem, ctx.keyMapItem, ctx.letItem, ctx.featureDecl, ctx.metaItem);
    return { kind: 'group', name, entity, source, items: this.all<ast.GroupItem>(nodes, span), span };
  }

  whereItem(ctx: cst.WhereItemCstChildren, fallback: Span): ast.GroupItem {
    const span = this.span(ctx, fallback);
    return { kind: 'where', expr: this.expr(ctx.expression?.[0], span), span };
  }

  keyMapItem(ctx: cst.KeyMapItemCstChildren): ast.GroupItem | null {
    const key = this.name(ctx.name?.[0]);
    if (!key) return null;
    const span = this.span(ctx, key.span);
    return { kind: 'key-map', key, expr: this.expr(ctx.expression?.[0], span), span };
  }

  letItem(ctx: cst.LetItemCstChildren): ast.GroupItem | null {
    const name = this.name(ctx.name?.[0]);
    if (!name) return null;
    const span = this.span(ctx, name.span);
    return { kind: 'let', name, expr: this.expr(ctx.expression?.[0], span), span };
  }

  featureDecl(ctx: cst.FeatureDeclCstChildren): ast.FeatureDecl | null {
    const name = this.name(ctx.name?.[0]);
    if (!name) return null;
    const span = this.span(ctx, name.span);
    return {
      kind: 'feature',
      name,
      expr: this.expr(ctx.expression?.[0], span),
      description: this.str(ctx.description?.[0]),
      span,
    };
  }

  modelDecl(ctx: cst.ModelDeclCstChildren): ast.Model | null {
    const name = this.name(ctx.name?.[0]);
    if (!name) return null;
    const span = this.span(ctx, name.span);
    const nodes = inSourceOrder(ctx.featuresItem, ctx.featureDecl, ctx.metaItem);
    return { kind: 'model', name, items: this.all<ast.ModelItem>(nodes, span), span };
  }

  featuresItem(ctx: cst.FeaturesItemCstChildren, fallback: Span): ast.ModelItem | null {
    const span = this.span(ctx, fallback);
    const selections = this.all<ast.FeatureSelection>(ctx.selection, span);
    if (selections.length === 0) return null;
    return { kind: 'features', selections, span };
  }

  selection(ctx: cst.SelectionCstChildren): ast.FeatureSelection | null {
    const star = ctx.Star !== undefined;
    const parts = this.parts(ctx.parts, ctx.Dot, star ? 1 : 0);
    if (!parts) return null;
    const alias = this.name(ctx.alias?.[0]);
    const span = this.span(ctx, parts[0].span);
    return { kind: 'selection', ref: { parts, span: joinSpans(parts[0].span, parts[parts.length - 1].span) }, star, alias, span };
  }

  metaItem(ctx: cst.MetaItemCstChildren): ast.MetaItem | null {
    if (ctx.Description || ctx.Owner) {
      const keyTok = (ctx.Description ?? ctx.Owner)![0];
      const value = this.str(ctx.StringLiteral?.[0]);
      if (!value) return null;
      const key = keyTok.tokenType === t.Description ? 'description' : 'owner';
      return { kind: 'meta', key, value, span: this.span(ctx, value.span) };
    }
    if (ctx.Tags) {
      const tags = this.all<ast.Name>(ctx.tag);
      if (tags.length === 0) return null;
      return { kind: 'meta', key: 'tags', tags, span: this.span(ctx, tags[0].span) };
    }
    if (ctx.Ttl) {
      const duration = this.duration(ctx.Duration?.[0]);
      if (!duration) return null;
      return { kind: 'meta', key: 'ttl', duration, span: this.span(ctx, duration.span) };
    }
    if (ctx.Version) {
      const tok = ctx.Integer?.[0];
      const version = this.integer(tok);
      if (version === null || !tok) return null;
      return { kind: 'meta', key: 'version', version, span: this.span(ctx, this.tokSpan(tok)) };
    }
    return null;
  }

  /** A tag is a name or a string; both become a Name whose text is the value. */
  tag(ctx: cst.TagCstChildren): ast.Name | null {
    const s = this.str(ctx.StringLiteral?.[0]);
    if (s) return { text: s.value, span: s.span };
    return this.name(ctx.Name?.[0]);
  }

  qualifiedName(ctx: cst.QualifiedNameCstChildren): ast.QualifiedName | null {
    const parts = this.parts(ctx.parts, ctx.Dot);
    if (!parts) return null;
    return { parts, span: joinSpans(parts[0].span, parts[parts.length - 1].span) };
  }

  /**
   * The names of `a.b.c`, or null if any part is missing, a dangling `a.` included.
   * `extraDots` is 1 for a selection ending in `.*`.
   */
  private parts(toks: IToken[] | undefined, dots: IToken[] | undefined, extraDots = 0): ast.Name[] | null {
    if (!toks || toks.length === 0 || (dots?.length ?? 0) !== toks.length - 1 + extraDots) return null;
    const parts: ast.Name[] = [];
    for (const tok of toks) {
      const n = this.name(tok);
      if (!n) return null;
      parts.push(n);
    }
    return parts;
  }

  typeRef(ctx: cst.TypeRefCstChildren): ast.TypeRef | null {
    const name = this.name(ctx.name?.[0]);
    if (!name) return null;
    let element: ast.TypeRef | null = null;
    if (ctx.Less) {
      element = this.typeRefOf(ctx.element?.[0]);
      if (!element || !real(ctx.Greater?.[0])) return null;
    }
    return { kind: 'type', name, element, nullable: ctx.Question !== undefined, span: this.span(ctx, name.span) };
  }

  // -------------------------------------------------------------------------------------
  // Expressions

  /**
   * `prefix* primary (op prefix* primary)*` → a tree, by precedence climbing over PRECEDENCE. Binary
   * operators are left-associative. Prefix `-` binds tighter than any infix operator;
   * prefix `not` takes a whole comparison (`not a == b` is `not (a == b)`), so it may only
   * open an operand of `and`/`or` or a whole expression: `a == not b` is reported.
   */
  expression(ctx: cst.ExpressionCstChildren, fallback: Span): ast.Expr {
    const primaries = ctx.operands ?? [];
    const operators = ctx.operators ?? [];
    if (operators.length === 0 && !ctx.prefix) return this.expr(primaries[0], fallback); // the common case
    // Prefix tokens belong to the operand after them; only the last operand can be missing.
    const prefix = ctx.prefix ?? [];
    const operands: Operand[] = [];
    let p = 0;
    for (let i = 0; i <= operators.length; i++) {
      const primary = primaries[i] as CstNode | undefined;
      const bound = primary ? (nodeRange(primary)?.[0] ?? Infinity) : i < operators.length ? operators[i].startOffset : Infinity;
      const start = p;
      while (p < prefix.length && prefix[p].startOffset < bound) p++;
      operands.push({ prefix: prefix.slice(start, p), primary });
    }
    return this.climb({ operands, operators, next: 0, notsUsed: 0, fallback }, 0);
  }

  private climb(st: Climb, minPrec: number): ast.Expr {
    let left = this.prefixed(st, minPrec);
    while (st.next < st.operators.length) {
      const op = st.operators[st.next];
      const prec = PRECEDENCE[op.image] ?? 0;
      if (prec < minPrec) break;
      st.next++;
      st.notsUsed = 0;
      const right = this.climb(st, prec + 1);
      const opSpan = this.tokSpan(op);
      left = { kind: 'binary', op: op.image as ast.BinaryOpText, opSpan, left, right, span: joinSpans(joinSpans(left.span, opSpan), right.span) };
    }
    return left;
  }

  /** Operand `st.next` with the prefixes not applied yet: `not`s first, then `-`s. */
  private prefixed(st: Climb, minPrec: number): ast.Expr {
    const { prefix, primary } = st.operands[st.next];
    let nots = 0;
    while (nots < prefix.length && prefix[nots].tokenType === t.Not) nots++;
    if (st.notsUsed < nots) {
      const first = st.notsUsed === 0;
      const notSpan = this.tokSpan(prefix[st.notsUsed++]);
      if (first && minPrec > NOT_PRECEDENCE) {
        this.diagnostics.error('syntax-error', notSpan, '`not` here needs parentheses', 'write `(not …)`');
      }
      const inner = this.climb(st, NOT_PRECEDENCE + 1);
      return { kind: 'unary', op: 'not', operand: inner, span: joinSpans(notSpan, inner.span) };
    }
    let expr = this.expr(primary, st.fallback);
    for (let i = prefix.length - 1; i >= nots; i--) {
      expr = { kind: 'unary', op: '-', operand: expr, span: joinSpans(this.tokSpan(prefix[i]), expr.span) };
    }
    return expr;
  }

  primary(ctx: cst.PrimaryCstChildren, fallback: Span): ast.Expr {
    const intTok = ctx.Integer?.[0];
    if (intTok) {
      const n = this.integer(intTok);
      return n === null ? this.error(real(intTok) ? this.tokSpan(intTok) : fallback) : this.literal('int', n, intTok);
    }
    const floatTok = ctx.Float?.[0];
    if (real(floatTok)) {
      const n = Number(floatTok.image);
      if (!Number.isFinite(n)) {
        this.diagnostics.error('invalid-number', this.tokSpan(floatTok), `the number ${t.quote(floatTok.image)} is too large`);
        return this.error(this.tokSpan(floatTok));
      }
      return this.literal('float', n, floatTok);
    }
    const s = this.str(ctx.StringLiteral?.[0]);
    if (s) return { kind: 'literal', literalKind: 'string', value: s.value, span: s.span };
    if (real(ctx.True?.[0])) return this.literal('bool', true, ctx.True[0]);
    if (real(ctx.False?.[0])) return this.literal('bool', false, ctx.False[0]);
    if (real(ctx.Null?.[0])) return this.literal('null', null, ctx.Null[0]);
    if (ctx.ref) {
      // a reference; one with a missing part (`a.`) is unreadable
      const parts = this.parts(ctx.ref, ctx.Dot);
      if (!parts) return this.error(this.span(ctx, fallback));
      return { kind: 'ref', parts, span: joinSpans(parts[0].span, parts[parts.length - 1].span) };
    }
    const node = ctx.parenExpr?.[0] ?? ctx.caseExpr?.[0] ?? ctx.castExpr?.[0] ?? ctx.callExpr?.[0];
    return this.expr(node, fallback);
  }

  private literal(literalKind: ast.LiteralExpr['literalKind'], value: ast.LiteralExpr['value'], tok: IToken): ast.LiteralExpr {
    return { kind: 'literal', literalKind, value, span: this.tokSpan(tok) };
  }

  /** `( e )` is `e` itself (no AST node of its own), with a span that includes the parentheses. */
  parenExpr(ctx: cst.ParenExprCstChildren, fallback: Span): ast.Expr {
    const span = this.span(ctx, fallback);
    return { ...this.expr(ctx.expression?.[0], span), span };
  }

  caseExpr(ctx: cst.CaseExprCstChildren, fallback: Span): ast.Expr {
    const span = this.span(ctx, fallback);
    const branches: { when: ast.Expr; then: ast.Expr }[] = [];
    for (let i = 0; i < (ctx.When?.length ?? 0); i++) {
      branches.push({ when: this.expr(ctx.when?.[i], span), then: this.expr(ctx.then?.[i], span) });
    }
    if (branches.length === 0) return this.error(span);
    const elseExpr = ctx.Else ? this.expr(ctx.else?.[0], span) : null;
    return { kind: 'case', branches, else: elseExpr, span };
  }

  castExpr(ctx: cst.CastExprCstChildren, fallback: Span): ast.Expr {
    const span = this.span(ctx, fallback);
    const to = this.typeRefOf(ctx.typeRef?.[0]);
    if (!to) return this.error(span);
    return { kind: 'cast', operand: this.expr(ctx.expression?.[0], span), to, span };
  }

  callExpr(ctx: cst.CallExprCstChildren, fallback: Span): ast.Expr {
    const callee = this.name(ctx.callee?.[0]);
    const span = this.span(ctx, fallback);
    if (!callee) return this.error(span);
    const args = (ctx.args ?? []).map((a) => this.expr(a, span));
    // `f(a,)`: a missing argument after a comma.
    while (args.length > 0 && args.length <= (ctx.Comma?.length ?? 0)) args.push(this.missing(span));
    let window: ast.WindowClause | null = null;
    if (ctx.Over) {
      window = this.window(ctx);
      if (!window) return this.error(span); // a broken window, already reported
    }
    return { kind: 'call', callee, args, window, span };
  }

  /** `over 7d`, `over 7d every 1h`, `over all`; null when a part is missing or invalid. */
  private window(ctx: cst.CallExprCstChildren): ast.WindowClause | null {
    let size: ast.WindowClause['size'] | null;
    if (real(ctx.All?.[0])) size = { all: true, span: this.tokSpan(ctx.All[0]) };
    else size = this.duration(ctx.size?.[0]);
    if (!size || !ctx.Over) return null;
    let every: ast.Duration | null = null;
    if (ctx.Every) {
      every = this.duration(ctx.every?.[0]);
      if (!every) return null;
    }
    return { size, every, span: joinSpans(this.tokSpan(ctx.Over[0]), (every ?? size).span) };
  }
}

/**
 * Builds the AST of one file from the CSTs of its chunks: `add` each chunk's root in source
 * order, then take `result()`. Problems found on the way go to `diagnostics`.
 */
export class FileBuilder {
  private readonly builder: AstBuilder;

  constructor(file: SourceFile, diagnostics: DiagnosticBag) {
    this.builder = new AstBuilder(file, diagnostics);
  }

  add(root: CstNode): void {
    this.builder.visit(root);
  }

  result(): ast.File {
    return this.builder.result();
  }
}
