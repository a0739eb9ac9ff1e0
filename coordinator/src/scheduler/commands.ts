/**
 * The coord.command bodies the scheduler sends: built from the stored deployment, so a re-send
 * after a reconnect or a coordinator restart carries exactly what the first send did.
 */
import type { CommandBody } from '../../../protocol/src/index.ts';
import type { CommandSpec } from '../store/deployments/deployments.ts';
import type { Repositories } from '../store/store.ts';
import { trafficFieldsOf, type TrafficFields } from './traffic-commands.ts';

/**
 * Fencing epoch of every command. Re-sends keep the same commandId and epoch, so the agent
 * treats them as duplicates and only re-acks; a rising epoch is for reassignment, not done yet.
 */
export const COMMAND_EPOCH = 0;

function toCommand(spec: CommandSpec, commandId: string, traffic: TrafficFields = {}): CommandBody {
  return {
    commandId,
    deploymentId: spec.deploymentId,
    epoch: COMMAND_EPOCH,
    kind: 'deploy',
    deploy: {
      deploymentId: spec.deploymentId,
      applicationName: spec.applicationName,
      deploymentGroupName: spec.deploymentGroupName,
      deploymentGroupId: spec.deploymentGroupId,
      revision: { ...spec.revision, location: spec.revision.location ?? coordinatorLocation(spec.revision.revisionId) },
      fileExistsBehavior: spec.fileExistsBehavior,
      ignoreApplicationStopFailures: spec.ignoreApplicationStopFailures,
      parameters: spec.parameters,
      ...traffic,
    },
  };
}

/** Where an agent downloads a revision from the coordinator's artifact store. */
export function coordinatorLocation(revisionId: string): { kind: 'coordinator'; path: string } {
  return { kind: 'coordinator', path: `/v1/revisions/${revisionId}/content` };
}

/** Where each host of a retry starts (deploy --retry-failed): its event, and the deployment it retries. */
export interface RetryStarts {
  fromDeploymentId: string;
  events: ReadonlyMap<string, string>;
}

/** The hosts of `deploymentId` that start at a later event, if it is a retry that has some. */
export async function retryStarts(store: Repositories, deploymentId: string): Promise<RetryStarts | undefined> {
  const events = await store.health.retryStartsOf(deploymentId);
  if (events.size === 0) return undefined;
  const fromDeploymentId = (await store.health.getDeploymentHealth(deploymentId)).retryOf;
  return fromDeploymentId === undefined ? undefined : { fromDeploymentId, events };
}

function withStart(command: CommandBody, instanceId: string, starts: RetryStarts | undefined): CommandBody {
  const lifecycleEvent = starts?.events.get(instanceId);
  if (starts === undefined || lifecycleEvent === undefined) return command;
  return { ...command, deploy: { ...command.deploy, startAt: { lifecycleEvent, fromDeploymentId: starts.fromDeploymentId } } };
}

/** Builds a deployment's commands from one read of what they carry, for a batch of many hosts. */
export function commandBuilder(spec: CommandSpec, traffic: TrafficFields = {}, starts?: RetryStarts): (commandId: string, instanceId: string) => CommandBody {
  return (commandId, instanceId) => withStart(toCommand(spec, commandId, traffic), instanceId, starts);
}

/** The command telling host `instanceId` to run `deploymentId`; undefined if the deployment is gone. */
export async function buildCommand(store: Repositories, deploymentId: string, commandId: string, instanceId: string): Promise<CommandBody | undefined> {
  const spec = await store.deployments.commandSpec(deploymentId);
  if (!spec) return undefined;
  const fields = await trafficFieldsOf(store, deploymentId, spec.deploymentGroupId);
  const command = toCommand(spec, commandId, fields((await store.traffic.targetOf(deploymentId, instanceId))?.label));
  return withStart(command, instanceId, await retryStarts(store, deploymentId));
}

/** Commands sent to the host but not acknowledged, of deployments still in progress, oldest first. */
export async function unackedCommands(store: Repositories, instanceId: string): Promise<CommandBody[]> {
  const out: CommandBody[] = [];
  for (const c of await store.targets.unackedOf(instanceId)) {
    const command = await buildCommand(store, c.deploymentId, c.commandId, instanceId);
    if (command) out.push(command);
  }
  return out;
}
