/**
 * The coord.command bodies the scheduler sends: built from the stored deployment, so a re-send
 * after a reconnect or a coordinator restart carries exactly what the first send did.
 */
import type { CommandBody } from '../../../protocol/src/index.ts';
import type { CommandSpec } from '../store/deployments/deployments.ts';
import type { Repositories } from '../store/store.ts';

/**
 * Fencing epoch of every command. Re-sends keep the same commandId and epoch, so the agent
 * treats them as duplicates and only re-acks; a rising epoch is for reassignment, not done yet.
 */
export const COMMAND_EPOCH = 0;

function toCommand(spec: CommandSpec, commandId: string): CommandBody {
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
    },
  };
}

/** Where an agent downloads a revision from the coordinator's artifact store. */
export function coordinatorLocation(revisionId: string): { kind: 'coordinator'; path: string } {
  return { kind: 'coordinator', path: `/v1/revisions/${revisionId}/content` };
}

/** Builds a deployment's commands from one read of what they carry, for a batch of many hosts. */
export function commandBuilder(spec: CommandSpec): (commandId: string) => CommandBody {
  return (commandId) => toCommand(spec, commandId);
}

/** The command telling a host to run `deploymentId`; undefined if the deployment is gone. */
export async function buildCommand(store: Repositories, deploymentId: string, commandId: string): Promise<CommandBody | undefined> {
  const spec = await store.deployments.commandSpec(deploymentId);
  return spec && toCommand(spec, commandId);
}

/** Commands sent to the host but not acknowledged, of deployments still in progress, oldest first. */
export async function unackedCommands(store: Repositories, instanceId: string): Promise<CommandBody[]> {
  const out: CommandBody[] = [];
  for (const c of await store.targets.unackedOf(instanceId)) {
    const command = await buildCommand(store, c.deploymentId, c.commandId);
    if (command) out.push(command);
  }
  return out;
}
