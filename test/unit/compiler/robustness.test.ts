/**
 * Robustness: thousands of random mutations of the examples (deleted, duplicated or
 * swapped tokens and characters) go through the whole compiler. None may throw; each
 * ends in diagnostics with positions inside the file, or in a valid registry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileSources } from '../../../compiler/compile.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function exampleFiles(): { path: string; text: string }[][] {
  return ['rides', 'payments'].map((ex) => {
    const dir = join(root, 'examples', ex, 'definitions');
    return readdirSync(dir).filter((f) => f.endsWith('.pal')).sort().map((f) => ({ path: `${ex}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
  });
}

const PIECES = ['{', '}', '(', ')', ',', '.', '*', '?', '=', '==', '"', 'over', 'feature', 'group', 'key', '7d', '0', 'null', '/', 'every', 'as', ':', 'list<', '>', '\n', ' '];

function mutate(text: string, r: () => number): string {
  const tokens = text.split(/(\s+|[{}(),.*?=:"<>/])/).filter((t) => t !== '');
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * tokens.length);
    const j = Math.floor(r() * tokens.length);
    switch (Math.floor(r() * 6)) {
      case 0: tokens.splice(i, 1); break;
      case 1: tokens.splice(i, 0, tokens[i]); break;
      case 2: [tokens[i], tokens[j]] = [tokens[j], tokens[i]]; break;
      case 3: tokens.splice(i, 0, PIECES[Math.floor(r() * PIECES.length)]); break;
      case 4: { const t = tokens[i] ?? ''; const c = Math.floor(r() * (t.length + 1)); tokens[i] = t.slice(0, c) + t.slice(c + 1); break; }
      default: { const t = tokens[i] ?? ''; const c = Math.floor(r() * (t.length + 1)); tokens[i] = t.slice(0, c) + String.fromCharCode(32 + Math.floor(r() * 95)) + t.slice(c); }
    }
  }
  return tokens.join('');
}

test('3,000 random mutations of the examples never crash the compiler', () => {
  const r = rng(20261129);
  const repos = exampleFiles();
  let withErrors = 0;
  for (let m = 0; m < 3000; m++) {
    const repo = repos[m % repos.length];
    const victim = Math.floor(r() * repo.length);
    const inputs = repo.map((f, i) => (i === victim ? { path: f.path, text: mutate(f.text, r) } : f));
    let result;
    try {
      result = compileSources(inputs);
    } catch (e) {
      assert.fail(`mutation ${m} of ${inputs[victim].path} crashed: ${(e as Error).stack}\n--- input ---\n${inputs[victim].text}`);
    }
    const lengths = new Map(inputs.map((f) => [f.path, f.text.length]));
    for (const d of result.diagnostics) {
      const len = lengths.get(d.span.file);
      assert.ok(len !== undefined, `diagnostic in unknown file ${d.span.file}`);
      assert.ok(d.span.start >= 0 && d.span.end <= len! && d.span.start <= d.span.end, `bad span ${JSON.stringify(d.span)} (${d.code})`);
      assert.ok(d.span.line >= 1 && d.span.col >= 1);
      assert.match(d.code, /^[a-z]+(-[a-z]+)*$/);
    }
    if (result.registry === null) {
      withErrors++;
      assert.ok(result.diagnostics.some((d) => d.severity === 'error'), `mutation ${m}: no registry but no error`);
    }
  }
  assert.ok(withErrors > 1000, `only ${withErrors} mutations produced errors: the mutator is too weak`);
});
