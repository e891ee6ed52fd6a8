/**
 * Where a process's main thread spent its time, from a V8 CPU profile (`node --cpu-prof`;
 * the sidecar benchmark writes one with `--sidecar-node-args "--cpu-prof --cpu-prof-dir=DIR"`).
 *
 *   node --import tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--requests N] [--top 25]
 *
 * Prints self time by package (a node_modules package, a Node built-in module, or one of our
 * files), then the top functions. With --requests N (the requests the process answered) each
 * line also reads as µs per request. The profile samples wall time: "(idle)" is the event
 * loop waiting, and a native call such as writev also holds the time the thread was
 * preempted inside it, so CPU accounting (/proc, as the benchmark prints) is the truth for
 * totals and this is the truth for shares.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  console.error('usage: node --import tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--requests N] [--top 25]');
  process.exit(2);
}
const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : null; };
const requests = arg('--requests');
const top = arg('--top') ?? 25;

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i]);

const where = (url: string): string => {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const i = url.indexOf('/dist/');
  return i >= 0 ? url.slice(i + 1) : url || '(native)';
};

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += us;
  const name = functionName || '(anonymous)';
  const pkg = url ? where(url) : name; // (idle), (garbage collector), writev, ...
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const fn = url ? `${name} ${where(url)}:${lineNumber + 1}` : name;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}

const line = (label: string, us: number) =>
  `${((us / total) * 100).toFixed(1).padStart(5)}%  ${requests ? `${(us / requests).toFixed(1).padStart(7)} µs/request  ` : ''}${label}`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled${requests ? `, ${requests} requests` : ''}`);
console.log('\nby package or file (self time):');
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(line(k, v));
console.log('\nby function (self time):');
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(line(k, v));
