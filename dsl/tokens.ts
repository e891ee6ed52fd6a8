/**
 * The lexer of the `.pal` language: token types, their human labels (used in syntax error
 * messages) and `tokenize`, which turns lexer problems into diagnostics.
 *
 * Keywords come in two kinds. Reserved keywords are never names. Soft keywords belong to
 * the `Name` token category, so every grammar position that expects a name also accepts
 * them (users have columns called `status`, `table`, `version`, `timestamp`, `key`...).
 *
 * Lexer-level problems never stop the parser: an unterminated string still becomes a
 * string token, a malformed number a number token, a run of unexpected characters one
 * Unknown token, each reported once here.
 */
import type { IToken, TokenType } from 'chevrotain';
import { createToken, createTokenInstance, Lexer } from './chevrotain.js';
import type { Diagnostic } from './diagnostics.js';
import type { SourceFile } from './source.js';

// ---------------------------------------------------------------------------------------
// Categories (no pattern of their own)

/** Anything usable as a name: identifiers and soft keywords. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });
/** Every infix operator; their precedence is applied when the AST is built (cst-to-ast.ts). */
export const BinaryOp = createToken({ name: 'BinaryOp', pattern: Lexer.NA, label: 'an operator' });

// ---------------------------------------------------------------------------------------
// Trivia

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true, label: 'whitespace' });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED, label: 'a comment' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED, line_breaks: true, label: 'a comment' });
/** `/*` without its `*\/`: swallows the rest of the file, reported as `unterminated-comment`. */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'problems', line_breaks: true, label: 'a comment' });

/**
 * A run of characters that start no token. The lexer drops such a run with one error;
 * `tokenize` puts it back into the token stream as one Unknown token, so the parser's own
 * error lands on the same position (and is dropped as a duplicate of the
 * `unexpected-character` diagnostic) and recovery skips it like any stray token.
 */
export const Unknown = createToken({ name: 'Unknown', pattern: Lexer.NA, label: 'an unexpected character' });

// ---------------------------------------------------------------------------------------
// Literals

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Name], label: 'a name' });

/** An integer glued to a unit: `250ms`, `90s`, `5m`, `1h`, `7d`, `2w`. */
export const Duration = createToken({ name: 'Duration', pattern: /[0-9]+(?:ms|s|m|h|d|w)/, label: 'a duration (like `7d`)' });
export const Float = createToken({ name: 'Float', pattern: /[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)/, label: 'a number' });
export const Integer = createToken({ name: 'Integer', pattern: /[0-9]+/, label: 'an integer' });
/**
 * A run of digits glued to letters, digits or points that is no valid number or duration
 * (`7days`, `1.2.3`, `12abc`). It is the `longer_alt` of the three number tokens, so it
 * wins only when it matches more. It is in the Integer and Duration categories so the
 * parser takes it wherever a number is expected; `tokenize` reports it as
 * `invalid-number` and the AST drops it.
 */
export const InvalidNumber = createToken({
  name: 'InvalidNumber',
  pattern: /[0-9][A-Za-z0-9_.]*/,
  categories: [Integer, Duration],
  label: 'a number',
});
// `longer_alt` set after the fact: InvalidNumber needs Integer and Duration as its categories first.
for (const t of [Duration, Float, Integer]) (t as { LONGER_ALT?: TokenType }).LONGER_ALT = InvalidNumber;

