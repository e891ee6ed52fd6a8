// Parsing valid input: the design example, expressions, soft keywords, and the generated
// CST types. (One file per area would cost a process start, ~1 s under tsx, each.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateCstDts } from '../../../dsl/chevrotain.js';
import type { ast } from '../../../dsl/index.js';
import { PaletteParser, parser } from '../../../dsl/parser.js';
import { RESERVED_KEYWORDS, SOFT_KEYWORDS } from '../../../dsl/tokens.js';
import { diags, expr, parse, RIDES, sexpr, spans, typeText } from './helpers.js';

// ---------------------------------------------------------------------------------------
// parse-design: The example of design.md section 2 (fixtures/rides.pal) parses cleanly into the expected AST.

const r = parse(RIDES, 'rides.pal');
const decl = <K extends ast.Decl['kind']>(kind: K, name: string) =>
  r.ast.decls.find((d): d is Extract<ast.Decl, { kind: K }> => d.kind === kind && d.name.text === name)!;

test('the design example parses with no diagnostics', () => {
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.ast.kind, 'file');
  assert.equal(r.ast.path, 'rides.pal');
  assert.deepEqual(r.ast.namespace?.parts.map((p) => p.text), ['rides']);
  assert.deepEqual(r.ast.imports, []);
  assert.deepEqual(
    r.ast.decls.map((d) => `${d.kind} ${d.name.text}`),
    ['entity driver', 'source trips', 'group driver_trip_stats', 'source driver_profiles', 'group driver_profile', 'model eta_v3'],
  );
});

test('entity: keys and metadata', () => {
  const driver = decl('entity', 'driver');
  assert.deepEqual(driver.keys.map((k) => `${k.name.text}: ${typeText(k.type)}`), ['driver_id: string']);
  assert.deepEqual(driver.meta.map((m) => (m.key === 'description' || m.key === 'owner' ? `${m.key}=${m.value.value}` : m.key)), [
    'description=Someone who drives on the platform',
    'owner=marketplace@rides',
  ]);
});

test('source: kind, stream, table, timestamp and nullable fields', () => {
  const trips = decl('source', 'trips');
  assert.deepEqual(trips.items.map((i) => i.kind), ['source-kind', 'stream', 'table', 'timestamp', 'fields']);
  const [kind, stream, table, ts, fields] = trips.items;
  assert.ok(kind.kind === 'source-kind' && kind.value === 'events');
  assert.ok(stream.kind === 'stream');
  assert.deepEqual([stream.system.text, stream.topic.value, stream.format?.text], ['kafka', 'rides.trips', 'json']);
  assert.ok(table.kind === 'table');
  assert.deepEqual([table.system.text, table.name.value, table.partition?.text], ['hive', 'raw.trips', 'ds']);
  assert.ok(ts.kind === 'timestamp' && ts.field.text === 'event_time');
  assert.ok(fields.kind === 'fields');
  assert.deepEqual(fields.fields.map((f) => `${f.name.text}: ${typeText(f.type)}`), [
    'trip_id: string', 'driver_id: string', 'rider_id: string', 'status: string', 'fare: double',
    'distance_km: double', 'rating: int?', 'event_time: timestamp',
  ]);
  const rating = fields.fields.find((f) => f.name.text === 'rating')!;
  assert.equal(rating.type.nullable, true);

  const profiles = decl('source', 'driver_profiles');
  assert.deepEqual(profiles.items.map((i) => (i.kind === 'source-kind' ? i.value : i.kind)), ['snapshot', 'table', 'fields']);
  const pf = profiles.items[2];
  assert.ok(pf.kind === 'fields');
  assert.deepEqual(pf.fields.map((f) => f.name.text), ['driver_id', 'signup_date', 'vehicle_type', 'city']); // commas between fields
});

