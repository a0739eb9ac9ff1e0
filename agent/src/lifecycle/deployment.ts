/**
 * Runs one deployment on this host by following the transition table: each event is journaled
 * as started (with its InProgress outbox row) before it runs and as finished (with its outcome
 * row) after, and the host's final outcome closes the deployment.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError, type ErrorCode } from '../../../protocol/src/index.ts';
import type { DeploymentOutcome, EventKey, StoredCommand } from '../journal/types.ts';
import { runAfterFailure } from './after-failure.ts';
import { createContext, type DeploymentContext } from './context.ts';
import { STEPS, type StepOutcome } from './steps.ts';
import { isEventState, nextState, type DeploymentState, type InPlaceEvent } from './transitions.ts';
import type { LifecycleDeps } from './types.ts';

/** The host's result of a deployment. */
export type HostResult = DeploymentOutcome['status'];

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Applies ignoreApplicationStopFailures: the failure is kept in the message, the host goes on. */
function ignoreStopFailure(outcome: StepOutcome): StepOutcome {
  const ignored: StepOutcome = {
    status: 'Succeeded',
    message: `ApplicationStop failed and was ignored (ignoreApplicationStopFailures): ${outcome.message ?? ''}`,
  };
  if (outcome.scriptName !== undefined) ignored.scriptName = outcome.scriptName;
  if (outcome.logTail !== undefined) ignored.logTail = outcome.logTail;
  return ignored;
}

/** Runs one event between its two journal writes; never throws for the step's own failures. */
async function runEvent(ctx: DeploymentContext, event: InPlaceEvent): Promise<StepOutcome> {
  const { journal, clock } = ctx.deps;
  const key: EventKey = { commandId: ctx.commandId, deploymentId: ctx.spec.deploymentId, event };
  const log = ctx.log.child({ lifecycleEvent: event });
  journal.startEvent(key, clock.now());
  log.info('lifecycle event started');
  ctx.deps.observer?.eventStarted(event);
  let outcome: StepOutcome;
  try {
    const selected = ctx.deps.events === undefined || ctx.deps.events.has(event);
    outcome = selected ? await STEPS[event](ctx, event) : { status: 'Skipped', message: 'not among the selected events' };
  } catch (err) {
    log.warn('lifecycle step failed', { error: messageOf(err), code: err instanceof DeckhandError ? err.code : undefined });
    outcome = { status: 'Failed', errorCode: 'UnknownError', message: messageOf(err) };
  }
  if (event === 'ApplicationStop' && outcome.status === 'Failed' && ctx.spec.ignoreApplicationStopFailures) {
    outcome = ignoreStopFailure(outcome);
  }
  const { group, ...result } = outcome;
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
 * Runs the deployment of a journaled command to its end and journals the host's outcome.
 * Aborting `signal` kills a running hook (its event fails) and runs no further events.
 */
export async function runDeployment(deps: LifecycleDeps, command: StoredCommand, signal: AbortSignal): Promise<HostResult> {
  const ctx = createContext(deps, command.commandId, command.body.deploy, signal);
  const { spec } = ctx;
  deps.journal.startDeployment(
    {
      commandId: command.commandId,
      deploymentId: spec.deploymentId,
      deploymentGroupId: spec.deploymentGroupId,
      archiveDir: ctx.archiveDir,
    },
    deps.clock.now(),
  );
  ctx.log.info('deployment started', { applicationName: spec.applicationName, revisionId: spec.revision.revisionId });
  let final: DeploymentOutcome = { commandId: command.commandId, deploymentId: spec.deploymentId, status: 'Succeeded' };
  try {
    await fs.mkdir(ctx.statusDir, { recursive: true });
    await fs.mkdir(path.dirname(ctx.logFile), { recursive: true });
  } catch (err) {
    final = { ...final, status: 'Failed', errorCode: 'UnknownError', message: `cannot create ${ctx.deploymentDir}: ${messageOf(err)}` };
  }
  let state: DeploymentState = final.status === 'Failed' ? 'Failed' : nextState('Pending', 'Succeeded');
  let failedEvent: InPlaceEvent | undefined;
  while (isEventState(state)) {
    if (signal.aborted) {
      final = { ...final, status: 'Failed', ...stopReason(signal) };
      break;
    }
    const outcome = await runEvent(ctx, state);
    if (outcome.status === 'Failed') {
      failedEvent = state;
      final = { ...final, status: 'Failed', errorCode: outcome.errorCode ?? 'UnknownError' };
      if (outcome.message !== undefined) final.message = outcome.message;
    }
    state = nextState(state, outcome.status);
  }
  // Before the host's outcome, so the extension event is reported while the target is open.
  if (failedEvent !== undefined) await runAfterFailure(ctx, failedEvent);
  deps.journal.finishDeployment(final, deps.clock.now());
  ctx.log.info('deployment finished', { status: final.status, errorCode: final.errorCode });
  return final.status;
}