const STRING_BODY = String.raw`(?:[^"\\\r\n]|\\[^\r\n])*`;
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: new RegExp(`"${STRING_BODY}"`), label: 'a string' });
/** A string cut off by the end of its line: reported as `unterminated-string`, parsed as a string. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: new RegExp(`"${STRING_BODY}\\\\?`),
  categories: [StringLiteral],
  label: 'a string',
});

// ---------------------------------------------------------------------------------------
// Keywords

export const RESERVED_KEYWORDS = ['and', 'or', 'not', 'true', 'false', 'null', 'case', 'when', 'then', 'else', 'end', 'cast', 'as', 'over', 'every'] as const;
export const SOFT_KEYWORDS = [
  'namespace', 'import', 'entity', 'source', 'group', 'model', 'on', 'from', 'key', 'where', 'let', 'feature', 'features',
  'description', 'owner', 'tags', 'ttl', 'version', 'events', 'snapshot', 'stream', 'table', 'timestamp', 'fields', 'all',
  'format', 'partition', 'kafka', 'hive', 'list',
] as const;

const keywordTokens = new Map<string, TokenType>();

function keyword(word: string, soft: boolean, categories: TokenType[] = []): TokenType {
  const t = createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: word,
    longer_alt: Identifier,
    categories: soft ? [Name, ...categories] : categories,
    label: `\`${word}\``,
  });
  keywordTokens.set(word, t);
  return t;
}

export const And = keyword('and', false, [BinaryOp]);
export const Or = keyword('or', false, [BinaryOp]);
export const Not = keyword('not', false);
export const True = keyword('true', false);
export const False = keyword('false', false);
export const Null = keyword('null', false);
export const Case = keyword('case', false);
export const When = keyword('when', false);
export const Then = keyword('then', false);
export const Else = keyword('else', false);
export const End = keyword('end', false);
export const Cast = keyword('cast', false);
export const As = keyword('as', false);
export const Over = keyword('over', false);
export const Every = keyword('every', false);

export const Namespace = keyword('namespace', true);
export const Import = keyword('import', true);
export const Entity = keyword('entity', true);
export const Source = keyword('source', true);
export const Group = keyword('group', true);
export const Model = keyword('model', true);
export const On = keyword('on', true);
export const From = keyword('from', true);
export const Key = keyword('key', true);
export const Where = keyword('where', true);
export const Let = keyword('let', true);
export const Feature = keyword('feature', true);
export const Features = keyword('features', true);
export const Description = keyword('description', true);
export const Owner = keyword('owner', true);
export const Tags = keyword('tags', true);
export const Ttl = keyword('ttl', true);
export const Version = keyword('version', true);
export const Events = keyword('events', true);
export const Snapshot = keyword('snapshot', true);
export const Stream = keyword('stream', true);
export const Table = keyword('table', true);
export const Timestamp = keyword('timestamp', true);
export const Fields = keyword('fields', true);
export const All = keyword('all', true);
export const Format = keyword('format', true);
export const Partition = keyword('partition', true);
export const Kafka = keyword('kafka', true);
export const Hive = keyword('hive', true);
export const List = keyword('list', true);

/** The token type of a keyword, or undefined for other words. */
export function keywordToken(word: string): TokenType | undefined {
  return keywordTokens.get(word);
}

// ---------------------------------------------------------------------------------------
// Punctuation and operators (longer ones first)

function punct(name: string, text: string, categories: TokenType[] = []): TokenType {
  return createToken({ name, pattern: text, categories, label: `\`${text}\`` });
}

export const EqEq = punct('EqEq', '==', [BinaryOp]);
export const NotEq = punct('NotEq', '!=', [BinaryOp]);
export const LessEq = punct('LessEq', '<=', [BinaryOp]);
export const GreaterEq = punct('GreaterEq', '>=', [BinaryOp]);
export const Less = punct('Less', '<', [BinaryOp]);
export const Greater = punct('Greater', '>', [BinaryOp]);
export const Equals = punct('Equals', '=');
export const Plus = punct('Plus', '+', [BinaryOp]);
export const Minus = punct('Minus', '-', [BinaryOp]);
export const Star = punct('Star', '*', [BinaryOp]);
export const Slash = punct('Slash', '/', [BinaryOp]);
export const Percent = punct('Percent', '%', [BinaryOp]);
export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const Comma = punct('Comma', ',');
export const Dot = punct('Dot', '.');
export const Colon = punct('Colon', ':');
export const Question = punct('Question', '?');

// ---------------------------------------------------------------------------------------
// The vocabulary, in lexer order: first match wins, `longer_alt` settles keyword vs name.

const keywordsLongestFirst = [...keywordTokens.values()].sort(
  (a, b) => String(b.PATTERN).length - String(a.PATTERN).length,
);

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  Duration,
  Float,
  Integer,
  InvalidNumber,
  ...keywordsLongestFirst,
  Identifier,
  EqEq, NotEq, LessEq, GreaterEq, Less, Greater, Equals,
  Plus, Minus, Star, Slash, Percent,
  LCurly, RCurly, LParen, RParen, Comma, Dot, Colon, Question,
  Unknown,
  Name, BinaryOp,
];

