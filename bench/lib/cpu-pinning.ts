/**
 * CPU pinning for benchmarks that put a server and its clients on one machine (Linux,
 * `taskset` from util-linux). Pinning gives the server its own cores, as it has in
 * production (Cassandra on its own nodes, the sidecar with its own CPU request in the pod):
 * otherwise the kernel shares the cores thread by thread, and a burst of the server's
 * background threads (compaction, concurrent GC) stalls the client processes and shows up in
 * their tail latency as if it were theirs. Both sides of a comparison run pinned the same way.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** CPUs of the server process (every thread, present and future). */
  readonly server: readonly number[];
  /** CPUs of this process and the processes it starts afterwards. */
  readonly clients: readonly number[];
  /** Gives the server back every CPU. */
  readonly release: () => void;
}

/** Every thread of `pid` (present and future) on the CPUs in `list`. */
export const setAffinity = (pid: number, list: readonly number[]) =>
  execFileSync('taskset', ['-a', '-cp', list.join(','), String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });

/** Upper half of the CPUs to the server pid, lower half to this process (children inherit it). */
export function pinServerApart(serverPid: number): Pinning {
  const n = cpus().length;
  if (n < 2) throw new Error(`--pin needs at least 2 CPUs, this machine has ${n}`);
  const all = Array.from({ length: n }, (_, i) => i);
  const clients = all.slice(0, Math.floor(n / 2));
  const server = all.slice(Math.floor(n / 2));
  setAffinity(serverPid, server);
  setAffinity(process.pid, clients);
  return { server, clients, release: () => setAffinity(serverPid, all) };
}
