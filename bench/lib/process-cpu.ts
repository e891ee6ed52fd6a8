/**
 * CPU time of the processes a benchmark involves: its own, and those of the local services
 * (scripts/services writes their pids to <runDir>/pids/<name>.pid). Linux only (/proc).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceConfig } from '../../scripts/services/config.mjs';

/** User and system CPU milliseconds a process has used so far, from one reading of /proc/<pid>/stat; null if there is no such process. */
export function processTimesMs(pid: number | null | undefined): { user: number; sys: number } | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(f[11]) * 10, sys: Number(f[12]) * 10 }; // utime, stime in clock ticks of 10 ms
  } catch {
    return null;
  }
}

/**
 * CPU milliseconds (user + system) of a process's main thread (its tid is its pid) and of all
 * its other threads together (for Node: V8's GC and compiler helpers, libuv's pool), so far;
 * null if there is no such process. Threads that have exited are not counted.
 */
export function threadSplitMs(pid: number | null | undefined): { main: number; others: number } | null {
  if (!pid) return null;
  try {
    let main = 0;
    let others = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      if (Number(tid) === pid) main = ms; else others += ms;
    }
    return { main, others };
  } catch {
    return null;
  }
}

/** CPU milliseconds (user + system) a process has used so far; null if there is no such process. */
export function processCpuMs(pid: number | null | undefined): number | null {
  const t = processTimesMs(pid);
  return t && t.user + t.sys;
}

/** CPU milliseconds this process has used so far. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The pid of a local service (cassandra, kafka, ...) started by scripts/services; null if none. */
export function servicePid(name: string): number | null {
  const f = join(serviceConfig().runDir, 'pids', `${name}.pid`);
  return existsSync(f) ? Number(readFileSync(f, 'utf8')) : null;
}

/** The machine's CPU jiffies so far, and how many of them the hypervisor gave to other guests (steal). */
export function machineCpuJiffies(): { total: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user/nice)
  return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
}

/** Percent of the machine's CPU time between two readings that was stolen by the hypervisor. */
export function stealPercent(a: { total: number; steal: number }, b: { total: number; steal: number }): number {
  const total = b.total - a.total;
  return total > 0 ? Math.round(((b.steal - a.steal) / total) * 1000) / 10 : 0;
}

/** A process's JVM memory and GC flags (-Xm*, -XX:*GC*, -XX:*Heap*, ...) from its command line, to record with results. */
export function jvmFlags(pid: number | null): string[] {
  if (!pid) return [];
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => /^-Xm[sx]|^-XX:.*(GC|Heap|Pause|PreTouch|Threads)/.test(a));
  } catch {
    return [];
  }
}
