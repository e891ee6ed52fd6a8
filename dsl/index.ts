/**
 * The syntax front end of Palette's feature-definition language: text → tokens → CST → AST.
 * One public function, `parseFile`; it never throws, every problem is a Diagnostic.
 */
import type { CstNode, IToken } from 'chevrotain';
import { tokenMatcher } from './chevrotain.js';
import type * as ast from './ast.js';
import { FileBuilder } from './cst-to-ast.js';
import type * as cst from './cst-types.js';
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { parser } from './parser.js';
import type { SourceFile } from './source.js';
import { syntaxErrorDiagnostic, type DeclHeader } from './syntax-errors.js';
import * as t from './tokens.js';

export * from './source.js';
export * from './diagnostics.js';
export type * as ast from './ast.js';

export interface ParseResult {
  readonly ast: ast.File;
  readonly diagnostics: Diagnostic[];
}

/**
 * Parses one `.pal` file. Never throws: lexical and syntax errors, and anything the parser
 * could not read, come back as diagnostics (sorted by position, at most one per position);
 * the AST holds everything that could be read (see cst-to-ast.ts for what is left out).
 *
 * The file is parsed declaration by declaration (see `chunkStarts`): the same grammar and
 * recovery, but a broken declaration cannot swallow the next one, and each CST is dropped
 * as soon as its AST is built, which keeps big files fast (most CST objects then die young).
 */
export function parseFile(file: SourceFile): ParseResult {
  let tokens: IToken[] = [];
  // Recovery throws (and catches) an exception per syntax error; their stack traces are
  // never looked at, and capturing them was a fifth of the time of parsing a broken file.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const lexed = t.tokenize(file);
    tokens = lexed.tokens;
    const bag = new DiagnosticBag();
    const builder = new FileBuilder(file, bag);
    const reported = new Set(lexed.diagnostics.map((d) => d.span.start));
    bag.addAll(lexed.diagnostics);

    const starts = chunkStarts(tokens);
    for (let c = 0; c < starts.length; c++) {
      const end = c + 1 < starts.length ? starts[c + 1] : tokens.length;
      parser.input = starts.length === 1 ? tokens : tokens.slice(starts[c], end);
      const root = parser.file();
      const errors = parser.errors;
      if (errors.length > 0) {
        const headers = declHeaders(root);
        for (const e of errors) {
          const d = syntaxErrorDiagnostic(e, tokens, end, file, headers);
          // one report per position; a stray character the lexer reported is the same problem
          if (reported.has(d.span.start)) continue;
          reported.add(d.span.start);
          bag.add(d);
        }
      }
      builder.add(root);
    }
    parser.input = []; // drop the parser's references to this file's tokens
    return { ast: builder.result(), diagnostics: sortDiagnostics(bag.all) };
  } catch (e) {
    parser.input = [];
    return { ast: emptyFile(file), diagnostics: [crashDiagnostic(e, file, tokens)] };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * Where declarations start: a token `entity`/`source`/`model` followed by a name and `{`,
 * or `group` followed by a name and `on`. In valid code these sequences occur nowhere else
 * (a soft keyword used as a name is never followed by a name), so parsing the chunks one
 * by one equals parsing the whole file; in broken code, a declaration whose `}` is missing
 * ends where the next one starts. Namespace and imports stay with the chunk before them.
 */
function chunkStarts(tokens: readonly IToken[]): number[] {
  const starts = [0];
  for (let i = 1; i + 2 < tokens.length; i++) {
    const type = tokens[i].tokenType;
    if (type !== t.Entity && type !== t.Source && type !== t.Model && type !== t.Group) continue;
    if (!tokenMatcher(tokens[i + 1], t.Name)) continue;
    const third = tokens[i + 2].tokenType;
    if (type === t.Group ? third === t.On : third === t.LCurly) starts.push(i);
  }
  return starts;
}

function declHeaders(root: CstNode): DeclHeader[] {
  const c = root.children as cst.FileCstChildren;
  const out: DeclHeader[] = [];
  const add = (kind: DeclHeader['kind'], nodes: { children: { name?: IToken[] }; location?: CstNode['location'] }[] | undefined) => {
    for (const n of nodes ?? []) {
      const name = n.children.name?.[0];
      out.push({ kind, name: name && !name.isInsertedInRecovery ? name.image : null, start: n.location?.startOffset ?? 0 });
    }
  };
  add('entity', c.entityDecl);
  add('source', c.sourceDecl);
  add('group', c.groupDecl);
  add('model', c.modelDecl);
  return out.sort((a, b) => a.start - b.start);
}

function emptyFile(file: SourceFile): ast.File {
  return { kind: 'file', path: file.path, namespace: null, imports: [], decls: [], span: file.span(0, file.text.length) };
}

/**
 * The parser and the AST builder recurse once per nesting level; input nested thousands of
 * levels deep (`((((…`) exhausts the stack. That, or a bug, becomes one diagnostic.
 */
function crashDiagnostic(e: unknown, file: SourceFile, tokens: readonly IToken[]): Diagnostic {
  if (e instanceof RangeError) {
    const deepest = deepestToken(tokens);
    const span = deepest ? file.span(deepest.startOffset, deepest.startOffset + deepest.image.length) : file.span(0, 0);
    return { code: 'syntax-error', severity: 'error', span, message: 'this file nests expressions too deeply to be parsed', hints: ['split the expression with `let`'] };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal-error', severity: 'error', span: file.span(0, 0), message: `internal error in the parser: ${message}`, hints: ['this is a bug in Palette; please report it with this file'] };
}

/** The token where `(`, `case` and prefix `-`/`not` nesting is deepest. */
function deepestToken(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let best = -1;
  let at: IToken | undefined;
  for (const tok of tokens) {
    const type = tok.tokenType;
    if (type === t.LParen || type === t.Case || type === t.Minus || type === t.Not) depth++;
    else if (type === t.RParen || type === t.End) depth = Math.max(0, depth - 1);
    if (depth > best) {
      best = depth;
      at = tok;
    }
  }
  return at;
}
