/**
 * Rollback as CodeDeploy does it: a NEW deployment of the group's last successful revision
 * (with that deployment's fileExistsBehavior and parameters), creator "rollback", linked both
 * ways to the deployment that triggered it. It goes to every instance of the group, as
 * CodeDeploy's in-place rollback does, not only the hosts the failed deployment touched.
 */
import { prepared } from '../store/statements.ts';
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type AutoRollbackConfiguration } from '../../../protocol/src/index.ts';
import { getDeploymentGroup, type DeploymentGroupRow } from '../store/groups.ts';
import { iso, startDeployment, type Engine } from './engine.ts';
import * as repo from './repo.ts';
import { setRequireApproval } from './rollout.ts';

/** The creator of every rollback deployment. */
export const ROLLBACK_CREATOR = 'rollback';

/** What a rollback deploys to; stated in every rollback message. */
const SCOPE = 'to all instances of the deployment group';

/** The configuration that applies to `d`: its own override, else its group's. */
export function autoRollbackOf(d: repo.DeploymentRow, group: DeploymentGroupRow | undefined): AutoRollbackConfiguration | undefined {
  return d.autoRollback ?? group?.autoRollback;
}

/** After `d` ended Failed or Stopped: creates the automatic rollback its configuration asks for. */
export function maybeRollback(e: Engine, d: repo.DeploymentRow, status: 'Failed' | 'Stopped'): void {
  // A rollback that fails is not rolled back again: that could loop between two bad revisions.
  if (d.creator === ROLLBACK_CREATOR) return;
  const group = getDeploymentGroup(e.db, d.deploymentGroupId);
  const config = autoRollbackOf(d, group);
  const event = status === 'Failed' ? 'DEPLOYMENT_FAILURE' : 'DEPLOYMENT_STOP_ON_REQUEST';
  if (!group || !config?.enabled || !config.events.includes(event)) return;
  const good = lastGood(e, group);
  if (!good) {
    repo.setRollbackInfo(e.db, d.deploymentId, { message: `${event}: no rollback, the group has no successful deployment` });
    return;
  }
  const id = insertRollback(e, group, good, d, 'Created', `Automatic rollback of ${d.deploymentId} after ${event}`);
  startDeployment(e, id);
}

function lastGood(e: Engine, group: DeploymentGroupRow): repo.DeploymentRow | undefined {
  return group.lastSuccessfulDeploymentId === undefined ? undefined : repo.getDeployment(e.db, group.lastSuccessfulDeploymentId);
}

function insertRollback(
  e: Engine,
  group: DeploymentGroupRow,
  good: repo.DeploymentRow,
  trigger: repo.DeploymentRow | undefined,
  status: 'Created' | 'Queued',
  description: string,
): string {
  const deploymentId = newId('d');
  const message = `${description}: redeploying revision ${good.revisionId} of ${good.deploymentId} ${SCOPE}`;
  repo.insertDeployment(
    e.db,
    {
      deploymentId,
      applicationId: group.applicationId,
      deploymentGroupId: group.deploymentGroupId,
      revisionId: good.revisionId,
      deploymentConfigName: trigger?.deploymentConfigName ?? group.deploymentConfigName,
      creator: ROLLBACK_CREATOR,
      fileExistsBehavior: good.fileExistsBehavior,
      ignoreApplicationStopFailures: good.ignoreApplicationStopFailures,
      parameters: repo.parametersOf(e.db, good.deploymentId),
      description: message,
      ...(trigger ? { rollbackOf: trigger.deploymentId } : {}),
      createdAt: iso(e),
    },
    status,
  );
  // A rollback restores service: it never waits for an approval, whatever its configuration says.
  setRequireApproval(e.db, deploymentId, false);
  if (trigger) repo.setRollbackInfo(e.db, trigger.deploymentId, { rollbackDeploymentId: deploymentId, message });
  e.log.info('rollback created', { deploymentId, rollbackOf: trigger?.deploymentId, revisionId: good.revisionId });
  return deploymentId;
}

/** The group's latest Failed or Stopped deployment newer than its last success, if any. */
function latestUnsuccessful(e: Engine, group: DeploymentGroupRow): repo.DeploymentRow | undefined {
  const r = prepared(e.db, 
      `SELECT deployment_id FROM deployments WHERE deployment_group_id = ? AND status IN ('Failed', 'Stopped')
         AND rollback_deployment_id IS NULL
         AND created_at >= COALESCE((SELECT created_at FROM deployments WHERE deployment_id = ?), '')
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    )
    .get(group.deploymentGroupId, group.lastSuccessfulDeploymentId ?? null) as { deployment_id: string } | undefined;
  return r && repo.getDeployment(e.db, r.deployment_id);
}

/**
 * A manual rollback of the group (`deckhand rollback`). Links to the latest failed or stopped
 * deployment since the last success, if any. Throws CONFLICT when there is nothing to roll back
 * to, or when the group is busy and `queue` is false.
 */
export function rollbackGroup(e: Engine, deploymentGroupId: string, opts: { queue: boolean; who: string; description?: string }): string {
  const group = getDeploymentGroup(e.db, deploymentGroupId);
  if (!group) throw new DeckhandError('NOT_FOUND', 'deployment group not found');
  const good = lastGood(e, group);
  if (!good) throw new DeckhandError('CONFLICT', `deployment group ${group.name} has no successful deployment to roll back to`);
  const active = repo.activeDeploymentOfGroup(e.db, deploymentGroupId);
  if (active && !opts.queue) {
    throw new DeckhandError('CONFLICT', `deployment group already has an active deployment (${active})`, { details: { deploymentId: active } });
  }
  const description = opts.description ?? `Manual rollback by ${opts.who}`;
  const id = insertRollback(e, group, good, latestUnsuccessful(e, group), active ? 'Queued' : 'Created', description);
  if (!active) startDeployment(e, id);
  return id;
}
