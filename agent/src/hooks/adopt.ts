/**
 * What an agent restarted mid-hook needs to collect a script an earlier agent started: its
 * exit status from the wrapper's status file, and a wait for its process to end, and the
 * bytes of its output already copied into scripts.log (a small position file next to the
 * status file, so the copy resumes without repeating or losing lines).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../../common/src/clock.ts';
import { isSameProcess } from './process-identity.ts';

/**
 * The exit code the wrapper wrote to `file`, or undefined when there is none yet. The wrapper
 * writes `<code>\n` in one write: a file without its newline was cut short (the host lost power
 * while writing it) and holds no trustworthy outcome.
 */
export function readStatusFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(\d+)\n$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Resolves once the process `pid` (started at `startTime`) is gone, with the status file's
 * exit code, or undefined when the wrapper never wrote one (the outcome is unknowable). A script
 * whose pid was never journaled is checked once: either its status file is there or nothing
 * can be known.
 */
export async function waitForAdopted(
  target: { pid?: number; startTime?: string; statusFile: string },
  pollMs: number,
): Promise<number | undefined> {
  const { pid, startTime } = target;
  while (pid !== undefined && isSameProcess(pid, startTime) && readStatusFile(target.statusFile) === undefined) {
    // A plain (ref'd) timer, not the clock's unref'd one: the adopted script is not this
    // process's child, so nothing else would keep the agent alive while it waits for it.
    await sleep(pollMs);
  }
  return readStatusFile(target.statusFile);
}

/** Byte counts of a script's two output files already copied into scripts.log. */
export interface CopiedBytes {
  stdout: number;
  stderr: number;
}

/** Reads a position file; zeros when it is missing or unreadable (the copy then starts over). */
export function readPositions(file: string): CopiedBytes {
  try {
    const [stdout, stderr] = readFileSync(file, 'utf8').trim().split(' ').map(Number);
    if (Number.isSafeInteger(stdout) && Number.isSafeInteger(stderr)) return { stdout: stdout!, stderr: stderr! };
  } catch {
    // No position file: nothing was copied before the restart, or it was lost; start at 0.
  }
  return { stdout: 0, stderr: 0 };
}

/**
 * Records copy progress at most every `intervalMs`: not fsynced and not on every chunk, because
 * it only has to survive the agent's death (the kernel keeps written data), and at worst the
 * last interval's lines are copied twice after a restart. `flush` writes the final position.
 */
export class PositionRecorder {
  private readonly copied: CopiedBytes;
  private lastWrite = -Infinity;

  constructor(
    private readonly file: string,
    private readonly clock: Clock,
    start: CopiedBytes,
    private readonly intervalMs = 200,
  ) {
    this.copied = { ...start };
  }

  /** Notes the total bytes of `stream` copied so far. */
  update(stream: keyof CopiedBytes, bytes: number): void {
    this.copied[stream] = bytes;
    if (this.clock.monotonicMs() - this.lastWrite >= this.intervalMs) this.flush();
  }

  flush(): void {
    this.lastWrite = this.clock.monotonicMs();
    try {
      writeFileSync(this.file, `${this.copied.stdout} ${this.copied.stderr}\n`);
    } catch {
      // Progress is an optimisation of the restart path; failing to record it only means lines
      // may be copied twice after a restart, never that the hook's outcome is lost.
    }
  }
}
