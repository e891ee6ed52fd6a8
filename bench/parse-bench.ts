/**
 * Parser benchmark: `parseFile` on one generated file of 1,000 groups × 10 features in the
 * style of design.md (windowed aggregations, ratios, if/case, descriptions). Goal: well
 * under 0.5 s for the whole file (lexing, parsing, AST).
 *
 *   node --import tsx bench/parse-bench.ts               # 1000 groups x 10 features, 9 runs
 *   node --import tsx bench/parse-bench.ts 1000 10 9 heavy   # 3x longer feature expressions
 *
 * Runs in one process: the first run is reported separately (cold JIT). Besides wall time,
 * the main thread's CPU time (from /proc, 10 ms resolution; JIT and GC helper threads
 * excluded) is reported, which stays meaningful on a busy machine where wall time is not.
 */
import { readFileSync } from 'node:fs';
import { parseFile, SourceFile } from '../dsl/index.js';
import { percentile, writeResults } from './lib/results.js';

const groups = Number(process.argv[2] ?? 1000);
const featuresPerGroup = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 9);
const heavy = process.argv[5] === 'heavy';

const TEMPLATES = [
  'count() over 1h',
  'avg(fare) over 7d',
  'max(distance_km) over 1d',
  'avg(rating) over 30d      "Mean rating given by riders"',
  'sum(fare) over 7d / nullif(sum(distance_km) over 7d, 0)',
  'days_between(signup_date, snapshot_date())',
  'if(status == "completed" and fare > 10, fare * 0.8, 0.0)',
  'count() over 7d every 1h',
  'last_k(fare, 10) over all',
  'case when fare > 100 then "high" when fare > 10 then "mid" else "low" end',
];
const HEAVY = 'sum(fare) over 7d / nullif(sum(distance_km) over 7d, 0) + avg(fare * 2 - 1) over 7d every 1h  "described"';

function generate(): string {
  const parts = ['namespace bench', 'entity driver { key driver_id: string }'];
  for (let g = 0; g < groups; g++) {
    const features: string[] = [];
    for (let f = 0; f < featuresPerGroup; f++) features.push(`  feature f${f} = ${heavy ? HEAVY : TEMPLATES[f % TEMPLATES.length]}`);
    parts.push(`group g${g} on driver from trips {\n  where status == "completed"\n  owner "team@rides"\n  tags pricing, eta\n${features.join('\n')}\n}`);
  }
  return parts.join('\n\n');
}

/** CPU time of the main thread in ms (Linux; NaN elsewhere). */
function mainThreadCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const text = generate();
const file = new SourceFile('bench.pal', text);
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const c0 = mainThreadCpuMs();
  const t0 = performance.now();
  const result = parseFile(file);
  wall.push(performance.now() - t0);
  cpu.push(mainThreadCpuMs() - c0);
  if (result.diagnostics.length > 0 || result.ast.decls.length !== groups + 1) throw new Error('the generated file did not parse cleanly');
}

const warmWall = wall.slice(1).sort((a, b) => a - b);
const warmCpu = cpu.slice(1).sort((a, b) => a - b);
const round = (n: number) => Math.round(n * 10) / 10;
const figures = {
  groups,
  featuresPerGroup,
  heavy,
  sourceKiB: Math.round(text.length / 1024),
  lines: file.lineCount,
  runs,
  coldWallMs: round(wall[0]),
  coldMainThreadCpuMs: cpu[0],
  warmWallMedianMs: round(percentile(warmWall, 50)),
  warmMainThreadCpuMedianMs: percentile(warmCpu, 50),
  goal: 'well under 500 ms',
};
console.log(figures);
const command = `node --import tsx bench/parse-bench.ts ${process.argv.slice(2).join(' ')}`.trim();
console.log('written to', writeResults(heavy ? 'parse-heavy' : 'parse', command, figures));
