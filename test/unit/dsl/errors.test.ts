// Broken input: every syntax diagnostic code with its position and message, and recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ast } from '../../../dsl/index.js';
import { diags, exprs, parse, sexpr } from './helpers.js';

// ---------------------------------------------------------------------------------------
// diagnostics: Every syntax diagnostic code, with its exact position and message.

test('syntax-error: missing operand at the end of the file points at the last token', () => {
  assert.deepEqual(diags('group g on driver from trips {\n  feature a = count() =='), [
    'syntax-error 2:23 expected an expression after `==`, found end of file',
  ]);
});

test('syntax-error: a missing `}` names the open declaration', () => {
  assert.deepEqual(diags('entity driver {\n  key id: string\n  feature x = 1\n}\n'), [
    'syntax-error 3:3 expected `}` to close entity `driver`, found `feature`',
  ]);
  assert.deepEqual(diags('group driver_trip_stats on driver from trips {\n  feature a = count() over 1h\n\nmodel m { features driver_trip_stats.* }\n'), [
    'syntax-error 4:1 expected `}` to close group `driver_trip_stats`, found `model`',
  ]);
  assert.deepEqual(diags('source s {\n  events\n  fields { a: int\n}\n'), [
    'syntax-error 4:1 expected `}` to close source `s`, found end of file', // at the last token,
  ]);
});

test('syntax-error: a token where another is required', () => {
  assert.deepEqual(diags('group g on d from t {\n  feature x count()\n}'), ['syntax-error 2:13 expected `=` after `x`, found `count`']);
  assert.deepEqual(diags('group g on d from t {\n  feature = 1\n}'), ['syntax-error 2:11 expected a name after `feature`, found `=`']);
  assert.deepEqual(diags('group g on d from t {\n  feature f = count() over\n}'), ['syntax-error 3:1 expected a duration (like `7d`) or `all` after `over`, found `}`']);
  assert.deepEqual(diags('entity e { key k: }'), ['syntax-error 1:19 expected a type after `:`, found `}`']);
  assert.deepEqual(diags('group g on d from t {\n  feature f = case else 1 end\n}'), ['syntax-error 2:20 expected `when` after `case`, found `else`']);
});

test('syntax-error: junk between items, with a hint for a misspelled keyword or `=`', () => {
  const r = parse('group g on d from t {\n  feture a = 1\n  where status = "x"\n}');
  assert.deepEqual(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message} | ${d.hints.join(' | ')}`), [
    '2:3 expected `}` to close group `g`, found `feture` | did you mean `feature`?',
    '3:16 expected `}` to close group `g`, found `=` | to compare values, write `==`',
  ]);
});

test('syntax-error: junk at top level; misplaced namespace', () => {
  assert.deepEqual(diags('entity e { key k: int }\nfoo bar\nentity f { key k: int }'), [
    'syntax-error 2:1 expected a declaration (`entity`, `source`, `group`, `model`) or `import`, found `foo`',
  ]);
  assert.deepEqual(diags('import a.b\nnamespace x\nnamespace y'), [
    'syntax-error 2:1 `namespace` must come first in the file, before imports and declarations',
    'syntax-error 3:1 a file has only one `namespace`',
  ]);
});

test('unterminated-string: reported once, the string still parses', () => {
  const r = parse('entity e {\n  owner "pricing@rides\n  key id: string\n}');
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col}-${d.span.endLine}:${d.span.endCol} ${d.message}`), [
    'unterminated-string 2:9-2:23 this string is not closed before the end of the line',
  ]);
  const e = r.ast.decls[0] as ast.Entity;
  assert.equal(e.keys.length, 1);
  assert.ok(e.meta[0].key === 'owner' && e.meta[0].value.value === 'pricing@rides');
});

