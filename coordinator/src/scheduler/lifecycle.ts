/**
 * A deployment's life as a whole: created (started at once, queued behind the group's running
 * deployment, or refused with CONFLICT), stopped on request, and what follows its end (an
 * automatic rollback, then the group's next queued deployment).
 */
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type AutoRollbackConfiguration, type FileExistsBehavior } from '../../../protocol/src/index.ts';
import { ruleFor } from './configs.ts';
import { canTransition } from './policy/deployment-status.ts';
import { iso, markStopped, startDeployment, startNextQueued, type Engine } from './engine.ts';
import * as repo from './repo.ts';
import { maybeRollback } from './rollback.ts';
import { setRequireApproval } from './rollout.ts';
import * as rows from './target-rows.ts';

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
}

/** Stores the deployment and starts it, or queues it. Returns its id. */
export function createDeployment(e: Engine, input: NewDeployment): string {
  if (!ruleFor(e.db, input.deploymentConfigName)) {
    throw new DeckhandError('VALIDATION_FAILED', `unknown deployment configuration "${input.deploymentConfigName}"`);
  }
  const active = repo.activeDeploymentOfGroup(e.db, input.deploymentGroupId);
  if (active && !input.queue) {
    throw new DeckhandError('CONFLICT', `deployment group already has an active deployment (${active})`, {
      details: { deploymentId: active },
    });
  }
  const deploymentId = newId('d');
  const { queue: _queue, updateOutdatedInstancesOnly, requireApproval, ...rest } = input;
  repo.insertDeployment(
    e.db,
    { ...rest, deploymentId, updateOutdatedOnly: updateOutdatedInstancesOnly ?? false, createdAt: iso(e) },
    active ? 'Queued' : 'Created',
  );
  if (requireApproval !== undefined) setRequireApproval(e.db, deploymentId, requireApproval);
  if (active) e.log.info('deployment queued', { deploymentId, behind: active });
  else startDeployment(e, deploymentId);
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
export function stopDeployment(e: Engine, deploymentId: string, autoRollbackEnabled?: boolean): StopResult {
  const d = repo.getDeployment(e.db, deploymentId);
  if (!d) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  if (!canTransition(d.status, 'Stopped')) {
    throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is already ${d.status}`);
  }
  rows.skipPendingTargets(e.db, deploymentId, iso(e));
  const running = rows.runningTargetsOf(e.db, deploymentId);
  for (const t of running) {
    if (t.commandId !== null) e.out.push({ instanceId: t.instanceId, cancel: { commandId: t.commandId, deploymentId } });
  }
  markStopped(e, d);
  e.log.info('deployment stopped', { deploymentId, running: running.length });
  // A queued deployment touched no host: there is nothing to roll back.
  if (d.status === 'Queued' || autoRollbackEnabled === false) startNextQueued(e, d.deploymentGroupId);
  else onEnded(e, d, 'Stopped');
  return running.length > 0
    ? { status: 'Pending', statusMessage: `${running.length} instance(s) are aborting their lifecycle event` }
    : { status: 'Succeeded', statusMessage: 'The deployment is stopped.' };
}

/** What follows a deployment's end: its automatic rollback if configured, then the queue. */
export function onEnded(e: Engine, d: repo.DeploymentRow, status: 'Succeeded' | 'Failed' | 'Stopped'): void {
  if (status !== 'Succeeded') maybeRollback(e, d, status);
  startNextQueued(e, d.deploymentGroupId);
}
