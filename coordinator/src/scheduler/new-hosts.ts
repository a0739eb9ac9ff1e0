/**
 * New hosts: an instance that registers, or is tagged, into a group with a last successful
 * deployment gets that revision by a deployment of its own (creator "autoupdate", like
 * CodeDeploy's CodeDeployAutoUpdate for Auto Scaling launches), queued if the group is busy.
 * Groups can turn this off (autoDeployNewInstances).
 */
import type { DeploymentGroupRow } from '../store/groups.ts';
import type { InstanceRow } from '../store/instances.ts';
import { createDeployment } from './create-and-stop.ts';
import type { Engine } from './engine.ts';
import { groupSelects } from './tag-filters.ts';
import { groupHistory, revisionHealthOf } from './targets.ts';

/** The creator of deployments that bring a new host up to its group's revision. */
export const AUTO_UPDATE_CREATOR = 'autoupdate';

/** True when a running or queued deployment of the group will already reach the host. */
async function alreadyComing(e: Engine, group: DeploymentGroupRow, instanceId: string): Promise<boolean> {
  if (await e.tx.targets.isComingTo(group.deploymentGroupId, instanceId)) return true;
  const queued = await e.tx.deployments.queuedTargetsOfGroup(group.deploymentGroupId);
  return queued.some((hosts) => hosts === undefined || hosts.includes(instanceId));
}

async function deployTo(e: Engine, group: DeploymentGroupRow, instance: InstanceRow): Promise<string | undefined> {
  if (!group.autoDeployNewInstances || group.lastSuccessfulDeploymentId === undefined) return undefined;
  if (!groupSelects(group, instance)) return undefined;
  const good = await e.tx.deployments.get(group.lastSuccessfulDeploymentId);
  if (!good) return undefined;
  const health = revisionHealthOf((await groupHistory(e.tx, group.deploymentGroupId)).get(instance.instanceId), good.revisionId);
  if (health === 'Current' || (await alreadyComing(e, group, instance.instanceId))) return undefined;
  return createDeployment(e, {
    applicationId: group.applicationId,
    deploymentGroupId: group.deploymentGroupId,
    revisionId: good.revisionId,
    // One host: AllAtOnce is the only built-in whose minimum (0) lets a lone host be deployed.
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    fileExistsBehavior: good.fileExistsBehavior,
    ignoreApplicationStopFailures: good.ignoreApplicationStopFailures,
    parameters: await e.tx.deployments.parametersOf(good.deploymentId),
    description: `New instance ${instance.hostname} joined the group: deploying its last successful revision`,
    creator: AUTO_UPDATE_CREATOR,
    queue: true,
    targetInstances: [instance.instanceId],
  });
}

/** Brings the instance up to date in every group it now belongs to; returns the deployments created. */
export async function autoDeployInstance(e: Engine, instanceId: string): Promise<string[]> {
  const instance = await e.tx.instances.get(instanceId);
  if (!instance) return [];
  const created: string[] = [];
  for (const group of await e.tx.groups.listAll()) {
    const id = await deployTo(e, group, instance);
    if (id !== undefined) created.push(id);
  }
  return created;
}
