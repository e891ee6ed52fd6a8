// parseFile never throws: 3,000 seeded random mutations of the design example (tokens and
// characters deleted, duplicated, swapped; random punctuation inserted) and random garbage.
// Every diagnostic and every AST span must lie inside the file; a clean parse has no ErrorExpr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFile, SourceFile, type ast, type Diagnostic } from '../../../dsl/index.js';
import { exprs, RIDES, spans } from './helpers.js';

const CODES = new Set(['syntax-error', 'unterminated-string', 'unexpected-character', 'invalid-number', 'invalid-escape', 'unterminated-comment']);
const PUNCTUATION = ['{', '}', '(', ')', ',', '.', ':', '?', '=', '==', '<', '>', '+', '-', '*', '/', '%', '"', '/*', '//', '#', '@', ';', '\\', '\n', '`', '!', '7d', '1.5', 'é'];

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A rough tokenization of its own (not the lexer under test): words, numbers, strings, single characters. */
function pieces(text: string): string[] {
  return text.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*|"[^"\n]*"?|\/\/[^\n]*|./gs) ?? [];
}

function mutate(text: string, random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  const count = 1 + pick(4);
  let out = text;
  for (let m = 0; m < count; m++) {
    const p = pieces(out);
    const i = pick(p.length);
    const j = pick(p.length);
    switch (pick(7)) {
      case 0: p.splice(i, 1); break; // delete a token
      case 1: p.splice(i, 0, p[i]); break; // duplicate a token
      case 2: [p[i], p[j]] = [p[j], p[i]]; break; // swap two tokens
      case 3: p.splice(i, 0, PUNCTUATION[pick(PUNCTUATION.length)]); break; // insert punctuation
      case 4: { // delete a character
        const s = p.join('');
        const k = pick(s.length);
        return s.slice(0, k) + s.slice(k + 1);
      }
      case 5: { // duplicate a character
        const s = p.join('');
        const k = pick(s.length);
        return s.slice(0, k) + s[k] + s.slice(k);
      }
      default: { // swap two characters
        const s = [...p.join('')];
        const k = pick(s.length);
        const l = pick(s.length);
        [s[k], s[l]] = [s[l], s[k]];
        return s.join('');
      }
    }
    out = p.join('');
  }
  return out;
}

function check(text: string, label: string): { diagnostics: readonly Diagnostic[]; ast: ast.File } {
  const file = new SourceFile('fuzz.pal', text);
  let result;
  try {
    result = parseFile(file);
  } catch (e) {
    assert.fail(`${label}: parseFile threw ${String(e)}\n--- input ---\n${text}`);
  }
  const inFile = (s: { start: number; end: number; line: number; col: number; endLine: number; endCol: number }) => {
    assert.ok(s.start >= 0 && s.start <= s.end && s.end <= text.length, `${label}: span ${JSON.stringify(s)} outside the file`);
    const a = file.position(s.start);
    const b = file.position(s.end);
    if (s.line !== a.line || s.col !== a.col || s.endLine !== b.line || s.endCol !== b.col) assert.fail(`${label}: span line/col ${JSON.stringify(s)}`);
  };
  for (const d of result.diagnostics) {
    assert.ok(CODES.has(d.code), `${label}: unexpected code ${d.code}: ${d.message}\n--- input ---\n${text}`);
    assert.equal(d.span.file, 'fuzz.pal');
    inFile(d.span);
    assert.ok(d.message.length > 0);
  }
  const starts = result.diagnostics.filter((d) => d.code === 'syntax-error').map((d) => d.span.start);
  assert.equal(new Set(starts).size, starts.length, `${label}: two syntax errors at one position`);
  for (const { span } of spans(result.ast)) inFile(span);
  if (result.diagnostics.length === 0) {
    assert.equal(exprs(result.ast).filter((e) => e.kind === 'error').length, 0, `${label}: ErrorExpr without a diagnostic\n${text}`);
  }
  return result;
}

test('3,000 seeded mutations of the design example never throw and keep spans inside the file', () => {
  const random = rng(20241129);
  let withErrors = 0;
  for (let n = 0; n < 3000; n++) {
    const text = mutate(RIDES, random);
    if (check(text, `mutation ${n}`).diagnostics.length > 0) withErrors++;
  }
  assert.ok(withErrors > 1500, `only ${withErrors} mutated files had errors: the mutations are too weak`);
});

test('random garbage never throws', () => {
  const random = rng(7);
  const alphabet = 'abz_09 \n\t{}()[],.:;?=<>!+-*/%"\'\\#@`~é€😀';
  for (let n = 0; n < 300; n++) {
    const len = Math.floor(random() * 400);
    let text = '';
    for (let i = 0; i < len; i++) text += [...alphabet][Math.floor(random() * [...alphabet].length)];
    check(text, `garbage ${n}`);
  }
  for (const text of ['"', '/*', '}', '{', 'group', 'group g on', 'entity e {', 'model m { features a.', '\u0000', '\r\n\r\n', 'x'.repeat(10000)]) {
    check(text, JSON.stringify(text.slice(0, 20)));
  }
});
