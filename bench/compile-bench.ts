/**
 * Compiler benchmark (issue 2): check and compile a generated repository of 1,000 groups
 * with 10 features each. Goal: under 1 s, memory under 300 MB.
 *
 *   npm run bench:compile                       # 1000 groups x 10 features, 5 runs
 *   node --import tsx bench/compile-bench.ts 2000 10 3
 *
 * Two views, side by side in one run:
 *  - end to end: `palette check` and `palette compile` as a user runs them (the built CLI in
 *    dist/, a new process each time: Node start-up, module loading, reading the files, and
 *    for compile writing every artifact), wall time and peak RSS (/usr/bin/time);
 *  - in process: parse + check + passes, then each target's emission, after a warm-up.
 * Medians and maxima of `runs` runs. The machine is shared: read the load average recorded
 * with the figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSources } from '../compiler/compile.js';
import { DEFAULT_TARGET_OPTIONS, TARGETS } from '../compiler/targets/index.js';
import { generateRepository } from './generate-repository.js';
import { percentile, writeResults } from './lib/results.js';

const groups = Number(process.argv[2] ?? 1000);
const features = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/compiler/cli/main.js');
if (!existsSync(cli)) throw new Error('build the CLI first: npm run build');

const files = generateRepository(groups, features);
const dir = mkdtempSync(join(tmpdir(), 'palette-bench-'));
for (const f of files) {
  mkdirSync(dirname(join(dir, f.path)), { recursive: true });
  writeFileSync(join(dir, f.path), f.text);
}
writeFileSync(join(dir, 'palette.yaml'), 'name: generated\ndefinitions: gen\nbuild: build\n');

const med = (xs: number[]) => +percentile([...xs].sort((a, b) => a - b), 50).toFixed(0);
const max = (xs: number[]) => +Math.max(...xs).toFixed(0);

function endToEnd(command: string) {
  const wall: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, command], { cwd: dir, encoding: 'utf8' });
    wall.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`palette ${command} failed: ${r.stderr}`);
    rss.push(Number(r.stderr.trim().split('\n').pop()) / 1024);
  }
  console.log(`palette ${command}: wall ms ${wall.map((x) => x.toFixed(0)).join(', ')}; peak RSS MB ${rss.map((x) => x.toFixed(0)).join(', ')}`);
  return { wallMsMedian: med(wall), wallMsMax: max(wall), peakRssMBMax: max(rss) };
}

const check = endToEnd('check');
const compile = endToEnd('compile');

const CORE = new Set(['registry', 'cql', 'hive-ddl', 'materializer-plan', 'serving-manifest']);
compileSources(files); // warm-up
const front: number[] = [];
const perTarget = new Map<string, number[]>();
let artifactMB = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const result = compileSources(files);
  front.push(performance.now() - t0);
  if (!result.registry) throw new Error(`generated repository did not compile: ${result.diagnostics[0]?.message}`);
  artifactMB = 0;
  for (const target of TARGETS) {
    const t = performance.now();
    const out = target.emit(result.registry, DEFAULT_TARGET_OPTIONS);
    perTarget.set(target.name, [...(perTarget.get(target.name) ?? []), performance.now() - t]);
    artifactMB += out.reduce((n, a) => n + a.content.length, 0) / 1e6;
  }
}
const targets = Object.fromEntries([...perTarget].map(([k, v]) => [k, med(v)]));
const coreEmit = [...perTarget].filter(([k]) => CORE.has(k)).reduce((n, [, v]) => n + med(v), 0);
rmSync(dir, { recursive: true, force: true });

const figures = {
  groups, featuresPerGroup: features, files: files.length, sourceMB: +(files.reduce((n, f) => n + f.text.length, 0) / 1e6).toFixed(2), runs,
  endToEnd: { check, compileAllTargets: compile },
  inProcessWarm: {
    parseCheckPassesMsMedian: med(front),
    emitMsMedianByTarget: targets,
    issue2ArtifactsMs: +(med(front) + coreEmit).toFixed(0),
    artifactMB: +artifactMB.toFixed(1),
  },
  goal: 'check and compile under 1000 ms, memory under 300 MB',
};
console.log(JSON.stringify(figures, null, 2));
console.log(`written to ${writeResults('compile', `npm run bench:compile (node --import tsx bench/compile-bench.ts ${groups} ${features} ${runs})`, figures)}`);
