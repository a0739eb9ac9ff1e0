/**
 * A deployment's life as a whole: created (started at once, queued behind the group's running
 * deployment, or refused with CONFLICT), stopped on request, and what follows its end (an
 * automatic rollback, then the group's next queued deployment).
 */
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type AlarmConfiguration, type AutoRollbackConfiguration, type AutoRollbackEvent, type FileExistsBehavior } from '../../../protocol/src/index.ts';
import type { DeploymentRow } from '../store/deployments/deployments.ts';
import { ruleFor } from './configs.ts';
import { checkBlastRadius } from './guard-rail.ts';
import { iso, markStopped, type EndStatus, type Engine } from './engine.ts';
import { canTransition } from './policy/deployment-status.ts';
import { maybeRollback } from './rollback.ts';
import { advance, startDeployment, startNextQueued } from './rollout.ts';
import { stopBlueGreen } from './blue-green.ts';

/** A deployment as the API asks for it, already validated and resolved to ids. */
export interface NewDeployment {
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  parameters: Record<string, string>;
  description?: string;
  creator: string;
  /** Queue behind the group's active deployment instead of failing with CONFLICT. */
  queue?: boolean;
  updateOutdatedInstancesOnly?: boolean;
  autoRollback?: AutoRollbackConfiguration;
  /** Explicit hosts instead of the group's members. */
  targetInstances?: readonly string[];
  /** Wait for approval after the first batch; undefined: as the configuration says. */
  requireApproval?: boolean;
  /** Instead of the group's alarm configuration. */
  overrideAlarmConfiguration?: AlarmConfiguration;
  /**
   * The guard rail: false refuses a deployment whose first step takes more of the group than its
   * largeBlastRadius allows, true confirms it; undefined (rollbacks, new hosts) does not check.
   */
  confirmLargeBlastRadius?: boolean;
  /** The deployment whose failed and skipped hosts this one retries. */
  retryOf?: string;
  /** With retryOf: the lifecycle event each host starts at (the others start from the beginning). */
  startEvents?: ReadonlyMap<string, string>;
}

/** Stores the deployment and starts it, or queues it. Returns its id. */
export async function createDeployment(e: Engine, input: NewDeployment): Promise<string> {
  if (!(await ruleFor(e.tx, input.deploymentConfigName))) {
    throw new DeckhandError('VALIDATION_FAILED', `unknown deployment configuration "${input.deploymentConfigName}"`);
  }
  const active = await e.tx.deployments.activeOfGroup(input.deploymentGroupId);
  if (active && !input.queue) {
    throw new DeckhandError('CONFLICT', `deployment group already has an active deployment (${active})`, {
      details: { deploymentId: active },
    });
  }
  if (input.confirmLargeBlastRadius === false) await checkBlastRadius(e, input);
  const deploymentId = newId('d');
  const { queue: _queue, updateOutdatedInstancesOnly, overrideAlarmConfiguration, confirmLargeBlastRadius: _confirm, retryOf, startEvents, ...rest } = input;
  const row = { ...rest, deploymentId, updateOutdatedOnly: updateOutdatedInstancesOnly ?? false, createdAt: iso(e) };
  await e.tx.deployments.insert(row, active ? 'Queued' : 'Created');
  if (overrideAlarmConfiguration || retryOf) {
    await e.tx.health.setDeploymentHealth(deploymentId, { ...(overrideAlarmConfiguration ? { alarmOverride: overrideAlarmConfiguration } : {}), ...(retryOf ? { retryOf } : {}) });
  }
  if (startEvents && startEvents.size > 0) await e.tx.health.setRetryStarts(deploymentId, startEvents);
  if (active) e.log.info('deployment queued', { deploymentId, behind: active });
  else await startDeployment(e, deploymentId);
  return deploymentId;
}

/** What {@link stopDeployment} answers, as CodeDeploy's StopDeployment. */
export interface StopResult {
  /** Pending while stopped hosts are still aborting their hook. */
  status: 'Pending' | 'Succeeded';
  statusMessage: string;
}

/**
 * Stops a queued or running deployment: hosts not yet taken are Skipped, running ones are sent
 * coord.cancel (their agent kills the hook and reports), and the deployment ends Stopped with
 * MANUAL_STOP. `autoRollbackEnabled: false` suppresses a DEPLOYMENT_STOP_ON_REQUEST rollback.
 */
export async function stopDeployment(e: Engine, deploymentId: string, autoRollbackEnabled?: boolean): Promise<StopResult> {
  const d = await e.tx.deployments.get(deploymentId);
  if (!d) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  if (!canTransition(d.status, 'Stopped')) {
    throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is already ${d.status}`);
  }
  // Blue/green: traffic that moved moves back before the deployment ends Stopped.
  if (d.status === 'InProgress' && (await stopBlueGreen(e, d))) {
    await advance(e, deploymentId);
    return { status: 'Pending', statusMessage: 'Traffic is moving back to the original hosts; the deployment ends Stopped once it has.' };
  }
  await e.tx.targets.skipPending(deploymentId, iso(e), 'Not deployed: the deployment was stopped before this host\'s turn.');
  const running = await e.tx.targets.runningOf(deploymentId);
  for (const t of running) {
    if (t.commandId !== null) e.out.push({ instanceId: t.instanceId, cancel: { commandId: t.commandId, deploymentId } });
  }
  await markStopped(e, d);
  e.log.info('deployment stopped', { deploymentId, running: running.length });
  // A queued deployment touched no host: there is nothing to roll back.
  if (d.status === 'Queued' || autoRollbackEnabled === false) await startNextQueued(e, d.deploymentGroupId);
  else await onEnded(e, d, 'Stopped');
  return running.length > 0
    ? { status: 'Pending', statusMessage: `${running.length} instance(s) are aborting their lifecycle event` }
    : { status: 'Succeeded', statusMessage: 'The deployment is stopped.' };
}

/** What follows a deployment's end: its automatic rollback if configured, then the queue. */
export async function onEnded(e: Engine, d: DeploymentRow, status: EndStatus, cause?: AutoRollbackEvent): Promise<void> {
  if (status !== 'Succeeded') await maybeRollback(e, d, status, cause);
  await startNextQueued(e, d.deploymentGroupId);
}
