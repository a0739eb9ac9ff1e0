/**
 * POSIX tree kill: every hook runs as the leader of its own process group (spawned detached),
 * so `kill(-pgid)` reaches the script and everything it forked that did not call setsid().
 * SIGTERM first so scripts can clean up, SIGKILL after a grace period for those that ignore it
 * (CodeDeploy v1 never escalates and hangs on such scripts).
 */
import type { Clock } from '../../../common/src/clock.ts';
import { sleep } from '../../../common/src/clock.ts';
import type { KillTree } from './types.ts';

/** Sends `sig` to `pid` (negative: a process group); process.kill semantics. */
export type SignalSender = (pid: number, sig: NodeJS.Signals | 0) => void;

/** Options of {@link createPosixKillTree}. */
export interface PosixKillTreeOptions {
  clock: Clock;
  /** Time between SIGTERM and SIGKILL. @default 5000 */
  graceMs?: number;
  /** How often to check whether the group is gone during the grace period. @default 50 */
  pollMs?: number;
  /** @default process.kill */
  sendSignal?: SignalSender;
}

/** Sends `sig` to group `pgid`; false when the group no longer exists (ESRCH). */
function signalGroup(send: SignalSender, pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    send(-pgid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** SIGTERM to the group, wait until it is empty or `graceMs` passed, then SIGKILL to the group. */
export function createPosixKillTree(opts: PosixKillTreeOptions): KillTree {
  const graceMs = opts.graceMs ?? 5000;
  const pollMs = opts.pollMs ?? 50;
  const send = opts.sendSignal ?? ((pid, sig) => process.kill(pid, sig));
  return {
    async kill(pgid) {
      // kill(-1) signals every process we may signal and kill(-0) our own group: a group id
      // that is not a real hook's (a bug upstream) must never get that far.
      if (!Number.isSafeInteger(pgid) || pgid <= 1) return;
      try {
        if (!signalGroup(send, pgid, 'SIGTERM')) return;
        // Polling with signal 0 is safe from pgid reuse: Linux does not hand out a number that
        // is still some live process's group id, and we stop at the first ESRCH.
        const deadline = opts.clock.monotonicMs() + graceMs;
        while (opts.clock.monotonicMs() < deadline) {
          await sleep(opts.clock, Math.min(pollMs, Math.max(1, deadline - opts.clock.monotonicMs())));
          if (!signalGroup(send, pgid, 0)) return;
        }
        signalGroup(send, pgid, 'SIGKILL');
      } catch {
        // EPERM (a member changed uid via su/setuid and we are not root) is the only other
        // failure of kill(2); nothing more can be done from here, and the caller still reports
        // the timeout, so swallowing keeps the "never rejects" contract.
      }
    },
  };
}
