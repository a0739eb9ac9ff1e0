/**
 * Runs one prepared command to its end: spawn in a new process group, capture its output,
 * enforce the deadline and the abort signal by killing the whole tree, and stop reading pipes
 * that a background process keeps open after the script itself exited.
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { EventOutput } from './output.ts';
import type { ExitInfo, SpawnHandle, Spawner } from './spawner.ts';
import type { CommandLine, KillTree } from './types.ts';

/** What the script run needs from the runner. */
export interface RunScriptDeps {
  clock: Clock;
  spawner: Spawner;
  killTree: KillTree;
  drainGraceMs: number;
}

/** One run of one script. */
export interface RunScriptInput {
  command: CommandLine;
  cwd: string;
  env: Record<string, string>;
  /** Monotonic ms at which the script is killed and reported timed out. */
  deadlineMs: number;
  signal: AbortSignal | undefined;
  output: EventOutput;
}

/** How the run ended; `leftOpen` names pipes still held open when reading stopped. */
export type ScriptOutcome =
  | { kind: 'exited'; exit: ExitInfo; leftOpen: string[] }
  | { kind: 'timedOut' | 'aborted'; leftOpen: string[] }
  | { kind: 'spawnError'; error: Error; leftOpen: string[] };

type Stop = 'timedOut' | 'aborted';

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

/** Resolves at the deadline or on abort, whichever is first; `cancel` releases both. */
function watchStop(clock: Clock, deadlineMs: number, signal: AbortSignal | undefined) {
  let cancelTimer: (() => void) | undefined;
  let onAbort: (() => void) | undefined;
  const promise = new Promise<Stop>((resolve) => {
    cancelTimer = atDeadline(clock, deadlineMs, () => resolve('timedOut'));
    if (signal === undefined) return;
    onAbort = () => resolve('aborted');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const cancel = (): void => {
    cancelTimer?.();
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  };
  return { promise, cancel };
}

/**
 * Waits up to `graceMs` for both pipes to reach EOF, then destroys those still open. Acting on
 * exit rather than on pipe close is what keeps `daemon &` hooks from hanging the agent
 * (CodeDeploy issue #118); the grace lets ordinary output that is still in flight arrive.
 */
async function drain(clock: Clock, graceMs: number, handle: SpawnHandle, captures: Map<string, Promise<void>>) {
  const closed = new Set<string>();
  for (const [name, p] of captures) void p.then(() => closed.add(name));
  let timer: TimerHandle | undefined;
  const graceOver = new Promise<void>((resolve) => {
    timer = clock.setTimeout(resolve, graceMs);
  });
  await Promise.race([Promise.all(captures.values()), graceOver]);
  if (timer !== undefined) clock.clearTimeout(timer);
  const leftOpen = [...captures.keys()].filter((name) => !closed.has(name));
  if (leftOpen.includes('STDOUT')) handle.stdout.destroy();
  if (leftOpen.includes('STDERR')) handle.stderr.destroy();
  await Promise.all(captures.values());
  return leftOpen;
}

/** Runs `input.command` to completion; never rejects. */
export async function runScript(deps: RunScriptDeps, input: RunScriptInput): Promise<ScriptOutcome> {
  const { cmd, args, windowsVerbatimArguments } = input.command;
  const handle = deps.spawner.spawn(cmd, args, {
    cwd: input.cwd,
    env: input.env,
    detached: true,
    ...(windowsVerbatimArguments === undefined ? {} : { windowsVerbatimArguments }),
  });
  const captures = new Map([
    ['STDOUT', input.output.capture(handle.stdout, 'stdout')],
    ['STDERR', input.output.capture(handle.stderr, 'stderr')],
  ]);
  const ended = handle.exited.then(
    (exit) => ({ exit }),
    (err: unknown) => ({ error: err instanceof Error ? err : new Error(String(err)) }),
  );
  const stop = watchStop(deps.clock, input.deadlineMs, input.signal);
  const first = await Promise.race([ended, stop.promise]);
  stop.cancel();
  if (first === 'timedOut' || first === 'aborted') {
    if (handle.pid !== undefined) await deps.killTree.kill(handle.pid);
    await ended;
    return { kind: first, leftOpen: await drain(deps.clock, deps.drainGraceMs, handle, captures) };
  }
  const leftOpen = await drain(deps.clock, deps.drainGraceMs, handle, captures);
  return 'exit' in first ? { kind: 'exited', exit: first.exit, leftOpen } : { kind: 'spawnError', error: first.error, leftOpen };
}