test('unexpected-character: one diagnostic per run of bad characters', () => {
  assert.deepEqual(diags('group g on d from t {\n  feature a = x ## y\n  feature b = x @ 2\n}'), [
    'unexpected-character 2:17 unexpected characters `##`',
    'unexpected-character 3:17 unexpected character `@`',
  ]);
  assert.deepEqual(parse("entity e { owner 'x' }").diagnostics[0].hints, ['strings are written in double quotes: "..."']);
  assert.deepEqual(diags('group g on d from t { where a && b }'), ['unexpected-character 1:31 unexpected characters `&&`']);
});

test('invalid-number: malformed numbers and durations, out of range values', () => {
  assert.deepEqual(diags('group g on d from t {\n  ttl 7days\n  feature a = 1.2.3 + 12abc\n  feature b = count() over 1.5h\n}'), [
    'invalid-number 2:7 `7days` is not a valid number or duration',
    'invalid-number 3:15 `1.2.3` is not a valid number or duration',
    'invalid-number 3:23 `12abc` is not a valid number or duration',
    'invalid-number 4:28 `1.5h` is not a valid number or duration',
  ]);
  assert.deepEqual(diags('group g on d from t {\n  version 99999999999999999999\n  feature a = 1e999 + 9007199254740993\n}'), [
    'invalid-number 2:11 the integer `99999999999999999999` is too large',
    'invalid-number 3:15 the number `1e999` is too large',
    'invalid-number 3:23 the integer `9007199254740993` is too large',
  ]);
  // the checker sees no value for them: the item is left out, the expression is an ErrorExpr
  const g = parse('group g on d from t {\n  ttl 7days\n  feature a = 1 + 12abc\n}').ast.decls[0] as ast.Group;
  assert.deepEqual(g.items.map((i) => i.kind), ['feature']);
  const f = g.items[0] as ast.FeatureDecl;
  assert.ok(f.expr.kind === 'binary' && f.expr.right.kind === 'error');
});

test('invalid-escape and unterminated-comment', () => {
  assert.deepEqual(diags('entity e { owner "a\\qb" }'), ['invalid-escape 1:20 unknown escape sequence `\\q`']);
  assert.deepEqual(diags('entity e { key k: int }\n/* never closed\nentity f { }'), ['unterminated-comment 2:1 this `/*` comment is never closed']);
});

test('a mistake is reported once, not at the same position twice', () => {
  const r = parse('group g on d from t {\n  feature a = x # + 1\n}');
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col}`), ['unexpected-character 2:17']);
});

test('an empty file and a file of comments are fine', () => {
  assert.deepEqual(diags(''), []);
  assert.deepEqual(diags('// nothing here\n/* really */\n'), []);
  assert.deepEqual(parse('').ast.decls, []);
});

// ---------------------------------------------------------------------------------------
// recovery: Error recovery: a broken item or declaration does not hide the ones after it, every
// error of a file is reported in one run, and the AST keeps what could be read without
// giving the checker anything to report again.

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
group on driver from trips { feature f = 1 }
group g2 on driver from trips {
  feature = 2
  let = 3
  key = 4
  feature ok = 5
}
entity { key id: int }
model m { features }
`);
  assert.equal(r.diagnostics.length, 7, r.diagnostics.map((d) => d.message).join('\n'));
  assert.equal(r.diagnostics[1].message, "expected the group's name after `group`, found `on`");
  assert.deepEqual(names(r.ast), ['group g2', 'model m']);
  assert.deepEqual(items(r.ast.decls[0]), ['ok = 5']);
  assert.deepEqual(items(r.ast.decls[1]), []); // `features` with no selection is left out
});

test('no ErrorExpr without a diagnostic, and every ErrorExpr stands for a reported problem', () => {
  const clean = parse('group g on d from t { feature f = if(a, (b), -c) + case when x then y else z end }');
  assert.deepEqual(clean.diagnostics, []);
  assert.equal(exprs(clean.ast).filter((e) => e.kind === 'error').length, 0);
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
