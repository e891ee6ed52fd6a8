/**
 * Chevrotain's recognition exceptions → `syntax-error` diagnostics in plain words:
 * "expected `}` to close group `driver_trip_stats`, found `feature`",
 * "expected an expression after `==`, found end of file".
 *
 * The parser's error message provider (parser.ts) only says what was expected; what was
 * found, what came before it and which declaration is open are added here from the token
 * stream, which is more reliable than the parser's state during re-sync recovery.
 */
import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.js';
import { didYouMean, type Diagnostic } from './diagnostics.js';
import type { SourceFile, Span } from './source.js';
import * as t from './tokens.js';

/** A declaration's keyword position and name, to say which one a missing `}` belongs to. */
export interface DeclHeader {
  readonly kind: 'entity' | 'source' | 'group' | 'model';
  readonly name: string | null;
  readonly start: number;
}

const DECL_RULES: Record<string, DeclHeader['kind']> = {
  entityDecl: 'entity',
  sourceDecl: 'source',
  groupDecl: 'group',
  modelDecl: 'model',
};

const META = ['description', 'owner', 'tags', 'ttl', 'version'];
/** Words that may start the next item, for "did you mean" on a misspelled keyword. */
const ITEM_WORDS: Record<string, string[]> = {
  file: ['namespace', 'import', 'entity', 'source', 'group', 'model'],
  entityDecl: ['key', ...META],
  sourceDecl: ['events', 'snapshot', 'stream', 'table', 'timestamp', 'fields', ...META],
  groupDecl: ['where', 'key', 'let', 'feature', ...META],
  modelDecl: ['features', 'feature', ...META],
};

const RESERVED = new Set<string>(t.RESERVED_KEYWORDS);
/** What is expected right after an expression (or inside one): there, `=` was meant as `==`. */
const EXPRESSION_CONTEXT = new Set(['an expression', '`}`', '`)`', '`then`', '`end`']);

/**
 * The diagnostic of one recognition exception of a chunk of the file that ended at token
 * index `chunkEnd` (index.ts parses a file declaration by declaration): the parser's end
 * of input is the next chunk's first token, or the real end of the file.
 */
export function syntaxErrorDiagnostic(
  e: IRecognitionException,
  tokens: readonly IToken[],
  chunkEnd: number,
  file: SourceFile,
  decls: readonly DeclHeader[],
): Diagnostic {
  let tok: IToken | undefined = e.token;
  if (tok === undefined || tok.tokenType === EOF || !Number.isFinite(tok.startOffset)) tok = tokens[chunkEnd];
  const atEof = tok === undefined;
  const index = atEof ? tokens.length : tokenIndex(tokens, tok.startOffset);
  const prev = index > 0 ? tokens[index - 1] : undefined;
  // at the end of the file, point at the last token
  const spanTok = atEof ? tokens[tokens.length - 1] : tok;
  let span: Span = spanTok ? file.span(spanTok.startOffset, spanTok.startOffset + spanTok.image.length) : file.span(0, 0);
  const found = tok === undefined ? 'end of file' : t.quote(tok.image);
  const foundType: TokenType | undefined = tok?.tokenType;

  const ruleStack = e.context?.ruleStack ?? [];
  const inner = ruleStack[ruleStack.length - 1] ?? 'file';
  const expected = e.message;
  const after = prev ? ` after ${t.quote(prev.image)}` : '';
  const hints: string[] = [];
  let message: string;

  if (e.name === 'NotAllInputParsedException' || (expected === 'end of file' && ruleStack.length <= 1)) {
    message = `expected a declaration (\`entity\`, \`source\`, \`group\`, \`model\`) or \`import\`, found ${found}`;
    if (tok && foundType === t.Identifier) hints.push(...optional(didYouMean(tok.image, ITEM_WORDS.file)));
  } else if (expected === '`}`' && inner in DECL_RULES) {
    const kind = DECL_RULES[inner];
    const offset = tok === undefined ? Infinity : tok.startOffset;
    const decl = [...decls].reverse().find((d) => d.kind === kind && d.start <= offset);
    const what = decl?.name ? `${kind} ${t.quote(decl.name)}` : `this ${kind}`;
    message = `expected \`}\` to close ${what}, found ${found}`;
    if (tok && foundType === t.Identifier) hints.push(...optional(didYouMean(tok.image, ITEM_WORDS[inner])));
  } else if (expected === '`on`' && inner === 'groupDecl' && prev?.tokenType === t.On && tokens[index - 2]?.tokenType === t.Group) {
    // `group on driver from trips`: the name is missing and `on` was taken for it
    message = `expected the group's name after \`group\`, found \`on\``;
    span = file.span(prev.startOffset, prev.startOffset + prev.image.length);
  } else if (expected === '`}`' && inner === 'fieldsBlock') {
    message = `expected \`}\` to close \`fields\`, found ${found}`;
  } else if (expected === '`else`' && inner === 'caseExpr') {
    message = `expected \`when\`, \`else\` or \`end\`${after}, found ${found}`;
  } else {
    message = `expected ${expected}${after}, found ${found}`;
  }

  if (foundType === t.Equals && EXPRESSION_CONTEXT.has(expected)) hints.push('to compare values, write `==`');
  if (expected === 'a name' && tok && RESERVED.has(tok.image)) {
    hints.push(`\`${tok.image}\` is a reserved word and cannot be used as a name`);
  }
  return { code: 'syntax-error', severity: 'error', span, message, hints };
}

function optional(s: string | undefined): string[] {
  return s === undefined ? [] : [s];
}

/** Index of the token starting at `offset` (or of the first one after it). */
function tokenIndex(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
