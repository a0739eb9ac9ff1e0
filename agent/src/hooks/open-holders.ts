/**
 * Which of a script's output files some process still has open after the script exited (the
 * `daemon &` mistake: a background child inherited stdout/stderr). With pipes this showed as a
 * pipe that never reached EOF; with output files the agent asks the kernel instead, through
 * /proc/<pid>/fd on Linux. Elsewhere (no /proc) nothing is reported.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

/** `fn()`, or `fallback` when it throws (a process that exited mid-scan, one we may not read). */
function orElse<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** The script whose leftovers are looked for: its pid, and how long ago it was started. */
export interface ScriptOrigin {
  pid: number;
  /** Milliseconds since the spawn. */
  ranMs: number;
}

/**
 * Scripts that ran shorter than this are searched for in the pids allocated since their own:
 * no host forks through a whole pid space (at least 32768 pids) in that time, so no pid can
 * have been handed out twice since.
 */
const PID_WINDOW_MAX_MS = 1000;

/**
 * Which pids can hold what `origin` left open. Linux hands out pids in increasing order,
 * wrapping at pid_max; a process that inherited the files was forked after the script, so
 * while the counter has not wrapped since (the last pid handed out is still at or above the
 * script's) every such process has a pid in (script, last]. Undefined: look at every process
 * (a long script, a wrapped counter, no ns_last_pid).
 */
function pidWindow(origin: ScriptOrigin | undefined): ((pid: number) => boolean) | undefined {
  if (origin === undefined || origin.ranMs >= PID_WINDOW_MAX_MS) return undefined;
  const last = Number(orElse(() => readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1'), '').trim() || Number.NaN);
  if (!Number.isInteger(last) || last < origin.pid) return undefined;
  return (pid) => pid >= origin.pid && pid <= last;
}

/**
 * The subset of `files` that a live process other than the agent holds open. Synchronous on
 * purpose: a scan is a few thousand tiny syscalls, which take milliseconds done in a row and
 * hundreds of milliseconds as separate thread-pool round trips. Given the script's `origin`,
 * only processes started after it are looked at: reading every descriptor of every process
 * costs tens of milliseconds on a host whose servers hold thousands of sockets, per script.
 */
export function filesHeldOpen(files: readonly string[], origin?: ScriptOrigin): Set<string> {
  // Read before listing /proc: a process forked after this read is a child of one in the window.
  const inWindow = pidWindow(origin);
  // /proc shows resolved paths; a temp dir behind a symlink would otherwise never match.
  const real = new Map(files.map((f) => [orElse(() => realpathSync(f), f), f] as const));
  const held = new Set<string>();
  for (const pid of orElse(() => readdirSync('/proc'), [] as string[])) {
    // The agent's own descriptors (the tail reading the file) do not count.
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    if (inWindow !== undefined && !inWindow(Number(pid))) continue;
    // Processes of other users (without root) cannot be read: they count as not holding.
    for (const fd of orElse(() => readdirSync(`/proc/${pid}/fd`), [] as string[])) {
      const file = real.get(orElse(() => readlinkSync(`/proc/${pid}/fd/${fd}`), ''));
      if (file !== undefined) held.add(file);
    }
    if (held.size === real.size) break;
  }
  return held;
}
