// Expressions: precedence and associativity, prefixes, literals, windows, case and cast,
// compared as compact s-expressions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ast } from '../../../dsl/index.js';
import { expr, parse } from './helpers.js';

function same(text: string, expected: string): void {
  const r = expr(text);
  assert.deepEqual(r.diagnostics, [], `${text}: unexpected diagnostics`);
  assert.equal(r.sexpr, expected, text);
}

test('precedence: or < and < not < comparison < + - < * / % < unary -', () => {
  same('a + b * c', '(+ a (* b c))');
  same('a * b + c', '(+ (* a b) c)');
  same('a - b - c', '(- (- a b) c)');
  same('a / b / c % d', '(% (/ (/ a b) c) d)');
  same('a + b == c * d', '(== (+ a b) (* c d))');
  same('a == b and c != d or e < f', '(or (and (== a b) (!= c d)) (< e f))');
  same('a or b and c', '(or a (and b c))');
  same('a and b or c and d', '(or (and a b) (and c d))');
  same('not a == b', '(not (== a b))');
  same('not a and b', '(and (not a) b)');
  same('a or not b and c', '(or a (and (not b) c))');
  same('not not a', '(not (not a))');
  same('-a * b', '(* (- a) b)');
  same('- -a', '(- (- a))');
  same('a - -b', '(- a (- b))');
  same('not -a < b', '(not (< (- a) b))');
  same('(a + b) * c', '(* (+ a b) c)');
  same('a <= b', '(<= a b)');
  same('a >= b', '(>= a b)');
  same('a > b', '(> a b)');
  same('a < b < c', '(< (< a b) c)'); // left-associative; the checker rejects it by type
});

test('windows bind to their call; arithmetic over windowed aggregations', () => {
  same('sum(fare) over 7d / nullif(sum(d) over 7d, 0)', '(/ (sum fare :over 7d) (nullif (sum d :over 7d) 0))');
  same('count() over 7d every 1h', '(count :over 7d :every 1h)');
  same('last_k(fare, 10) over all', '(last_k fare 10 :over all)');
  same('avg(fare) over 250ms + avg(fare) over 90s', '(+ (avg fare :over 250ms) (avg fare :over 90s))');
  same('max(x) over 5m * 2', '(* (max x :over 5m) 2)');
});

test('durations in milliseconds (w = 7 days)', () => {
  const windows: Record<string, number> = { '250ms': 250, '90s': 90_000, '5m': 300_000, '1h': 3_600_000, '7d': 604_800_000, '2w': 1_209_600_000, '0s': 0 };
  for (const [text, ms] of Object.entries(windows)) {
    const r = parse(`group g on e from s {\n feature f = count() over ${text}\n}`);
    assert.deepEqual(r.diagnostics, []);
    const f = (r.ast.decls[0] as ast.Group).items[0] as ast.FeatureDecl;
    assert.ok(f.expr.kind === 'call' && f.expr.window && !('all' in f.expr.window.size));
    assert.deepEqual([f.expr.window.size.text, f.expr.window.size.ms], [text, ms]);
  }
  const r = parse('group g on e from s {\n ttl 30d\n feature f = count() over 7d every 1h\n}');
  const [ttl, f] = (r.ast.decls[0] as ast.Group).items as [ast.MetaItem, ast.FeatureDecl];
  assert.ok(ttl.key === 'ttl' && ttl.duration.ms === 2_592_000_000);
  assert.ok(f.expr.kind === 'call' && f.expr.window?.every?.ms === 3_600_000);
});

test('literals', () => {
  same('42', '42');
  same('0.5', '0.5');
  same('1e3', '1000');
  same('2.5E-1', '0.25');
  same('true', 'true');
  same('false', 'false');
  same('null', 'null');
  same('"a \\"quoted\\" \\\\ word\\n\\t"', JSON.stringify('a "quoted" \\ word\n\t'));
  const kinds = (text: string) => {
    const r = parse(`group g on e from s { feature f = ${text} }`);
    const e = ((r.ast.decls[0] as ast.Group).items[0] as ast.FeatureDecl).expr;
    return e.kind === 'literal' ? `${e.literalKind}:${typeof e.value}` : e.kind;
  };
  assert.equal(kinds('7'), 'int:number');
  assert.equal(kinds('7.0'), 'float:number');
  assert.equal(kinds('7e0'), 'float:number');
  assert.equal(kinds('"x"'), 'string:string');
  assert.equal(kinds('true'), 'bool:boolean');
  assert.equal(kinds('null'), 'null:object');
});

test('references, calls, case and cast', () => {
  same('fare', 'fare');
  same('trips.fare', 'trips.fare');
  same('rides.driver_trip_stats.trips_7d', 'rides.driver_trip_stats.trips_7d');
  same('if(c, a, b)', '(if c a b)');
  same('coalesce(a, b, 0)', '(coalesce a b 0)');
  same('count()', '(count)');
  same('lower(concat(a, "-", b))', '(lower (concat a "-" b))');
  same('case when a > 1 then "x" when a > 0 then "y" else "z" end', '(case (when (> a 1) "x") (when (> a 0) "y") (else "z"))');
  same('case when a then 1 end', '(case (when a 1))');
  same('cast(x as double)', '(cast x double)');
  same('cast(x + 1 as list<int?>?)', '(cast (+ x 1) list<int?>?)');
  same('cast(a as long) / 2', '(/ (cast a long) 2)');
});

test('`not` on the right of a comparison or arithmetic needs parentheses', () => {
  const r = expr('a == not b');
  assert.equal(r.sexpr, '(== a (not b))');
  assert.deepEqual(r.diagnostics, ['syntax-error 2:20 `not` here needs parentheses']);
  same('a == (not b)', '(== a (not b))');
  same('a and not b', '(and a (not b))');
});

test('spans of expressions', () => {
  const text = 'group g on e from s {\n  feature f = -a * (b + c)\n}';
  const r = parse(text);
  const e = ((r.ast.decls[0] as ast.Group).items[0] as ast.FeatureDecl).expr;
  assert.ok(e.kind === 'binary');
  assert.equal(text.slice(e.span.start, e.span.end), '-a * (b + c)');
  assert.ok(e.right.kind === 'binary' && text.slice(e.right.span.start, e.right.span.end) === '(b + c)'); // parentheses included
  assert.equal(text.slice(e.opSpan.start, e.opSpan.end), '*');
  assert.equal(text.slice(e.left.span.start, e.left.span.end), '-a');
  assert.deepEqual([e.opSpan.line, e.opSpan.col], [2, 18]);
});
