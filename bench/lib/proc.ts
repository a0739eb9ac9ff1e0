/**
 * Reading a process's memory and CPU time from /proc (Linux), and starting children with a
 * raised open-file limit so that thousands of sockets fit.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLK_TCK = 100;

/** The open-file limit asked for in children; `ulimit -n` falls back to the hard limit when refused. */
export const WANTED_NOFILE = 65536;

/** Resident memory of a process, in kilobytes. */
export interface MemoryKb {
  /** VmRSS: resident now. */
  rss: number;
  /** VmHWM: the peak resident set so far. */
  hwm: number;
}

/** Reads VmRSS and VmHWM of `pid`. */
export function memoryKb(pid: number): MemoryKb {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** User plus system CPU seconds `pid` has used so far (utime + stime). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; count fields after its closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / CLK_TCK;
}

/** The soft open-file limit of this process. */
export function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.NaN);
}

/**
 * The open-file limit children started by {@link spawnNode} get: what they ask for, or the hard
 * limit when that is lower (raising past it is not allowed).
 */
export function childOpenFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const hard = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(limits)?.[1];
  return hard === undefined || hard === 'unlimited' ? WANTED_NOFILE : Math.min(WANTED_NOFILE, Number(hard));
}

/** Options of {@link spawnNode}. */
export interface SpawnNodeOptions {
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
  /** Extra node options placed before the script, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
  /** The Node.js to run. @default the one running the benchmark */
  node?: string;
}

/**
 * Starts `node [nodeArgs] script ...args` through `sh -c 'ulimit -n ...; exec ...'`, so the child
 * (same pid, thanks to exec) may hold far more sockets than the default soft limit allows.
 */
export function spawnNode(script: string, args: readonly string[], opts: SpawnNodeOptions = {}): ChildProcess {
  const raise = `ulimit -n ${WANTED_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  return spawn('sh', ['-c', raise, opts.node ?? process.execPath, ...(opts.nodeArgs ?? []), script, ...args], {
    env: opts.env ?? process.env,
    stdio: opts.stdio ?? ['ignore', 'inherit', 'inherit'],
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopProcess(proc: ChildProcess, graceMs = 10_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
