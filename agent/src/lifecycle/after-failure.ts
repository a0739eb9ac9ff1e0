/**
 * AfterFailure, a Deckhand extension event (CodeDeploy issue #63): when any event of a
 * deployment failed, the current revision's `hooks.AfterFailure` scripts run with the failed
 * event's name in FAILED_LIFECYCLE_EVENT, for clean-up or alerting. It is opt-in (nothing runs
 * unless the appspec lists scripts for it; CodeDeploy agents ignore the key), it is journaled and
 * reported like any event, and its outcome never changes the deployment's result. It does not run
 * when the deployment was stopped (cancel, agent shutdown), nor when the current revision's
 * appspec cannot be read (the failure was in fetching or parsing it).
 */
import type { AppSpec } from '../appspec/types.ts';
import type { DeploymentContext } from './context.ts';
import { runScripts, thrownMessage } from './event-actions.ts';

/** The extension event's name. */
export const AFTER_FAILURE = 'AfterFailure';

/** The current revision's appspec, or undefined when there is none to read. */
async function appSpecOrNothing(ctx: DeploymentContext): Promise<AppSpec | undefined> {
  try {
    ctx.appSpec ??= await ctx.deps.revision.loadAppSpec(ctx.archiveDir, ctx.deps.os);
    return ctx.appSpec;
  } catch {
    // No archive yet (the failure came first) or an unreadable appspec: nothing declares AfterFailure.
    return undefined;
  }
}

/**
 * Runs the AfterFailure scripts after `failedEvent` failed; never throws. 'Interrupted' when the
 * agent detached from its script (the event stays InProgress for the next agent to adopt).
 */
export async function runAfterFailure(ctx: DeploymentContext, failedEvent: string): Promise<'Interrupted' | undefined> {
  if (ctx.signal.aborted) return undefined;
  const appSpec = await appSpecOrNothing(ctx);
  if (!appSpec?.hooks[AFTER_FAILURE]?.length) return undefined;
  const { journal, clock } = ctx.deps;
  const key = { commandId: ctx.commandId, deploymentId: ctx.spec.deploymentId, event: AFTER_FAILURE };
  const log = ctx.log.child({ lifecycleEvent: AFTER_FAILURE });
  // An adopted AfterFailure is already journaled as started (and restarting it would drop its pid).
  if (ctx.resume?.event !== AFTER_FAILURE) journal.startEvent(key, clock.now());
  let outcome;
  try {
    outcome = await runScripts(ctx, AFTER_FAILURE, ctx.archiveDir, appSpec, { failedLifecycleEvent: failedEvent });
    if (outcome.detached) return 'Interrupted';
  } catch (err) {
    outcome = { status: 'Failed' as const, errorCode: 'UnknownError' as const, message: thrownMessage(err) };
  }
  const { detached: _detached, rebootRequested: _reboot, ...result } = outcome;
  journal.finishEvent(key, result, clock.now());
  log.info('lifecycle event finished', { status: result.status, errorCode: result.errorCode });
  return undefined;
}
