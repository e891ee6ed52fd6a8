/**
 * Diagnostics: bad programs with their exact codes and positions. Each case marks the
 * expected position of each error inline with `«code»` right before the offending text;
 * the markers are removed before compiling. A case passes when the compiler reports
 * exactly those errors (code, line, column) — no more (no cascades), no fewer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSources } from '../../../compiler/compile.js';

const PRELUDE = `namespace rides
entity driver { key driver_id: string }
entity pair { key driver_id: string  key rider_id: string }
source trips {
  events
  stream kafka "rides.trips" format json
  table hive "raw.trips" partition ds
  timestamp event_time
  fields { trip_id: string, driver_id: string, rider_id: string, status: string, fare: double, distance_km: double, rating: int?, event_time: timestamp }
}
source profiles {
  snapshot
  table hive "dim.drivers" partition ds
  fields { driver_id: string, signup_date: date, vehicle_type: string }
}
`;

interface Expected { code: string; line: number; col: number }

function parseCase(text: string): { text: string; expected: Expected[] } {
  const expected: Expected[] = [];
  let out = '';
  let line = 1;
  let col = 1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '«') {
      const end = text.indexOf('»', i);
      expected.push({ code: text.slice(i + 1, end), line, col });
      i = end;
      continue;
    }
    out += text[i];
    if (text[i] === '\n') { line++; col = 1; } else col++;
  }
  return { text: out, expected };
}

function run(name: string, body: string, opts: { prelude?: boolean; files?: Record<string, string> } = {}) {
  test(name, () => {
    const src = (opts.prelude === false ? '' : PRELUDE) + body;
    const main = parseCase(src);
    const inputs = [{ path: 'main.pal', text: main.text }];
    const expected = main.expected.map((e) => ({ ...e, file: 'main.pal' }));
    for (const [path, text] of Object.entries(opts.files ?? {})) {
      const c = parseCase(text);
      inputs.push({ path, text: c.text });
      expected.push(...c.expected.map((e) => ({ ...e, file: path })));
    }
    const result = compileSources(inputs);
    const got = result.diagnostics.filter((d) => d.severity === 'error')
      .map((d) => `${d.span.file}:${d.span.line}:${d.span.col} ${d.code}`).sort();
    const want = expected.map((e) => `${e.file}:${e.line}:${e.col} ${e.code}`).sort();
    assert.deepEqual(got, want, result.diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col} ${d.code}: ${d.message}`).join('\n'));
    for (const d of result.diagnostics) assert.ok(d.message.length > 0);
    assert.equal(result.registry === null, want.length > 0);
  });
}

// names
run('unknown entity', `group g on «unknown-entity»drivr from trips { feature n = count() over 1h }`);
run('unknown source', `group g on driver from «unknown-source»trip { feature n = count() over 1h }`);
run('entity used as source', `group g on driver from «unknown-source»driver { feature n = count() over 1h }`);
run('duplicate declaration', `entity «duplicate-declaration»driver { key id: string }`);
run('duplicate feature', `group g on driver from trips {\n  feature n = count() over 1h\n  feature «duplicate-feature»n = count() over 2h\n}`);
run('unknown column in aggregation', `group g on driver from trips { feature f = avg(«unknown-column»fair) over 7d }`);
run('unknown column in filter', `group g on driver from trips {\n  where «unknown-column»state == "x"\n  feature n = count() over 1h\n}`);
run('unknown function', `group g on driver from trips { feature f = avg(«unknown-function»lowr(status)) over 7d }`);
run('unknown aggregation name', `group g on driver from trips { feature f = «unknown-function»average(fare) over 7d }`);
run('unknown feature in derived', `group g on driver from trips {\n  feature a = count() over 1h\n  feature b = a / «unknown-feature»c\n}`);
run('column outside aggregation', `group g on driver from trips { feature f = «column-outside-aggregation»fare }`);
run('unknown type', `source s { events  table hive "raw.s"  timestamp t  fields { t: timestamp, x: «unknown-type»strng } }`);
run('duplicate field', `source s { events  table hive "raw.s"  timestamp t  fields { t: timestamp, x: int, «duplicate-field»x: int } }`);
run('duplicate key', `entity e { key a: string  key «duplicate-key»a: string }`);
run('entity without keys', `entity «entity-without-keys»e { description "no keys" }`);
run('nullable key', `entity e { key a: «invalid-key-type»string? }`);
run('key type double', `entity e { key a: «invalid-key-type»double }`);
run('unknown import', `import «unknown-import»payments.card\n`);
run('not imported', `group g on «not-imported»payments.card from trips { feature n = count() over 1h }`, {
  files: { 'p.pal': 'namespace payments\nentity card { key card_id: string }\n' },
});
run('missing namespace', 'namespace other\nentity x { key a: string }\n', { prelude: false, files: { 'nons.pal': '«missing-namespace»entity y { key b: string }\n' } });

// types
run('sum of a string', `group g on driver from trips { feature f = sum(«argument-type»status) over 7d }`);
run('avg of a boolean', `group g on driver from trips { feature f = avg(«argument-type»status == "x") over 7d }`);
run('plus on strings', `group g on driver from trips { feature f = last(status «type-mismatch»+ trip_id) over 1d }`);
run('compare string with number', `group g on driver from trips {\n  where status «type-mismatch»== 3\n  feature n = count() over 1h\n}`);
run('filter not boolean', `group g on driver from trips {\n  where «filter-not-boolean»fare * 2\n  feature n = count() over 1h\n}`);
run('if branches differ', `group g on driver from trips { feature f = last(if(fare > 1, status, «argument-type»1)) over 1d }`);
run('wrong argument count', `group g on driver from trips { feature f = last(«argument-count»lower(status, 1)) over 1d }`);
run('not on number', `group g on driver from trips {\n  where «type-mismatch»not fare\n  feature n = count() over 1h\n}`);
run('case when not boolean', `group g on driver from trips { feature f = last(case when «type-mismatch»fare then 1 else 2 end) over 1d }`);
run('bad cast', `group g on driver from trips { feature f = last(«invalid-cast»cast(event_time as double)) over 1d }`);
run('date_trunc unit', `group g on driver from trips { feature f = last(date_trunc(«invalid-argument»"fortnight", event_time)) over 1d }`);

// windows
run('aggregation without window', `group g on driver from trips { feature f = «aggregation-needs-window»sum(fare) }`);
run('zero window', `group g on driver from trips { feature f = sum(fare) over «window-not-positive»0h }`);
run('hop larger than window', `group g on driver from trips { feature f = sum(fare) over 1h every «hop-larger-than-window»2h }`);
run('hop not dividing window', `group g on driver from trips { feature f = sum(fare) over 1h every «hop-not-dividing-window»7m }`);
run('default hop not dividing', `group g on driver from trips { feature f = sum(fare) over «hop-not-dividing-window»90s }`);
run('window on scalar function', `group g on driver from trips { feature f = last(lower(status) «window-on-scalar-function»over 1h) over 1d }`);
run('nested aggregation', `group g on driver from trips { feature f = sum(«nested-aggregation»count() over 1h) over 1d }`);
run('aggregation in filter', `group g on driver from trips {\n  where «aggregation-in-row-expression»count() over 1h > 3\n  feature n = count() over 1h\n}`);
run('aggregation over snapshot', `group g on driver from profiles { feature n = «aggregation-over-snapshot»count() over 1d }`);
run('last_k needs literal k', `group g on driver from trips { feature f = last_k(fare, «invalid-argument»rating) over 1d }`);

// keys and snapshots
run('key not in source', `entity rider2 { key rider_uuid: string }\ngroup g on «key-not-in-source»rider2 from trips { feature n = count() over 1h }`);
run('key type mismatch', `entity d2 { key driver_id: long }\ngroup g on d2 from trips {\n  key driver_id = «key-type-mismatch»trip_id\n  feature n = count() over 1h\n}`);
run('key mapped to expression', `group g on driver from trips {\n  key driver_id = «key-map-not-column»lower(driver_id)\n  feature n = count() over 1h\n}`);
run('unknown key in mapping', `group g on driver from trips {\n  key «unknown-key»drivr_id = driver_id\n  feature n = count() over 1h\n}`);
run('snapshot with stream', `source s {\n  snapshot\n  «stream-on-snapshot»stream kafka "x" format json\n  table hive "dim.s"\n  fields { a: string }\n}`);
run('snapshot without table', `source «snapshot-without-table»s {\n  snapshot\n  fields { a: string }\n}`);
run('events without timestamp', `source «events-without-timestamp»s { events  table hive "raw.s"  fields { a: string, t: timestamp } }`);
run('timestamp wrong type', `source s { events  table hive "raw.s"  timestamp «timestamp-type»a  fields { a: string } }`);
run('source both kinds', `source s { events  «source-kind-conflict»snapshot  table hive "raw.s"  timestamp t  fields { t: timestamp } }`);
run('snapshot_date outside snapshot', `group g on driver from trips { feature f = last(«snapshot-date-outside-snapshot»snapshot_date()) over 1d }`);

// features and models
run('feature cycle', `group g on driver from trips {\n  feature a = b + 1\n  feature b = «feature-cycle»a * 2\n}`);
run('self reference', `group g on driver from trips { feature a = «self-reference»a + 1 }`);
run('feature without aggregation', `group g on driver from trips { feature «feature-needs-aggregation»a = 1 }`);
run('group without features', `group «group-without-features»g on driver from trips { where status == "x" }`);
run('model names a missing feature', `group g on driver from trips { feature n = count() over 1h }\nmodel m { features g.«unknown-feature»nn }`);
run('model names a missing group', `model m { features «unknown-group»gg.* }`);
run('model duplicate output', `group g on driver from trips { feature n = count() over 1h }\nmodel m { features g.n as x, g.n as «duplicate-model-output»x }`);
run('model without features', `model «empty-model»m { description "nothing" }`);
run('misplaced metadata', `entity e {\n  key a: string\n  «misplaced-metadata»ttl 1d\n}`);
run('duplicate metadata', `group g on driver from trips {\n  owner "a"\n  «duplicate-metadata»owner "b"\n  feature n = count() over 1h\n}`);
run('reserved feature name', `group g on driver from trips { feature «reserved-name»ds = count() over 1h }`);

// syntax (reported by the parser; the checker adds nothing on top)
run('syntax error with recovery', `group g on driver from trips {\n  feature a = count() over 1h\n  feature b = «syntax-error») + 1\n  feature c = count() over 2h\n}\ngroup h on driver from trips { feature d = sum(«unknown-column»fair) over 1d }`);

test('all errors of a run are reported together across files', () => {
  const result = compileSources([
    { path: 'a.pal', text: 'namespace x\nentity e { key k: strin }\n' },
    { path: 'b.pal', text: 'namespace x\ngroup g on e from nowhere { feature f = count() over 1h }\n' },
  ]);
  assert.deepEqual(result.diagnostics.map((d) => `${d.span.file}:${d.code}`), ['a.pal:unknown-type', 'b.pal:unknown-source']);
});

test('hints name the closest candidate and explain type errors', () => {
  const result = compileSources([{ path: 'm.pal', text: `${PRELUDE}group g on driver from trips {\n  feature f = avg(fair) over 7d\n  feature s = sum(status) over 7d\n}\n` }]);
  const byCode = new Map(result.diagnostics.map((d) => [d.code, d]));
  assert.deepEqual(byCode.get('unknown-column')?.hints, ['did you mean `fare`?']);
  assert.match(byCode.get('argument-type')!.message, /`sum` needs a number, got a string/);
  assert.match(byCode.get('argument-type')!.hints.join(' '), /`status` is string/);
});
