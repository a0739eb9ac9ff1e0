/**
 * Runs one deployment on this host by following the transition table: each event is journaled
 * as started (with its InProgress outbox row) before it runs and as finished (with its outcome
 * row) after, and the host's final outcome closes the deployment. A deployment an earlier agent
 * left running is continued from where its journal says it stands (recovery.ts plans where).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError, isLifecycleErrorCode, type ErrorCode } from '../../../protocol/src/errors.ts';
import type { DeploymentOutcome, EventKey, StoredCommand } from '../journal/types.ts';
import { runAfterFailure } from './after-failure.ts';
import { createContext, type DeploymentContext } from './context.ts';
import { releaseSpace } from './space.ts';
import { applyStartAt } from './start-at.ts';
import { currentBootId, requestReboot } from './reboot.ts';
import { planResume, type ResumePlan } from './recovery.ts';
import { actionFor, thrownMessage, type ActionOutcome } from './event-actions.ts';
import { trafficActionFor } from './traffic-actions.ts';
import { isEventState, nextState, type DeploymentState, type EventName } from './transitions.ts';
import type { LifecycleDeps } from './types.ts';

/**
 * The host's result of a deployment, or `Interrupted` when this agent stopped before the end
 * (it detached from a running hook, or the host is rebooting): the journal keeps it running.
 */
export type HostResult = DeploymentOutcome['status'] | 'Interrupted';

