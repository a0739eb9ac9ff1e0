/**
 * The deployment status transition table: which status a deployment may move to from which.
 * Every status change in the scheduler is checked against it (engine.ts), and the store only
 * changes a status from the one the scheduler read, so a deployment never leaves a finished
 * status and never skips one. The finished statuses are protocol's (the CLI watches for them).
 */
import { DeckhandError, isTerminalDeploymentStatus, type DeploymentStatus } from '../../../../protocol/src/index.ts';

/**
 * Where each status may lead.
 * - `Created`: stored and starting in the same transaction (or refused at once).
 * - `Queued`: waiting behind the group's running deployment; starts when it ends.
 * - `InProgress`: hosts are being taken.
 * - `Succeeded`, `Failed`, `Stopped`: finished (no way out).
 * - `Baking`, `Ready`: CodeDeploy blue/green statuses; an in-place deployment never enters them.
 */
export const DEPLOYMENT_TRANSITIONS: Readonly<Record<DeploymentStatus, readonly DeploymentStatus[]>> = {
  Created: ['InProgress', 'Failed', 'Stopped'],
  Queued: ['InProgress', 'Failed', 'Stopped'],
  InProgress: ['Succeeded', 'Failed', 'Stopped'],
  Succeeded: [],
  Failed: [],
  Stopped: [],
  Baking: [],
  Ready: [],
};

/** The statuses a new deployment is stored in. */
export const INITIAL_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued'];

/** True when a deployment in `from` may move to `to`. */
export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return DEPLOYMENT_TRANSITIONS[from].includes(to);
}

/** Throws INTERNAL unless a deployment in `from` may move to `to`: a bug, never a user error. */
export function assertTransition(deploymentId: string, from: DeploymentStatus, to: DeploymentStatus): void {
  if (canTransition(from, to)) return;
  const why = isTerminalDeploymentStatus(from) ? `${from} is finished` : `${from} does not lead to ${to}`;
  throw new DeckhandError('INTERNAL', `deployment ${deploymentId} cannot become ${to}: ${why}`);
}
