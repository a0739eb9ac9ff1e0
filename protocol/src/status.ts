/**
 * Status vocabularies, verbatim from the CodeDeploy API so that dashboards and scripts port.
 */

/** A deployment as a whole. Created: stored, not started; Queued: waiting for its group. */
export const DEPLOYMENT_STATUSES = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Succeeded',
  'Failed',
  'Stopped',
  'Ready',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/**
 * One host's part in a deployment (CodeDeploy's InstanceStatus / TargetStatus), plus
 * WaitingForAgent: chosen for a batch while its agent is offline, until it connects or the
 * group's agent deadline passes.
 */
export const INSTANCE_STATUSES = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'Skipped',
  'Unknown',
  'Ready',
  'WaitingForAgent',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** One lifecycle event on one host. */
export const LIFECYCLE_EVENT_STATUSES = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'Skipped',
  'Unknown',
] as const;
export type LifecycleEventStatus = (typeof LIFECYCLE_EVENT_STATUSES)[number];

/**
 * The statuses in which a deployment is over: it changes no more and dispatches to no host. The
 * one definition: the coordinator's transition table, its queries and the CLI's watch use it.
 */
export const FINISHED_DEPLOYMENT_STATUSES = ['Succeeded', 'Failed', 'Stopped'] as const satisfies readonly DeploymentStatus[];

const TERMINAL_DEPLOYMENT: ReadonlySet<DeploymentStatus> = new Set(FINISHED_DEPLOYMENT_STATUSES);
const TERMINAL_INSTANCE: ReadonlySet<InstanceStatus> = new Set(['Succeeded', 'Failed', 'Skipped']);

/** True once a deployment can no longer change status. */
export function isTerminalDeploymentStatus(status: DeploymentStatus): boolean {
  return TERMINAL_DEPLOYMENT.has(status);
}

/** True once a host's part in a deployment can no longer change status. */
export function isTerminalInstanceStatus(status: InstanceStatus): boolean {
  return TERMINAL_INSTANCE.has(status);
}
