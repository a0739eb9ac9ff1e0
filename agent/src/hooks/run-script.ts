/**
 * Runs one prepared command to its end: spawn in a new process group with its stdout and stderr
 * going to files (not pipes: a script must outlive an agent restart, and a write to a pipe whose
 * reader died kills it with SIGPIPE), follow those files into the event's output, enforce the
 * deadline and the abort signal by killing the whole tree. The same watching serves a script
 * adopted after an agent restart, whose end is seen by polling its pid and start time.
 */
import { closeSync, openSync } from 'node:fs';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import { filesHeldOpen } from './open-holders.ts';
import type { EventOutput } from './output.ts';
import type { ExitInfo, Spawner } from './spawner.ts';
import type { CommandLine, KillTree } from './types.ts';

/** What the script run needs from the runner. */
export interface RunScriptDeps {
  clock: Clock;
  spawner: Spawner;
  killTree: KillTree;
  /** How often an adopted script's pid is checked. @default 100 */
  pollMs?: number;
}

/** Where a script's output goes, and how much of each file is already in scripts.log. */
export interface OutputFiles {
  stdout: string;
  stderr: string;
  /** Bytes of each file already copied (an adopted script). @default 0 and 0 */
  start?: { stdout: number; stderr: number };
  /** Told the total bytes of a file copied so far, each time more is written. */
  onCopied?: (stream: 'stdout' | 'stderr', bytes: number) => void;
}

/** How the watched script is stopped early. */
interface Watch {
  /** Monotonic ms at which the script is killed and reported timed out. */
  deadlineMs: number;
  /** Aborting kills the script's tree. */
  signal: AbortSignal | undefined;
  /** Aborting stops watching and leaves the script running (the agent is stopping). */
  detach?: AbortSignal | undefined;
  output: EventOutput;
  files: OutputFiles;
}

/** One run of one script. */
export interface RunScriptInput extends Watch {
  command: CommandLine;
  cwd: string;
  env: Record<string, string>;
  /** Told the pid as soon as the script started (before anything is awaited). */
  onStarted?: (pid: number) => void;
}

/** A script an earlier agent started, found again by pid; `ended` resolves once it is gone. */
export interface AdoptInput extends Watch {
  /** Undefined when the earlier agent died before journaling it: nothing can be signalled. */
  pid: number | undefined;
  /** Resolves with the status file's exit code, or undefined when it has none. */
  ended: Promise<number | undefined>;
}

/** How the run ended; `leftOpen` names output streams a background process still holds open. */
export type ScriptOutcome =
  | { kind: 'exited'; exit: ExitInfo; leftOpen: string[] }
  | { kind: 'timedOut' | 'aborted' | 'detached' | 'lost'; leftOpen: string[] }
  | { kind: 'spawnError'; error: Error; leftOpen: string[] };

type Stop = 'timedOut' | 'aborted' | 'detached';

/**
 * Node fires a timer longer than 2^31-1 ms (24.8 days) after 1 ms instead; a long timeout is
 * therefore waited for in slices, so any timeout an appspec gives is honoured as written.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` once the monotonic clock reaches `deadlineMs`; returns a cancel function. */
