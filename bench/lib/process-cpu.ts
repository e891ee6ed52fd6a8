/**
 * CPU time of the processes a benchmark involves: its own, and those of the local services
 * (scripts/services writes their pids to <runDir>/pids/<name>.pid). Linux only (/proc).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceConfig } from '../../scripts/services/config.mjs';

/** CPU milliseconds (user + system) a process has used so far; null if there is no such process. */
export function processCpuMs(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks of 10 ms
  } catch {
    return null;
  }
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
