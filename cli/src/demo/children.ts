/**
 * The demo's child processes (coordinator and agents): started with their output in log files,
 * and all stopped together — politely, then by force — on success, failure or signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running child. */
export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Where its stdout and stderr go. */
  logFile: string;
  exited: Promise<ChildExit>;
}

/** Options of {@link ChildGroup.start}. */
export interface StartOptions {
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** A set of node child processes that live and die together. */
export class ChildGroup {
  readonly #children = new Set<ManagedChild>();

  /** Starts `node script ...args` with stdout and stderr appended to `opts.logFile`. */
  start(name: string, script: string, args: readonly string[], opts: StartOptions): ManagedChild {
    const fd = openSync(opts.logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn(process.execPath, [script, ...args], { env: opts.env, stdio: ['ignore', fd, fd] });
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
    const exited = new Promise<ChildExit>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      proc.once('error', () => resolve({ code: null, signal: null }));
    });
    const child: ManagedChild = { name, process: proc, logFile: opts.logFile, exited };
    this.#children.add(child);
    void exited.then(() => this.#children.delete(child));
    return child;
  }

  /** Sends SIGTERM to every child, waits up to `graceMs`, then SIGKILLs what is left. */
  async stopAll(graceMs = 5000): Promise<void> {
    const children = [...this.#children];
    for (const c of children) c.process.kill('SIGTERM');
    const allExited = Promise.all(children.map((c) => c.exited));
    const grace = new AbortController();
    const timer = delay(graceMs, true, { signal: grace.signal }).catch(() => false);
    const timedOut = await Promise.race([allExited.then(() => false), timer]);
    grace.abort();
    if (timedOut) this.killAllSync();
    await allExited;
  }

  /** SIGKILLs every child at once; safe inside a process 'exit' handler. */
  killAllSync(): void {
    for (const c of this.#children) {
      if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    }
  }
}