test('group: header, filter, metadata, features with windows in ms', () => {
  const g = decl('group', 'driver_trip_stats');
  assert.deepEqual(g.entity.parts.map((p) => p.text), ['driver']);
  assert.deepEqual(g.source.parts.map((p) => p.text), ['trips']);
  const where = g.items[0];
  assert.ok(where.kind === 'where');
  assert.equal(sexpr(where.expr), '(== status "completed")');
  const meta = g.items.filter((i): i is ast.MetaItem => i.kind === 'meta');
  assert.deepEqual(meta.map((m) => m.key), ['owner', 'tags', 'description']);
  const tags = meta[1];
  assert.ok(tags.key === 'tags');
  assert.deepEqual(tags.tags.map((t) => t.text), ['pricing', 'eta']);

  const features = g.items.filter((i): i is ast.FeatureDecl => i.kind === 'feature');
  assert.deepEqual(features.map((f) => `${f.name.text} = ${sexpr(f.expr)}`), [
    'trips_1h = (count :over 1h)',
    'trips_7d = (count :over 7d)',
    'avg_fare_7d = (avg fare :over 7d)',
    'max_distance_1d = (max distance_km :over 1d)',
    'avg_rating_30d = (avg rating :over 30d)',
    'fare_per_km_7d = (/ (sum fare :over 7d) (nullif (sum distance_km :over 7d) 0))',
  ]);
  assert.equal(features[4].description?.value, 'Mean rating given by riders');
  assert.equal(features[0].description, null);
  const ms = features.map((f) => (f.expr.kind === 'call' && f.expr.window && !('all' in f.expr.window.size) ? f.expr.window.size.ms : null));
  assert.deepEqual(ms, [3_600_000, 604_800_000, 604_800_000, 86_400_000, 2_592_000_000, null]);
  const count = features[0].expr;
  assert.ok(count.kind === 'call');
  assert.deepEqual(count.args, []);
  assert.equal(count.window?.every, null);
});

test('group: row-level features and calls', () => {
  const g = decl('group', 'driver_profile');
  const features = g.items.filter((i): i is ast.FeatureDecl => i.kind === 'feature');
  assert.deepEqual(features.map((f) => `${f.name.text} = ${sexpr(f.expr)}`), [
    'vehicle_type = vehicle_type',
    'tenure_days = (days_between signup_date (snapshot_date))',
  ]);
});

test('model: metadata and selections with .*', () => {
  const m = decl('model', 'eta_v3');
  assert.deepEqual(m.items.map((i) => i.kind), ['meta', 'features']);
  const sel = m.items[1];
  assert.ok(sel.kind === 'features');
  assert.deepEqual(
    sel.selections.map((s) => `${s.ref.parts.map((p) => p.text).join('.')}${s.star ? '.*' : ''}${s.alias ? ` as ${s.alias.text}` : ''}`),
    ['driver_trip_stats.*', 'driver_profile.vehicle_type'],
  );
});

test('imports anywhere at top level, composite keys, every metadata item', () => {
  const text = `namespace payments.cards
import rides
entity card {
  key issuer: string
  key card_id: long   // composite key: several key lines
  description "A card"
  owner "payments@x"
  tags risk, "pci-dss", fraud
  ttl 90d
  version 3
}
import rides.driver_trip_stats as dts
model m { features dts.trips_1h as trips, rides.driver_profile.* }
import shared
`;
  const r = parse(text);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.ast.namespace?.parts.map((p) => p.text), ['payments', 'cards']);
  assert.deepEqual(r.ast.imports.map((i) => `${i.target.parts.map((p) => p.text).join('.')}${i.alias ? ` as ${i.alias.text}` : ''}`), [
    'rides', 'rides.driver_trip_stats as dts', 'shared',
  ]);
  const card = r.ast.decls[0] as ast.Entity;
  assert.deepEqual(card.keys.map((k) => `${k.name.text}: ${typeText(k.type)}`), ['issuer: string', 'card_id: long']);
  assert.deepEqual(card.meta.map((m) => {
    switch (m.key) {
      case 'description': case 'owner': return `${m.key} ${m.value.value}`;
      case 'tags': return `tags ${m.tags.map((t) => t.text).join('|')}`;
      case 'ttl': return `ttl ${m.duration.text}=${m.duration.ms}`;
      case 'version': return `version ${m.version}`;
    }
  }), ['description A card', 'owner payments@x', 'tags risk|pci-dss|fraud', 'ttl 90d=7776000000', 'version 3']);
  const sel = (r.ast.decls[1] as ast.Model).items[0];
  assert.ok(sel.kind === 'features');
  assert.deepEqual(sel.selections.map((s) => [s.ref.parts.map((p) => p.text).join('.'), s.star, s.alias?.text ?? null]), [
    ['dts.trips_1h', false, 'trips'],
    ['rides.driver_profile', true, null],
  ]);
});

