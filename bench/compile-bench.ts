/**
 * Compiler benchmark (issue 2): check and compile a generated repository of 1,000 groups
 * with 10 features each, emitting every target. Goal: under 1 s, memory under 300 MB.
 *
 *   npm run bench:compile            # 1000 groups x 10 features, 5 runs
 *   node --import tsx bench/compile-bench.ts 2000 10 3
 *
 * Each run compiles from text in a fresh process state except for the warm JIT: the first
 * run is reported separately (cold) and the median of the rest as warm. Peak memory is the
 * process's max RSS (getrusage), which includes Node itself (~45 MB).
 */
import { compileSources } from '../compiler/compile.js';
import { DEFAULT_TARGET_OPTIONS, TARGETS } from '../compiler/targets/index.js';
import { generateRepository } from './generate-repository.js';
import { percentile, writeResults } from './lib/results.js';

const groups = Number(process.argv[2] ?? 1000);
const features = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 5);

const files = generateRepository(groups, features);
const bytes = files.reduce((n, f) => n + f.text.length, 0);
const times: { total: number; check: number; emit: number }[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const result = compileSources(files);
  const t1 = performance.now();
  if (!result.registry) {
    console.error(result.diagnostics.slice(0, 5));
    throw new Error('generated repository did not compile');
  }
  let artifactBytes = 0;
  for (const target of TARGETS) for (const a of target.emit(result.registry, DEFAULT_TARGET_OPTIONS)) artifactBytes += a.content.length;
  const t2 = performance.now();
  times.push({ total: t2 - t0, check: t1 - t0, emit: t2 - t1 });
  console.log(`run ${i + 1}: parse+check ${(t1 - t0).toFixed(0)} ms, emit ${(t2 - t1).toFixed(0)} ms (${(artifactBytes / 1e6).toFixed(1)} MB of artifacts), total ${(t2 - t0).toFixed(0)} ms`);
}
const warm = times.slice(1).map((t) => t.total).sort((a, b) => a - b);
const maxRssMB = process.resourceUsage().maxRSS / 1024;
const figures = {
  groups, featuresPerGroup: features, files: files.length, sourceMB: +(bytes / 1e6).toFixed(2), runs,
  coldMs: +times[0].total.toFixed(1),
  warmMedianMs: warm.length ? +percentile(warm, 50).toFixed(1) : null,
  warmMaxMs: warm.length ? +warm[warm.length - 1].toFixed(1) : null,
  checkMsMedian: +percentile(times.map((t) => t.check).sort((a, b) => a - b), 50).toFixed(1),
  emitMsMedian: +percentile(times.map((t) => t.emit).sort((a, b) => a - b), 50).toFixed(1),
  maxRssMB: +maxRssMB.toFixed(0),
  goal: 'under 1000 ms, memory under 300 MB',
};
console.log(figures);
const path = writeResults('compile', `node --import tsx bench/compile-bench.ts ${groups} ${features} ${runs}`, figures);
console.log(`written to ${path}`);
