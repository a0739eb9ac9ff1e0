/**
 * What the agent does at start with work an earlier run left behind. The journal is the only
 * source of truth: a deployment still 'running' is continued from where it stands.
 * - An event that finished: the deployment goes on with the next one.
 * - A hook event still InProgress: its script is adopted, not re-run. Alive (same pid and start
 *   time): the agent waits for it; gone: its wrapper's status file holds its exit code; gone
 *   without one (power loss): the outcome is unknowable and the event fails FailedAfterRestart,
 *   unless the script opted in with `retryOnRestart: true` (then it runs again; hooks/runner.ts).
 * - A script that asked for a reboot: once the boot id changed it runs again; same boot (the
 *   reboot has not happened yet): the reboot is asked for again.
 * - DownloadBundle or Install InProgress: done again. Both are idempotent. DownloadBundle writes
 *   only inside the deployment's directory (the bundle file is rewritten, the archive directory
 *   removed before unpacking). Install lists every path in its cleanup file before creating it
 *   (install/install.ts), so a second Install removes its own half-installed files as "the
 *   previous revision's" before the DISALLOW check can see them as conflicts, and the group's
 *   last-successful pointer only moves when Install's success is journaled.
 */
import type { DeploymentOutcome } from '../journal/types.ts';
import type { Journal } from '../journal/journal.ts';
import type { StoredEvent } from '../journal/types.ts';
import type { ResumePoint } from '../hooks/types.ts';
import { AFTER_FAILURE } from './after-failure.ts';
import { nextState, type DeploymentState, type EventName, type TransitionTable } from './transitions.ts';

/** Where a resumed deployment starts, as {@link planResume} reads it from the journal. */
export interface ResumePlan {
  state: DeploymentState;
  /** The event of `state` is already journaled as started. */
  resumed: boolean;
  /** AfterFailure already ran (or is adopted through `resume`); do not start it again. */
  afterFailureDone: boolean;
  failedEvent?: EventName;
  /** The host's failure, when an event failed before the restart. */
  failure?: Pick<DeploymentOutcome, 'status' | 'errorCode' | 'message'>;
  /** The hook event to adopt or re-run, and from which script. */
  resume?: { event: string; point: ResumePoint };
  /** The host has not rebooted yet for script `index`: ask again instead of running anything. */
  rebootPending?: { index: number; message: string };
}

/** Events the agent performs itself: redone after a restart rather than adopted. */
const REDONE = new Set(['DownloadBundle', 'Install']);

/** How to pick up an InProgress hook event. */
function resumePoint(event: StoredEvent, bootId: string, now: Date): Pick<ResumePlan, 'resume' | 'rebootPending'> {
  const index = event.scriptIndex ?? 0;
  if (event.rebootBootId !== undefined) {
    if (event.rebootBootId === bootId) {
      return { rebootPending: { index, message: `a script of ${event.event} asked for a reboot, and the host has not rebooted yet` } };
    }
    return { resume: { event: event.event, point: { index } } };
  }
  const adopt: NonNullable<ResumePoint['adopt']> = { deadlineAt: event.hookDeadline === undefined ? now : new Date(event.hookDeadline) };
  if (event.hookPid !== undefined) adopt.pid = event.hookPid;
  if (event.hookStartTime !== undefined) adopt.startTime = event.hookStartTime;
  return { resume: { event: event.event, point: { index, adopt } } };
}

/** Where the deployment resumes after an in-place event failed before the restart. */
function afterFailure(events: StoredEvent[], failed: StoredEvent, bootId: string, now: Date): ResumePlan {
  const plan: ResumePlan = {
    state: 'Failed',
    resumed: false,
    afterFailureDone: false,
    failedEvent: failed.event,
    failure: { status: 'Failed', errorCode: (failed.errorCode ?? 'UnknownError') as NonNullable<DeploymentOutcome['errorCode']> },
  };
  if (failed.message !== undefined) plan.failure!.message = failed.message;
  const extension = events.find((e) => e.event === AFTER_FAILURE);
  if (extension?.status === 'InProgress') return { ...plan, ...resumePoint(extension, bootId, now) };
  return { ...plan, afterFailureDone: extension !== undefined };
}

/** What {@link planResume} judges by: this boot, the time, and the deployment's event order. */
export interface ResumeInput {
  bootId: string;
  now: Date;
  transitions: TransitionTable;
}

/** Reads where deployment `deploymentId` stands and how to continue it. */
export function planResume(journal: Journal, deploymentId: string, input: ResumeInput): ResumePlan {
  const { bootId, now, transitions } = input;
  const events = journal.events(deploymentId);
  const failed = events.find((e) => e.status === 'Failed' && e.event !== AFTER_FAILURE);
  if (failed !== undefined) return afterFailure(events, failed, bootId, now);
  const last = events.filter((e) => e.event !== AFTER_FAILURE).at(-1);
  if (last === undefined) return { state: nextState(transitions, 'Pending', 'Succeeded'), resumed: false, afterFailureDone: false };
  const event = last.event;
  if (last.status !== 'InProgress') {
    return { state: nextState(transitions, event, last.status === 'Skipped' ? 'Skipped' : 'Succeeded'), resumed: false, afterFailureDone: false };
  }
  if (REDONE.has(event)) return { state: event, resumed: true, afterFailureDone: false };
  return { state: event, resumed: true, afterFailureDone: false, ...resumePoint(last, bootId, now) };
}

/** Deployments an earlier agent left running, with their commands, in the order they started. */
export function interruptedDeployments(journal: Journal): string[] {
  return journal.runningDeployments().map((d) => d.commandId);
}

/** Commands journaled (and acked) but not started before the agent stopped, in arrival order. */
export function unstartedCommandIds(journal: Journal): string[] {
  return journal.commandsInState('received').map((c) => c.commandId);
}
