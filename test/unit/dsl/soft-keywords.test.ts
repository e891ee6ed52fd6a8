// Soft keywords are names wherever a name is expected; reserved keywords never are. The
// grammar is free of ambiguities (Chevrotain's self-analysis).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ast } from '../../../dsl/index.js';
import { parser } from '../../../dsl/parser.js';
import { RESERVED_KEYWORDS, SOFT_KEYWORDS } from '../../../dsl/tokens.js';
import { diags, expr, parse, sexpr } from './helpers.js';

test('the grammar has no definition errors (no ambiguities)', () => {
  assert.deepEqual(parser.definitionErrors, []);
});

test('every soft keyword works as a field name, key name, feature name and reference', () => {
  for (const w of SOFT_KEYWORDS) {
    const text = [
      `entity ${w} { key ${w}: string }`,
      `source ${w} { events fields { ${w}: ${w}?, x: list<${w}> } timestamp ${w} }`,
      `group ${w} on ${w} from ${w} {`,
      `  key ${w} = ${w}.${w}`,
      `  let ${w} = ${w} + 1`,
      `  where ${w} == ${w}`,
      `  feature ${w} = sum(${w}) over 7d + ${w}(${w}) + ${w}`,
      `  feature f2 = ${w}`,
      `  feature f3 = ${w} "described"`,
      '}',
      `model ${w} { features ${w}.${w}, ${w}.* , ${w}.${w} as ${w} }`,
    ].join('\n');
    const r = parse(text);
    assert.deepEqual(r.diagnostics, [], `soft keyword \`${w}\``);
    assert.equal(r.ast.decls.length, 4, w);
    const g = r.ast.decls[2] as ast.Group;
    assert.deepEqual(
      g.items.map((i) => (i.kind === 'feature' || i.kind === 'let' ? `${i.kind} ${i.name.text} = ${sexpr(i.expr)}` : i.kind === 'key-map' ? `key ${i.key.text} = ${sexpr(i.expr)}` : i.kind === 'where' ? `where ${sexpr(i.expr)}` : i.kind)),
      [
        `key ${w} = ${w}.${w}`,
        `let ${w} = (+ ${w} 1)`,
        `where (== ${w} ${w})`,
        `feature ${w} = (+ (+ (sum ${w} :over 7d) (${w} ${w})) ${w})`,
        `feature f2 = ${w}`,
        `feature f3 = ${w}`,
      ],
      w,
    );
  }
});

test('columns called status, table, version, timestamp, key, events, all, format, partition', () => {
  const text = `source s {
  events
  fields { status: string, table: string, version: int, timestamp: timestamp, key: long, events: int, all: int, format: string, partition: date }
}
group g on e from s {
  where status == "ok" and version > 2
  feature f = table + key + events + all + format + partition + timestamp
  feature c = count(all) over all
}`;
  const r = parse(text);
  assert.deepEqual(r.diagnostics, []);
  const g = r.ast.decls[1] as ast.Group;
  assert.deepEqual(g.items.map((i) => (i.kind === 'feature' || i.kind === 'where' ? sexpr(i.expr) : i.kind)), [
    '(and (== status "ok") (> version 2))',
    '(+ (+ (+ (+ (+ (+ table key) events) all) format) partition) timestamp)',
    '(count all :over all)',
  ]);
});

test('an item keyword ends the expression before it', () => {
  // `feature`, `key`, `let`... at the start of the next line are the next item, not a name
  const r = parse('group g on e from s {\n feature a = x\n feature b = key\n key k = let\n let l = where\n where version\n ttl 7d\n version 3\n}');
  assert.deepEqual(r.diagnostics, []);
  const g = r.ast.decls[0] as ast.Group;
  assert.deepEqual(g.items.map((i) => i.kind), ['feature', 'feature', 'key-map', 'let', 'where', 'meta', 'meta']);
});

test('reserved keywords are not names', () => {
  for (const w of RESERVED_KEYWORDS) {
    const r = diags(`entity e { key ${w}: string }`);
    assert.equal(r.length, 1, `${w}: ${r.join('; ')}`);
    assert.match(r[0], /^syntax-error 1:16 expected a name after `key`, found `/, w);
  }
  const r = parse('entity e { key end: string }');
  assert.deepEqual(r.diagnostics[0].hints, ['`end` is a reserved word and cannot be used as a name']);
});

test('keywords are case-sensitive and only whole words', () => {
  assert.equal(expr('Feature + features_x + entity1').sexpr, '(+ (+ Feature features_x) entity1)');
  assert.equal(expr('andx + notice + or_else').sexpr, '(+ (+ andx notice) or_else)');
});
