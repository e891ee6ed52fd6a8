// Error recovery: a broken item or declaration does not hide the ones after it, every
// error of a file is reported in one run, and the AST keeps what could be read without
// giving the checker anything to report again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ast } from '../../../dsl/index.js';
import { exprs, parse, sexpr } from './helpers.js';

const names = (file: ast.File) => file.decls.map((d) => `${d.kind} ${d.name.text}`);
const items = (g: ast.Decl) =>
  (g.kind === 'group' || g.kind === 'model' ? g.items : []).map((i) => (i.kind === 'feature' ? `${i.name.text} = ${sexpr(i.expr)}` : i.kind));

test('two broken items in one group: both reported, the other items and later declarations kept', () => {
  const r = parse(`group stats on driver from trips {
  feature a = count() over 1h
  feature b = avg(fare over 7d
  feature c = max(fare) over 1d
  feature d = fare *
  feature e = sum(fare) over 30d
}
model m { features stats.* }
entity driver { key id: string }
`);
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`), [
    'syntax-error 3:24 expected `)` after `fare`, found `over`',
    'syntax-error 6:3 expected an expression after `*`, found `feature`',
  ]);
  assert.deepEqual(names(r.ast), ['group stats', 'model m', 'entity driver']);
  assert.deepEqual(items(r.ast.decls[0]), [
    'a = (count :over 1h)',
    'b = (avg fare :over 7d)', // `)` inserted by recovery
    'c = (max fare :over 1d)',
    'd = (* fare <error>)',
    'e = (sum fare :over 30d)',
  ]);
});

test('broken items in several declarations are all reported', () => {
  const r = parse(`entity driver { key id string }
source trips { events stream kafka format json fields { a: int b int } }
group g on driver from trips {
  where a ==
  let x = (a + 
  feature f = x
}
model m { features g.*, }
`);
  assert.deepEqual(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`), [
    '1:24 expected `:` after `id`, found `string`',
    '2:36 expected a string after `kafka`, found `format`',
    '2:66 expected `:` after `b`, found `int`',
    '5:3 expected an expression after `==`, found `let`',
    '6:3 expected an expression after `+`, found `feature`',
    '8:25 expected a name after `,`, found `}`',
  ]);
  assert.deepEqual(names(r.ast), ['entity driver', 'source trips', 'group g', 'model m']);
  const driver = r.ast.decls[0] as ast.Entity;
  assert.deepEqual(driver.keys.map((k) => k.name.text), ['id']); // `:` inserted
  const g = r.ast.decls[2] as ast.Group;
  assert.deepEqual(g.items.map((i) => (i.kind === 'feature' || i.kind === 'let' || i.kind === 'where' ? `${i.kind} ${sexpr(i.expr)}` : i.kind)), [
    'where (== a <error>)',
    'let (+ a <error>)', // `(a +` with its `)` missing
    'feature x',
  ]);
});

test('a declaration without its `}` ends where the next declaration starts', () => {
  const r = parse(`group a on driver from trips {
  feature x = count() over 1h

group b on driver from trips {
  feature y = count() over 7d
}
`);
  assert.deepEqual(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`), [
    '4:1 expected `}` to close group `a`, found `group`',
  ]);
  assert.deepEqual(names(r.ast), ['group a', 'group b']);
  assert.deepEqual(r.ast.decls.map(items), [['x = (count :over 1h)'], ['y = (count :over 7d)']]);
});

test('junk between declarations is skipped', () => {
  const r = parse('entity a { key id: int }\n}}} oops ;\nentity b { key id: int }\n');
  assert.equal(r.diagnostics.length, 2); // `}` and the stray `;`
  assert.deepEqual(names(r.ast), ['entity a', 'entity b']);
});

test('a header without a name leaves the declaration out; a missing name leaves the item out', () => {
  const r = parse(`source { events }
group g2 on driver from trips {
  feature = 2
  let = 3
  key = 4
  feature ok = 5
}
entity { key id: int }
model m { features }
`);
  assert.equal(r.diagnostics.length, 6, r.diagnostics.map((d) => d.message).join('\n'));
  assert.deepEqual(names(r.ast), ['group g2', 'model m']);
  assert.deepEqual(items(r.ast.decls[0]), ['ok = 5']);
  assert.deepEqual(items(r.ast.decls[1]), []); // `features` with no selection is left out
});

test('no ErrorExpr without a diagnostic, and every ErrorExpr stands for a reported problem', () => {
  const clean = parse('group g on d from t { feature f = if(a, (b), -c) + case when x then y else z end }');
  assert.deepEqual(clean.diagnostics, []);
  assert.equal([...exprs(clean.ast)].filter((e) => e.kind === 'error').length, 0);
  const broken = parse('group g on d from t { feature f = if(a, , c) + cast(x as) + g(1,) }');
  assert.ok(broken.diagnostics.length > 0);
  const f = (broken.ast.decls[0] as ast.Group).items[0] as ast.FeatureDecl;
  assert.equal(sexpr(f.expr), '(+ (+ (if a <error> c) <error>) (g 1 <error>))');
});

test('an unterminated string or comment does not hide the rest', () => {
  const r = parse('group g on d from t {\n  description "oops\n  feature f = 1\n}\nentity e { key k: int }');
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['unterminated-string']);
  assert.deepEqual(names(r.ast), ['group g', 'entity e']);
});

test('deep nesting is a diagnostic, not a crash', () => {
  const deep = parse(`group g on d from t { feature f = ${'('.repeat(20000)}x }\nentity e { key k: int }`);
  assert.deepEqual(deep.diagnostics.map((d) => `${d.code} ${d.message}`), ['syntax-error this file nests expressions too deeply to be parsed']);
  const ok = parse(`group g on d from t { feature f = ${'('.repeat(100)}x${')'.repeat(100)} }`);
  assert.deepEqual(ok.diagnostics, []);
  assert.equal(sexpr(((ok.ast.decls[0] as ast.Group).items[0] as ast.FeatureDecl).expr), 'x');
});
