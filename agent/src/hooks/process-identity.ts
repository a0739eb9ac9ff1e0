/**
 * Recognising a hook's process again after an agent restart. A pid alone is not enough: once a
 * process is reaped its number can be given to an unrelated one, so a pid is paired with the
 * process's start time (Linux: field 22 of /proc/<pid>/stat, in clock ticks since boot), and
 * a live pid with another start time is a different process.
 */
import { readFileSync } from 'node:fs';

/** The start time of `pid` as recorded by the kernel, or undefined (gone, or no /proc on this OS). */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); a zombie has exited, so it is not "still running".
  if (fields[0] === 'Z') return undefined;
  return fields[19];
}

/** True when `pid` exists (signal 0 succeeds, or EPERM: it exists but belongs to another user). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the process `pid` that started at `startTime` is still running. Without a start
 * time (no /proc: Windows, macOS) only the pid can be checked, and a reused pid is taken for the
 * hook: the agent then waits for an unrelated process, which is the safe mistake (never a guess
 * that the hook ended).
 */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (startTime === undefined) return exists(pid);
  return processStartTime(pid) === startTime;
}
