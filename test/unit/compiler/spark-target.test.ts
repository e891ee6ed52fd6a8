/**
 * The Spark target without Spark: the dialect's spellings, the generated jobs' contract
 * (constants, parameters, INSERT OVERWRITE), `palette apply`'s conflict rules, the
 * HiveServer2 array decoding and the spark-submit error extraction. The same SQL running on
 * real Spark is test/integration/spark-conformance.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDescribe, tableConflicts } from '../../../compiler/cli/apply-command.js';
import { compileSources } from '../../../compiler/compile.js';
import { backfillJob, sparkJobsTarget, trainingSetJob } from '../../../compiler/targets/spark-jobs-target.js';
import { backfillSql } from '../../../compiler/targets/sql/offline-jobs.js';
import { SPARK } from '../../../compiler/targets/sql/spark-dialect.js';
import { parseArray } from '../../../runtime/offline/hive-client.js';
import { extractSparkError, sparkSubmitCommand } from '../../../runtime/offline/spark-submit.js';

const PAL = `
namespace t
entity user { key user_id: string }
source ev {
  events
  table hive "raw.ev" partition ds
  timestamp ts
  fields { user_id: string, ts: timestamp, x: double?, s: string? }
}
group g on user from ev {
  feature c_1h   = count() over 1h
  feature lk     = last_k(s, 2) over 1d
  feature cd     = count_distinct(s) over 7d
  feature v      = variance(x) over 14d every 7h
  feature n_ts   = count(cast(s as timestamp)) over 1d
}
model m { features g.c_1h, g.lk }
`;
function registry() {
  const r = compileSources([{ path: 'main.pal', text: PAL }]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return r.registry!;
}

describe('Spark dialect', () => {
  it('spells identifiers, strings, parameters and types the Spark way', () => {
    assert.equal(SPARK.ident('a`b'), '`a``b`');
    assert.equal(SPARK.string("it's a \\ path"), "'it\\'s a \\\\ path'");
    assert.equal(SPARK.param('from_ds'), ':from_ds');
    assert.equal(SPARK.cast('x', 'VARCHAR'), 'CAST(x AS STRING)');
    assert.equal(SPARK.computeType({ kind: 'list', element: { kind: 'scalar', name: 'string', nullable: true }, nullable: true }), 'ARRAY<STRING>');
    assert.equal(SPARK.dayNumber('d'), "CAST(datediff(d, DATE '1970-01-01') AS BIGINT)");
    assert.equal(SPARK.table('raw', 'ev'), '`__src_raw__ev`');
  });

  it('list aggregations are null when empty, not []', () => {
    assert.match(SPARK.topK('p', '3', 'FILTER (WHERE x IS NOT NULL)'), /^CASE WHEN size\(collect_list\(p\) FILTER .*\) > 0 THEN slice\(reverse\(array_sort\(/);
    assert.match(SPARK.distinctSorted('x', ''), /^CASE WHEN size\(collect_set\(x\) \) > 0 THEN array_sort/);
  });

  it('emits no DuckDB-only function for the backfill of every aggregation kind', () => {
    const r = registry();
    const sql = backfillSql(SPARK, r, r.groups[0]).steps.map((s) => s.sql).join('\n');
    for (const bad of ['list_transform', 'struct_pack', 'QUALIFY', 'getvariable', 'epoch_ms', 'TRY(', 'strpos', '"']) {
      assert.ok(!sql.includes(bad), `Spark SQL contains ${bad}`);
    }
    assert.ok(sql.includes('`__src_raw__ev`'));
  });
});

describe('generated Spark jobs', () => {
  it('one job per group and per model, valid Python naming the definition, hash and arguments', () => {
    const r = registry();
    const paths = sparkJobsTarget.emit(r, { keyspace: 'k', replication: {} }).map((a) => a.path);
    assert.deepEqual(paths, ['spark/backfill_t_g.py', 'spark/training_set_t_m.py']);
    const dir = mkdtempSync(join(tmpdir(), 'palette-spark-job-'));
    for (const [name, text] of [['b.py', backfillJob(r, r.groups[0])], ['t.py', trainingSetJob(r, r.models[0])]] as const) {
      writeFileSync(join(dir, name), text);
      assert.match(text, /^#!\/usr\/bin\/env python3\n# Palette (backfill|training-set) job for (group t\.g|model t\.m)/);
      assert.ok(text.includes('spark.sql.session.timeZone'));
    }
    const b = backfillJob(r, r.groups[0]);
    assert.ok(b.includes(`semantic hash ${r.groups[0].semanticHash}`));
    assert.ok(b.includes('INSERT OVERWRITE TABLE'));
    assert.match(b, /"history_days": 15, "after_days": 1, "lifetime": False/); // 14d + 7h back; a 7h tile can end after --to
    try {
      execFileSync('python3', ['-m', 'py_compile', join(dir, 'b.py'), join(dir, 't.py')], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      if (err.code === 'ENOENT') return; // no python3 here: the integration tests run the jobs
      assert.fail(`generated job is not valid Python: ${err.stderr?.toString()}`);
    }
  });
});

describe('palette apply: conflicts', () => {
  const want = { name: 'db.t', columns: [{ name: 'k', type: 'STRING' }, { name: 'n', type: 'BIGINT' }], partitions: [{ name: 'ds', type: 'STRING' }] };

  it('agrees with an identical table (case and spacing of types ignored)', () => {
    const have = parseDescribe('db.t', [
      ['k', 'string', null], ['n', 'bigint', null], ['ds', 'string', null],
      ['# Partition Information', '', ''], ['# col_name', 'data_type', 'comment'], ['ds', 'string', null],
      ['', '', ''], ['# Detailed Table Information', '', ''], ['Comment', 'palette x', ''],
    ]);
    assert.equal(have.comment, 'palette x');
    assert.deepEqual(tableConflicts(want, have), []);
  });

  it('names every differing column: type, missing, extra, partitioning', () => {
    const have = { name: 'db.t', columns: [{ name: 'k', type: 'int' }, { name: 'extra', type: 'string' }], partitions: [] };
    assert.deepEqual(tableConflicts(want, have), [
      'column k is int, the definition needs STRING',
      'column n BIGINT is missing',
      'column extra string is not in the definition',
      'partition column ds STRING is missing',
    ]);
  });
});

describe('HiveServer2 arrays and Spark errors', () => {
  it('arrays: integers exact, timestamps as epoch ms, JSON otherwise', () => {
    assert.deepEqual(parseArray('[9007199254740993,1,null]'), [9007199254740993n, 1, null]);
    assert.deepEqual(parseArray('[2024-01-01 00:00:01.5,null]'), [Date.parse('2024-01-01T00:00:01.500Z'), null]);
    assert.deepEqual(parseArray('["a,b",null]'), ['a,b', null]);
    assert.deepEqual(parseArray('[1.5,2.0E-7]'), [1.5, 2e-7]);
    assert.deepEqual(parseArray('[]'), []);
    assert.deepEqual(parseArray('["back\\slash","it\'s",null]'), ['back\\slash', "it's", null]);
  });

  it('a Spark log shrinks to its exception lines', () => {
    const log = ['INFO starting', 'WARN something', 'org.apache.spark.SparkException: Job aborted due to stage failure: boom',
      '\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2898)',
      'Caused by: java.lang.RuntimeException: not a Parquet file', '\tat x.y(Z.java:1)'];
    assert.equal(extractSparkError(log), 'org.apache.spark.SparkException: Job aborted due to stage failure: boom\nCaused by: java.lang.RuntimeException: not a Parquet file');
  });

  it('spark-submit gets the master, driver class path and every conf before the job', () => {
    const cmd = sparkSubmitCommand({ sparkSubmit: '/s/bin/spark-submit', master: 'local[*]', conf: { 'a.b': '1' }, driverClassPath: '/d.jar' }, 'job.py', ['--from', '2024-01-01']);
    assert.deepEqual(cmd, ['/s/bin/spark-submit', '--master', 'local[*]', '--driver-class-path', '/d.jar', '--conf', 'a.b=1', 'job.py', '--from', '2024-01-01']);
  });
});