/** How to stop a deployment: `signal` kills its hook (cancel), `detach` leaves it to the next agent. */
export interface Stops {
  signal: AbortSignal;
  detach?: AbortSignal;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The events whose failure ignoreApplicationStopFailures ignores (CodeDeploy's: the stop and block-traffic hooks). */
const STOP_EVENTS: ReadonlySet<string> = new Set(['ApplicationStop', 'BeforeBlockTraffic', 'AfterBlockTraffic']);

/** Applies ignoreApplicationStopFailures: the failure is kept in the message, the host goes on. */
function ignoreStopFailure(event: string, outcome: ActionOutcome): ActionOutcome {
  const ignored: ActionOutcome = {
    status: 'Succeeded',
    message: `${event} failed and was ignored (ignoreApplicationStopFailures): ${outcome.message ?? ''}`,
  };
  if (outcome.scriptName !== undefined) ignored.scriptName = outcome.scriptName;
  if (outcome.logTail !== undefined) ignored.logTail = outcome.logTail;
  return ignored;
}

/**
 * Runs the event's action; a throw becomes Failed with its own code when that is a per-event
 * code (SignatureMissing, ...: the message then needs no prefix), else UnknownError.
 */
async function runAction(ctx: DeploymentContext, event: EventName): Promise<ActionOutcome> {
  try {
    return await (trafficActionFor(ctx, event) ?? actionFor(ctx, event))(ctx, event);
  } catch (err) {
    ctx.log.warn('lifecycle event action failed', { lifecycleEvent: event, error: messageOf(err), code: err instanceof DeckhandError ? err.code : undefined });
    if (err instanceof DeckhandError && isLifecycleErrorCode(err.code)) return { status: 'Failed', errorCode: err.code, message: err.message };
    return { status: 'Failed', errorCode: 'UnknownError', message: thrownMessage(err) };
  }
}

/**
 * Runs one event between its two journal writes; never throws for the action's own failures.
 * `resumed`: the event is already journaled as started (an earlier agent began it).
 * 'Interrupted': the agent detached or the host is rebooting; the event stays InProgress.
 */
async function runEvent(ctx: DeploymentContext, event: EventName, resumed: boolean, rebootPending?: ResumePlan['rebootPending']): Promise<ActionOutcome | 'Interrupted'> {
  const { journal, clock } = ctx.deps;
  const key: EventKey = { commandId: ctx.commandId, deploymentId: ctx.spec.deploymentId, event };
  const log = ctx.log.child({ lifecycleEvent: event });
  if (!resumed) journal.startEvent(key, clock.now());
  log.info(resumed ? 'lifecycle event resumed' : 'lifecycle event started');
  ctx.deps.observer?.eventStarted(event);
  let outcome: ActionOutcome =
    rebootPending === undefined
      ? await runAction(ctx, event)
      : { status: 'Failed', errorCode: 'ScriptFailed', message: rebootPending.message, rebootRequested: { index: rebootPending.index } };
  if (outcome.detached) return 'Interrupted';
  if (outcome.rebootRequested !== undefined) {
    const reboot = await requestReboot(ctx, key, outcome, outcome.rebootRequested.index);
    if (reboot === 'rebooting') return 'Interrupted';
    outcome = reboot;
  }
  if (STOP_EVENTS.has(event) && outcome.status === 'Failed' && ctx.spec.ignoreApplicationStopFailures) {
    outcome = ignoreStopFailure(event, outcome);
  }
  const { group, detached: _detached, rebootRequested: _reboot, ...result } = outcome;
  journal.finishEvent(key, result, clock.now(), group);
  log.info('lifecycle event finished', { status: result.status, errorCode: result.errorCode });
  ctx.deps.observer?.eventFinished(event, result);
  return outcome;
}

/** The code and message a stop request (cancel, shutdown) ends the deployment with. */
function stopReason(signal: AbortSignal): { errorCode: ErrorCode; message: string } {
  const reason: unknown = signal.reason;
  if (reason instanceof DeckhandError) return { errorCode: reason.code, message: reason.message };
  return { errorCode: 'MANUAL_STOP', message: 'the deployment was stopped' };
}

/**
 * Creates the deployment's directories (again, when resuming: harmless). The deployment folder is
 * open to a runas hook on its way to the archive; its script output and status files are not.
 */
async function makeDirs(ctx: DeploymentContext): Promise<string | undefined> {
  try {
    await fs.mkdir(ctx.deploymentDir, { recursive: true });
    await fs.mkdir(ctx.statusDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(path.dirname(ctx.logFile), { recursive: true, mode: 0o700 });
    return undefined;
  } catch (err) {
    return `cannot create ${ctx.deploymentDir}: ${messageOf(err)}`;
  }
}

/** After a failure for a full disk: removes the deployment's bundle and unpacked revision, saying so. */
async function giveSpaceBack(ctx: DeploymentContext): Promise<void> {
  try {
    const removed = await releaseSpace(ctx);
    ctx.log.warn('disk full on the host: the failed deployment gave its space back', { removed });
  } catch (err) {
    // The deployment's outcome stands; retention removes the folder later.
    ctx.log.error('disk full on the host: giving the space back failed', { error: messageOf(err) });
  }
}

/** Follows the transition table from `plan` to a terminal state and journals the host's outcome. */
async function drive(ctx: DeploymentContext, plan: ResumePlan): Promise<HostResult> {
  const { deps } = ctx;
  let final: DeploymentOutcome = { commandId: ctx.commandId, deploymentId: ctx.spec.deploymentId, status: 'Succeeded', ...plan.failure };
  const dirProblem = await makeDirs(ctx);
  let state: DeploymentState = plan.state;
  if (dirProblem !== undefined) {
    final = { ...final, status: 'Failed', errorCode: 'UnknownError', message: dirProblem };
    state = 'Failed';
  }
  let failedEvent = plan.failedEvent;
  let resumed = plan.resumed;
  while (isEventState(state)) {
    if (ctx.signal.aborted) {
      final = { ...final, status: 'Failed', ...stopReason(ctx.signal) };
      break;
    }
    const outcome = await runEvent(ctx, state, resumed, resumed ? plan.rebootPending : undefined);
    resumed = false;
    if (outcome === 'Interrupted') return 'Interrupted';
    if (outcome.status === 'Failed') {
      failedEvent = state;
      final = { ...final, status: 'Failed', errorCode: outcome.errorCode ?? 'UnknownError' };
      if (outcome.message !== undefined) final.message = outcome.message;
    }
    state = nextState(ctx.transitions, state, outcome.status);
  }
  // Before the host's outcome, so the extension event is reported while the target is open.
  if (failedEvent !== undefined && !plan.afterFailureDone) {
    if ((await runAfterFailure(ctx, failedEvent)) === 'Interrupted') return 'Interrupted';
  }
  if (ctx.diskFull) await giveSpaceBack(ctx);
  deps.journal.finishDeployment(final, deps.clock.now());
  ctx.log.info('deployment finished', { status: final.status, errorCode: final.errorCode });
  return final.status;
}

/**
 * Runs the deployment of a journaled command to its end and journals the host's outcome.
 * Aborting `stops.signal` kills a running hook (its event fails) and runs no further events;
 * aborting `stops.detach` leaves the hook running and the deployment to the next agent.
 */
export async function runDeployment(deps: LifecycleDeps, command: StoredCommand, stops: Stops | AbortSignal): Promise<HostResult> {
  const { signal, detach } = stops instanceof AbortSignal ? { signal: stops, detach: undefined } : stops;
  const ctx = createContext(deps, command.commandId, command.body.deploy, signal, detach);
  applyStartAt(ctx);
  const { spec } = ctx;
  deps.journal.startDeployment(
    { commandId: command.commandId, deploymentId: spec.deploymentId, deploymentGroupId: spec.deploymentGroupId, archiveDir: ctx.archiveDir },
    deps.clock.now(),
  );
  ctx.log.info('deployment started', { applicationName: spec.applicationName, revisionId: spec.revision.revisionId });
  return drive(ctx, { state: nextState(ctx.transitions, 'Pending', 'Succeeded'), resumed: false, afterFailureDone: false });
}

/** Continues a deployment an earlier agent left running, from where its journal says it stands. */
export async function resumeDeployment(deps: LifecycleDeps, command: StoredCommand, stops: Stops): Promise<HostResult> {
  const ctx = createContext(deps, command.commandId, command.body.deploy, stops.signal, stops.detach);
  applyStartAt(ctx);
  const plan = planResume(deps.journal, ctx.spec.deploymentId, { bootId: (deps.reboot?.bootId ?? currentBootId)(), now: deps.clock.now(), transitions: ctx.transitions });
  if (plan.resume !== undefined) ctx.resume = plan.resume;
  ctx.log.warn('deployment resumed after an agent restart', { state: plan.state, resume: plan.resume });
  return drive(ctx, plan);
}