test('group key maps, lets and a model feature', () => {
  const r = parse(`group g on rides.driver from rides.trips {
  key driver_id = trips.driver_id
  let fare_eur = fare * 0.92
  feature f = sum(fare_eur) over 7d
}
model m { feature ratio = g.f / 2 "derived" }`);
  assert.deepEqual(r.diagnostics, []);
  const g = r.ast.decls[0] as ast.Group;
  assert.deepEqual([g.entity.parts.map((p) => p.text), g.source.parts.map((p) => p.text)], [['rides', 'driver'], ['rides', 'trips']]);
  assert.deepEqual(g.items.map((i) => (i.kind === 'key-map' ? `key ${i.key.text} = ${sexpr(i.expr)}` : i.kind === 'let' || i.kind === 'feature' ? `${i.kind} ${i.name.text} = ${sexpr(i.expr)}` : i.kind)), [
    'key driver_id = trips.driver_id',
    'let fare_eur = (* fare 0.92)',
    'feature f = (sum fare_eur :over 7d)',
  ]);
  const f = (r.ast.decls[1] as ast.Model).items[0];
  assert.ok(f.kind === 'feature' && sexpr(f.expr) === '(/ g.f 2)' && f.description?.value === 'derived');
});

test('every span is inside the file and names span exactly their token', () => {
  for (const { owner, span } of spans(r.ast)) {
    assert.ok(span.start >= 0 && span.start <= span.end && span.end <= RIDES.length, JSON.stringify(span));
    const pos = r.file.position(span.start);
    assert.deepEqual([span.line, span.col], [pos.line, pos.col]);
    const o = owner as { text?: string };
    if (typeof o.text === 'string' && !('kind' in (owner as object))) {
      // a Name: its span is its token (tags given as strings excepted: text is the value)
      assert.equal(RIDES.slice(span.start, span.end), o.text);
    }
  }
  const g = decl('group', 'driver_trip_stats');
  assert.deepEqual([g.span.line, g.span.col], [27, 1]);
  assert.equal(RIDES.slice(g.span.start, g.span.end).at(-1), '}');
  const f = g.items.find((i): i is ast.FeatureDecl => i.kind === 'feature' && i.name.text === 'fare_per_km_7d')!;
  assert.equal(RIDES.slice(f.expr.span.start, f.expr.span.end), 'sum(fare) over 7d / nullif(sum(distance_km) over 7d, 0)');
});

// ---------------------------------------------------------------------------------------
// expressions: Expressions: precedence and associativity, prefixes, literals, windows, case and cast,
// compared as compact s-expressions.

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

// ---------------------------------------------------------------------------------------
// soft-keywords: Soft keywords are names wherever a name is expected; reserved keywords never are. The
// grammar is free of ambiguities (Chevrotain's self-analysis).

test('the grammar has no definition errors (no ambiguities)', () => {
  // performSelfAnalysis throws on any ambiguity or other grammar error
  assert.doesNotThrow(() => new PaletteParser());
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

// ---------------------------------------------------------------------------------------
// cst-types: dsl/cst-types.ts is generated from the grammar and committed (the visitor is typed by it).
// This test fails when the grammar changed and the file was not regenerated:
//   PALETTE_UPDATE_CST_TYPES=1 node --import tsx --test test/unit/dsl/parse.test.ts

const target = fileURLToPath(new URL('../../../dsl/cst-types.ts', import.meta.url));

const HEADER = `/**
 * CST node types of the .pal grammar, generated by Chevrotain's generateCstDts from
 * dsl/parser.ts. Do not edit: regenerate with
 *   PALETTE_UPDATE_CST_TYPES=1 node --import tsx --test test/unit/dsl/parse.test.ts
 *
 * Every child is optional here (unlike generateCstDts' output): error recovery can leave
 * any of them out, so the visitor must handle each one missing.
 */
`;

function render(): string {
  const dts = generateCstDts(parser.getGAstProductions());
  const body = dts.replace(/(export type \w+CstChildren = \{\n)([\s\S]*?)(\n\};)/g, (_m, open: string, fields: string, close: string) =>
    open + fields.replace(/^( {2}\w+): /gm, '$1?: ') + close);
  return HEADER + body;
}

test('dsl/cst-types.ts matches the grammar', () => {
  const expected = render();
  if (process.env.PALETTE_UPDATE_CST_TYPES === '1') writeFileSync(target, expected);
  assert.equal(readFileSync(target, 'utf8'), expected, 'dsl/cst-types.ts is stale: regenerate it (see the top of this test)');
});
