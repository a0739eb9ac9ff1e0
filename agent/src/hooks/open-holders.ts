/**
 * Which of a script's output files some process still has open after the script exited (the
 * `daemon &` mistake: a background child inherited stdout/stderr). With pipes this showed as a
 * pipe that never reached EOF; with output files the agent asks the kernel instead, through
 * /proc/<pid>/fd on Linux. Elsewhere (no /proc) nothing is reported.
 */
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';

/** `fn()`, or `fallback` when it throws (a process that exited mid-scan, one we may not read). */
function orElse<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * The subset of `files` that a live process other than the agent holds open. Synchronous on
 * purpose: a scan is a few thousand tiny syscalls, which take milliseconds done in a row and
 * hundreds of milliseconds as separate thread-pool round trips; it runs once per script.
 */
export function filesHeldOpen(files: readonly string[]): Set<string> {
  // /proc shows resolved paths; a temp dir behind a symlink would otherwise never match.
  const real = new Map(files.map((f) => [orElse(() => realpathSync(f), f), f] as const));
  const held = new Set<string>();
  for (const pid of orElse(() => readdirSync('/proc'), [] as string[])) {
    // The agent's own descriptors (the tail reading the file) do not count.
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    // Processes of other users (without root) cannot be read: they count as not holding.
    for (const fd of orElse(() => readdirSync(`/proc/${pid}/fd`), [] as string[])) {
      const file = real.get(orElse(() => readlinkSync(`/proc/${pid}/fd/${fd}`), ''));
      if (file !== undefined) held.add(file);
    }
    if (held.size === real.size) break;
  }
  return held;
}
