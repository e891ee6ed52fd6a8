// Every syntax diagnostic code, with its exact position and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ast } from '../../../dsl/index.js';
import { diags, parse } from './helpers.js';

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
