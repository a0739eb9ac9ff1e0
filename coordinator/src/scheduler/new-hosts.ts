/**
 * New hosts: an instance that registers, or is tagged, into a group with a last successful
 * deployment gets that revision by a deployment of its own (creator "autoupdate", like
 * CodeDeploy's CodeDeployAutoUpdate for Auto Scaling launches), queued if the group is busy.
 * Groups can turn this off (autoDeployNewInstances).
 */
import { prepared } from '../store/statements.ts';
import { listAllDeploymentGroups, type DeploymentGroupRow } from '../store/groups.ts';
import { getInstance, type InstanceRow } from '../store/instances.ts';
import type { Engine } from './engine.ts';
import { createDeployment } from './lifecycle.ts';
import * as repo from './repo.ts';
import { groupSelects } from './tag-filters.ts';
import { groupHistory, revisionHealthOf } from './targets.ts';

/** The creator of deployments that bring a new host up to its group's revision. */
export const AUTO_UPDATE_CREATOR = 'autoupdate';

/** True when a running or queued deployment of the group will already reach the host. */
function alreadyComing(e: Engine, group: DeploymentGroupRow, instanceId: string): boolean {
  const target = prepared(e.db, 
      `SELECT 1 FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
       WHERE d.deployment_group_id = ? AND d.status IN ('Created', 'InProgress') AND t.instance_id = ?
         AND t.status IN ('Pending', 'InProgress', 'WaitingForAgent')`,
    )
    .get(group.deploymentGroupId, instanceId);
  if (target) return true;
  const queued = prepared(e.db, `SELECT target_instances FROM deployments WHERE deployment_group_id = ? AND status = 'Queued'`)
    .all(group.deploymentGroupId) as { target_instances: string | null }[];
  return queued.some((q) => q.target_instances === null || (JSON.parse(q.target_instances) as string[]).includes(instanceId));
}

function deployTo(e: Engine, group: DeploymentGroupRow, instance: InstanceRow): string | undefined {
  if (!group.autoDeployNewInstances || group.lastSuccessfulDeploymentId === undefined) return undefined;
  if (!groupSelects(group, instance)) return undefined;
  const good = repo.getDeployment(e.db, group.lastSuccessfulDeploymentId);
  if (!good) return undefined;
  const health = revisionHealthOf(groupHistory(e.db, group.deploymentGroupId).get(instance.instanceId), good.revisionId);
  if (health === 'Current' || alreadyComing(e, group, instance.instanceId)) return undefined;
  return createDeployment(e, {
    applicationId: group.applicationId,
    deploymentGroupId: group.deploymentGroupId,
    revisionId: good.revisionId,
    // One host: AllAtOnce is the only built-in whose minimum (0) lets a lone host be deployed.
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    fileExistsBehavior: good.fileExistsBehavior,
    ignoreApplicationStopFailures: good.ignoreApplicationStopFailures,
    parameters: repo.parametersOf(e.db, good.deploymentId),
    description: `New instance ${instance.hostname} joined the group: deploying its last successful revision`,
    creator: AUTO_UPDATE_CREATOR,
    queue: true,
    targetInstances: [instance.instanceId],
  });
}

/** Brings the instance up to date in every group it now belongs to; returns the deployments created. */
export function autoDeployInstance(e: Engine, instanceId: string): string[] {
  const instance = getInstance(e.db, instanceId);
  if (!instance) return [];
  const created: string[] = [];
  for (const group of listAllDeploymentGroups(e.db)) {
    const id = deployTo(e, group, instance);
    if (id !== undefined) created.push(id);
  }
  return created;
}
