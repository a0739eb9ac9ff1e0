/**
 * Rollback as CodeDeploy does it: a NEW deployment of the group's last successful revision
 * (with that deployment's fileExistsBehavior and parameters), creator "rollback", linked both
 * ways to the deployment that triggered it. It goes to every instance of the group, as
 * CodeDeploy's in-place rollback does, not only the hosts the failed deployment touched.
 */
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type AlarmConfiguration, type AutoRollbackConfiguration, type AutoRollbackEvent } from '../../../protocol/src/index.ts';
import type { DeploymentRow } from '../store/deployments/deployments.ts';
import type { DeploymentGroupRow } from '../store/groups.ts';
import { iso, ROLLBACK_CREATOR, type Engine } from './engine.ts';
import { startDeployment } from './rollout.ts';

export { ROLLBACK_CREATOR } from './engine.ts';

/** What a rollback deploys to; stated in every rollback message. */
const SCOPE = 'to all instances of the deployment group';

/** The configuration that applies to `d`: its own override, else its group's. */
export function autoRollbackOf(d: DeploymentRow, group: DeploymentGroupRow | undefined): AutoRollbackConfiguration | undefined {
  return d.autoRollback ?? group?.autoRollback;
}

/**
 * An automatic rollback restores service: it polls no alarm (the one that stopped the
 * deployment may still fire while the good revision goes back), as overrideAlarmConfiguration
 * with alarms disabled would. A manual rollback polls the group's alarms unless overridden.
 */
export const AUTOMATIC_ROLLBACK_ALARMS: AlarmConfiguration = { enabled: false, ignorePollAlarmFailure: false, alarms: [] };

/**
 * After `d` ended Failed or Stopped: creates the automatic rollback its configuration asks for.
 * `cause` is the rollback event (default: DEPLOYMENT_FAILURE when Failed, else
 * DEPLOYMENT_STOP_ON_REQUEST; DEPLOYMENT_STOP_ON_ALARM after an alarm).
 */
export async function maybeRollback(e: Engine, d: DeploymentRow, status: 'Failed' | 'Stopped', cause?: AutoRollbackEvent): Promise<void> {
  // A rollback that fails is not rolled back again: that could loop between two bad revisions.
  if (d.creator === ROLLBACK_CREATOR) return;
  const group = await e.tx.groups.get(d.deploymentGroupId);
  const config = autoRollbackOf(d, group);
  const event = cause ?? (status === 'Failed' ? 'DEPLOYMENT_FAILURE' : 'DEPLOYMENT_STOP_ON_REQUEST');
  if (!group || !config?.enabled || !config.events.includes(event)) return;
  if (await e.tx.traffic.blueGreenOf(d.deploymentId)) {
    // Blue/green rolls back by itself: traffic moved back to (or never left) the original hosts,
    // which still run the last good revision. Redeploying it would only reinstall the replacements.
    await e.tx.deployments.setRollbackInfo(d.deploymentId, { message: `${event}: blue/green rollback: traffic is on the original hosts, which run the last good revision; no rollback deployment is needed` });
    return;
  }
  const good = await lastGood(e, group);
  if (!good) {
    await e.tx.deployments.setRollbackInfo(d.deploymentId, { message: `${event}: no rollback, the group has no successful deployment` });
    return;
  }
  const id = await insertRollback(e, group, good, d, 'Created', `Automatic rollback of ${d.deploymentId} after ${event}`);
  await e.tx.health.setDeploymentHealth(id, { alarmOverride: AUTOMATIC_ROLLBACK_ALARMS });
  await startDeployment(e, id);
}

async function lastGood(e: Engine, group: DeploymentGroupRow): Promise<DeploymentRow | undefined> {
  return group.lastSuccessfulDeploymentId === undefined ? undefined : e.tx.deployments.get(group.lastSuccessfulDeploymentId);
}

async function insertRollback(
  e: Engine,
  group: DeploymentGroupRow,
  good: DeploymentRow,
  trigger: DeploymentRow | undefined,
  status: 'Created' | 'Queued',
  description: string,
): Promise<string> {
  const deploymentId = newId('d');
  const message = `${description}: redeploying revision ${good.revisionId} of ${good.deploymentId} ${SCOPE}`;
  await e.tx.deployments.insert(
    {
      deploymentId,
      applicationId: group.applicationId,
      deploymentGroupId: group.deploymentGroupId,
      revisionId: good.revisionId,
      deploymentConfigName: trigger?.deploymentConfigName ?? group.deploymentConfigName,
      creator: ROLLBACK_CREATOR,
      fileExistsBehavior: good.fileExistsBehavior,
      ignoreApplicationStopFailures: good.ignoreApplicationStopFailures,
      parameters: await e.tx.deployments.parametersOf(good.deploymentId),
      description: message,
      ...(trigger ? { rollbackOf: trigger.deploymentId } : {}),
      // A rollback restores service: it never waits for an approval, whatever its configuration says.
      requireApproval: false,
      createdAt: iso(e),
    },
    status,
  );
  if (trigger) await e.tx.deployments.setRollbackInfo(trigger.deploymentId, { rollbackDeploymentId: deploymentId, message });
  e.log.info('rollback created', { deploymentId, rollbackOf: trigger?.deploymentId, revisionId: good.revisionId });
  return deploymentId;
}

/** The group's latest Failed or Stopped deployment newer than its last success, if any. */
async function latestUnsuccessful(e: Engine, group: DeploymentGroupRow): Promise<DeploymentRow | undefined> {
  const id = await e.tx.deployments.latestUnsuccessfulOfGroup(group.deploymentGroupId, group.lastSuccessfulDeploymentId);
  return id === undefined ? undefined : e.tx.deployments.get(id);
}

/** How a manual rollback is asked for. */
export interface RollbackOptions {
  queue: boolean;
  who: string;
  description?: string;
  /** Instead of the group's alarms (e.g. disabled, while the alarm that stopped the deployment still fires). */
  overrideAlarmConfiguration?: AlarmConfiguration;
}

/**
 * A manual rollback of the group (`deckhand rollback`). Links to the latest failed or stopped
 * deployment since the last success, if any. Throws CONFLICT when there is nothing to roll back
 * to, or when the group is busy and `queue` is false.
 */
export async function rollbackGroup(e: Engine, deploymentGroupId: string, opts: RollbackOptions): Promise<string> {
  const group = await e.tx.groups.get(deploymentGroupId);
  if (!group) throw new DeckhandError('NOT_FOUND', 'deployment group not found');
  const good = await lastGood(e, group);
  if (!good) throw new DeckhandError('CONFLICT', `deployment group ${group.name} has no successful deployment to roll back to`);
  const active = await e.tx.deployments.activeOfGroup(deploymentGroupId);
  if (active && !opts.queue) {
    throw new DeckhandError('CONFLICT', `deployment group already has an active deployment (${active})`, { details: { deploymentId: active } });
  }
  const description = opts.description ?? `Manual rollback by ${opts.who}`;
  const id = await insertRollback(e, group, good, await latestUnsuccessful(e, group), active ? 'Queued' : 'Created', description);
  if (opts.overrideAlarmConfiguration) await e.tx.health.setDeploymentHealth(id, { alarmOverride: opts.overrideAlarmConfiguration });
  if (!active) await startDeployment(e, id);
  return id;
}