export function atDeadline(clock: Clock, deadlineMs: number, fn: () => void): () => void {
  let timer: TimerHandle | undefined;
  const arm = (): void => {
    const left = deadlineMs - clock.monotonicMs();
    if (left <= 0) fn();
    else timer = clock.setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return () => {
    if (timer !== undefined) clock.clearTimeout(timer);
  };
}

/** Resolves with `stop` when `signal` aborts; `off` removes the listener. */
function onAbort(signal: AbortSignal | undefined, stop: Stop, resolve: (s: Stop) => void): () => void {
  if (signal === undefined) return () => undefined;
  const listener = (): void => resolve(stop);
  if (signal.aborted) listener();
  else signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Resolves at the deadline, on abort or on detach, whichever is first; `cancel` releases all. */
function watchStop(clock: Clock, watch: Watch) {
  const offs: Array<() => void> = [];
  const promise = new Promise<Stop>((resolve) => {
    offs.push(atDeadline(clock, watch.deadlineMs, () => resolve('timedOut')));
    offs.push(onAbort(watch.signal, 'aborted', resolve));
    offs.push(onAbort(watch.detach, 'detached', resolve));
  });
  return { promise, cancel: () => offs.forEach((off) => off()) };
}

/**
 * Follows both output files into the event's output; `finish` copies them to their current ends.
 * `spawned` (a script this agent started) narrows the search for leftover holders.
 */
function follow(clock: Clock, output: EventOutput, files: OutputFiles, spawned: Spawned | undefined) {
  const start = files.start ?? { stdout: 0, stderr: 0 };
  const followers = {
    stdout: output.follow(files.stdout, 'stdout', start.stdout, (position) => files.onCopied?.('stdout', position)),
    stderr: output.follow(files.stderr, 'stderr', start.stderr, (position) => files.onCopied?.('stderr', position)),
  };
  const done = Promise.all([followers.stdout.done, followers.stderr.done]);
  return {
    async finish(): Promise<string[]> {
      followers.stdout.finish();
      followers.stderr.finish();
      await done;
      const origin = spawned === undefined ? undefined : { pid: spawned.pid, ranMs: clock.monotonicMs() - spawned.atMs };
      const held = filesHeldOpen([files.stdout, files.stderr], origin);
      return [...(held.has(files.stdout) ? ['STDOUT'] : []), ...(held.has(files.stderr) ? ['STDERR'] : [])];
    },
    async stop(): Promise<void> {
      followers.stdout.stop();
      followers.stderr.stop();
      await done;
    },
  };
}

type Ended = { exit: ExitInfo } | { error: Error } | { lost: true };

/** A script this agent spawned: its pid and the monotonic ms of the spawn. */
interface Spawned {
  pid: number;
  atMs: number;
}

/**
 * Watches a started script until it ends, times out, is aborted or the agent detaches. The
 * clock's timers are unref'd and, unlike pipes, output files hold no handle open, so once the
 * wrapper has exited (a kill's grace period, an adopted script) nothing would keep a process
 * with no other work (`deckhand-agent local`) alive: a ref'd timer does, for the watch's length.
 */
async function watchScript(deps: RunScriptDeps, pid: number | undefined, ended: Promise<Ended>, watch: Watch, spawned?: Spawned): Promise<ScriptOutcome> {
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    return await watchUntilEnd(deps, pid, ended, watch, spawned);
  } finally {
    clearInterval(keepAlive);
  }
}

async function watchUntilEnd(deps: RunScriptDeps, pid: number | undefined, ended: Promise<Ended>, watch: Watch, spawned: Spawned | undefined): Promise<ScriptOutcome> {
  const following = follow(deps.clock, watch.output, watch.files, spawned);
  const stop = watchStop(deps.clock, watch);
  const first = await Promise.race([ended, stop.promise]);
  stop.cancel();
  if (first === 'detached') {
    await following.stop();
    return { kind: 'detached', leftOpen: [] };
  }
  if (first === 'timedOut' || first === 'aborted') {
    if (pid !== undefined) await deps.killTree.kill(pid);
    await ended;
    await following.finish();
    return { kind: first, leftOpen: [] };
  }
  const leftOpen = await following.finish();
  if ('exit' in first) return { kind: 'exited', exit: first.exit, leftOpen };
  return 'error' in first ? { kind: 'spawnError', error: first.error, leftOpen } : { kind: 'lost', leftOpen };
}

/** Runs `input.command` to completion; never rejects. */
export async function runScript(deps: RunScriptDeps, input: RunScriptInput): Promise<ScriptOutcome> {
  const { cmd, args, windowsVerbatimArguments } = input.command;
  let handle;
  const atMs = deps.clock.monotonicMs();
  const fds = { stdout: openSync(input.files.stdout, 'w'), stderr: openSync(input.files.stderr, 'w') };
  try {
    handle = deps.spawner.spawn(cmd, args, {
      cwd: input.cwd,
      env: input.env,
      detached: true,
      outputFds: fds,
      ...(windowsVerbatimArguments === undefined ? {} : { windowsVerbatimArguments }),
    });
  } finally {
    // The child has its own copies; the agent's would make every file look held open.
    closeSync(fds.stdout);
    closeSync(fds.stderr);
  }
  if (handle.pid !== undefined) input.onStarted?.(handle.pid);
  const ended = handle.exited.then(
    (exit): Ended => ({ exit }),
    (err: unknown): Ended => ({ error: err instanceof Error ? err : new Error(String(err)) }),
  );
  const spawned = handle.pid === undefined ? undefined : { pid: handle.pid, atMs };
  return watchScript(deps, handle.pid, ended, input, spawned);
}

/** Watches a script an earlier agent started until it ends; never rejects. */
export async function adoptScript(deps: RunScriptDeps, input: AdoptInput): Promise<ScriptOutcome> {
  const ended = input.ended.then((code): Ended => (code === undefined ? { lost: true } : { exit: { code, signal: null } }));
  return watchScript(deps, input.pid, ended, input);
}