const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true });

export interface LexResult {
  readonly tokens: IToken[];
  readonly diagnostics: Diagnostic[];
}

/** Tokens of a file, and a diagnostic for each lexical problem. Never throws. */
export function tokenize(file: SourceFile): LexResult {
  const res = lexer.tokenize(file.text);
  const diagnostics: Diagnostic[] = [];
  const add = (code: string, start: number, end: number, message: string, hint?: string): void => {
    diagnostics.push({ code, severity: 'error', span: file.span(start, end), message, hints: hint ? [hint] : [] });
  };

  // The lexer drops each run of characters that start no token, with one error per run.
  const unknown: IToken[] = [];
  for (const e of res.errors) {
    const end = e.offset + e.length;
    const image = file.text.slice(e.offset, end);
    const what = [...image].length === 1 ? 'character' : 'characters';
    add('unexpected-character', e.offset, end, `unexpected ${what} ${quote(image)}`, characterHint(image));
    const first = file.position(e.offset);
    const last = file.position(end - 1);
    unknown.push(createTokenInstance(Unknown, image, e.offset, end - 1, first.line, first.col, last.line, last.col));
  }
  for (const t of res.groups.problems ?? []) {
    add('unterminated-comment', t.startOffset, t.startOffset + 2, 'this `/*` comment is never closed', 'close it with `*/`');
  }
  for (const t of res.tokens) {
    const type = t.tokenType;
    const end = t.startOffset + t.image.length;
    if (type === UnterminatedString) {
      add('unterminated-string', t.startOffset, end, 'this string is not closed before the end of the line', 'close it with `"`');
    } else if (type === InvalidNumber) {
      add('invalid-number', t.startOffset, end, `${quote(t.image)} is not a valid number or duration`, numberHint(t.image));
    }
    if (type === StringLiteral || type === UnterminatedString) checkEscapes(t, add);
  }
  return { tokens: unknown.length === 0 ? res.tokens : mergeByOffset(res.tokens, unknown), diagnostics };
}

/** `text` in backticks for messages (`` ` `` when it holds a backtick), cut to 24 characters. */
export function quote(text: string): string {
  const cut = [...text].length > 24 ? `${[...text].slice(0, 24).join('')}…` : text;
  return cut.includes('`') ? `\`\` ${cut} \`\`` : `\`${cut}\``;
}

function mergeByOffset(a: IToken[], b: IToken[]): IToken[] {
  const out: IToken[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].startOffset < b[j].startOffset)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

function characterHint(text: string): string | undefined {
  if (text.startsWith("'")) return 'strings are written in double quotes: "..."';
  if (text.startsWith('&&')) return 'use `and`';
  if (text.startsWith('||')) return 'use `or`';
  if (text === '!') return 'use `not` or `!=`';
  return undefined;
}

function numberHint(image: string): string {
  if (/^[0-9]+[A-Za-z]/.test(image)) return 'a duration is an integer and one of the units ms, s, m, h, d, w, written together (`90s`, `7d`)';
  return 'numbers are written like `42`, `0.5` or `1e-3`';
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };

function checkEscapes(t: IToken, add: (code: string, start: number, end: number, message: string, hint?: string) => void): void {
  const s = t.image;
  for (let i = 1; i < s.length; i++) {
    if (s[i] !== '\\') continue;
    const c = s[i + 1];
    if (c !== undefined && !(c in ESCAPES)) {
      const at = t.startOffset + i;
      add('invalid-escape', at, at + 2, `unknown escape sequence \`\\${c}\``, 'the escapes are \\" \\\\ \\n \\t');
    }
    i++;
  }
}

/** The value of a string token, escapes resolved; `terminated` says whether it ends with its closing quote. */
export function unescapeString(image: string, terminated: boolean): string {
  const body = image.slice(1, terminated ? -1 : undefined);
  return body.replace(/\\([^\r\n]?)/g, (_m, c: string) => (c in ESCAPES ? ESCAPES[c] : c));
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d` → 604800000; undefined when out of the safe integer range. */
export function durationMs(image: string): number | undefined {
  const m = /^([0-9]+)(ms|s|m|h|d|w)$/.exec(image);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
