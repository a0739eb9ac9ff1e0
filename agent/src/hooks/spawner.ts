/**
 * Starting child processes behind an interface, so the runner's platform strategies (taskkill,
 * user lookup) can be tested with a fake and the real one stays a thin layer over node:child_process.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How a process ended: exactly one of `code` and `signal` is non-null. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** Options of {@link Spawner.spawn}. stdin is always closed ('ignore'). */
export interface SpawnOptions {
  cwd?: string;
  /** The complete environment of the child. @default the parent's environment */
  env?: Record<string, string>;
  /** POSIX: make the child leader of a new session and process group. @default false */
  detached?: boolean;
  /** Windows: pass arguments to the child unquoted (needed for `cmd.exe /s /c`). @default false */
  windowsVerbatimArguments?: boolean;
  /**
   * Open file descriptors the child writes its stdout and stderr to instead of pipes (hooks:
   * a file outlives the agent, a pipe would SIGPIPE the script once the agent is gone). The
   * handle's `stdout`/`stderr` are then null; the caller keeps ownership of the descriptors.
   */
  outputFds?: { stdout: number; stderr: number };
}

/** A started child. */
export interface SpawnHandle {
  /** Undefined when the process could not be started (then `exited` rejects). */
  readonly pid: number | undefined;
  /** Null when the output goes to `outputFds`. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves when the process has exited (its pipes may still be open); rejects when it could not start. */
  readonly exited: Promise<ExitInfo>;
}

/** Starts processes. */
export interface Spawner {
  spawn(cmd: string, args: readonly string[], opts: SpawnOptions): SpawnHandle;
}

/** The real spawner over node:child_process. */
export const nodeSpawner: Spawner = {
  spawn(cmd, args, opts) {
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: opts.env,
      detached: opts.detached ?? false,
      windowsVerbatimArguments: opts.windowsVerbatimArguments ?? false,
      windowsHide: true,
      stdio: opts.outputFds === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', opts.outputFds.stdout, opts.outputFds.stderr],
    });
    const exited = new Promise<ExitInfo>((resolve, reject) => {
      let done = false;
      child.once('exit', (code, signal) => {
        done = true;
        resolve({ code, signal });
      });
      child.once('error', (err) => {
        // 'error' also reports failed kill() calls on a running child; only a failure to start
        // (no exit yet, no pid) means the process will never exit.
        if (!done && child.pid === undefined) reject(err);
      });
    });
    return { pid: child.pid, stdout: child.stdout, stderr: child.stderr, exited };
  },
};
