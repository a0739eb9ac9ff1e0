/**
 * The scheduler's unit-of-work context ({@link Engine}: the store as one unit of work sees it,
 * plus what to send once it commits) and the deployment status changes, each checked against
 * the transition table. Nothing here sends: commands and cancels are collected in `out` and go
 * out only after the unit of work that decided them has committed.
 */
import type { Logger } from '../../../common/src/logger.ts';
import { DeckhandError, type AutoRollbackEvent, type CommandBody, type CoordBodies, type DeploymentErrorCode } from '../../../protocol/src/index.ts';
import type { DeploymentRow } from '../store/deployments/deployments.ts';
import type { UnitOfWork } from '../store/store.ts';
import type { TrafficOp } from '../store/traffic.ts';
import { assertTransition } from './policy/deployment-status.ts';

/**
 * What the traffic service is told to do once a unit of work committed (traffic/service.ts):
 * - `run`: carry out a traffic operation the unit of work recorded as Running;
 * - `send`: give a waiting agent the stored result of its BlockTraffic or AllowTraffic;
 * - `watch` / `unwatch`: analyse the hosts traffic moved to (blue/green), or stop.
 */
export type TrafficOrder =
  | { kind: 'run'; deploymentId: string; instanceId: string; op: TrafficOp }
  | { kind: 'send'; deploymentId: string; instanceId: string; op: 'BlockTraffic' | 'AllowTraffic' }
  | { kind: 'watch'; deploymentId: string; instanceIds: readonly string[] }
  | { kind: 'unwatch'; deploymentId: string };

/** Who carries out traffic orders (the traffic service); absent: nothing drives a balancer. */
export interface TrafficDriver {
  order(order: TrafficOrder): void;
}

/** A message to an agent, or an order to the traffic service, sent after commit. */
export type Outbound =
  | { instanceId: string; command: CommandBody }
  | { instanceId: string; cancel: CoordBodies['coord.cancel'] }
  | { traffic: TrafficOrder };

/** Which agents are connected now (the hub). */
export interface Presence {
  isConnected(instanceId: string): boolean;
}

/** How a deployment ended. */
export type EndStatus = 'Succeeded' | 'Failed' | 'Stopped';

/** One unit of work's context. */
export interface Engine {
  tx: UnitOfWork;
  log: Logger;
  presence: Presence;
  /** The unit of work's wall time. */
  now: Date;
  out: Outbound[];
  /**
   * Called once a deployment ended (rollback, queue): set by the scheduler to avoid an import
   * cycle. `cause`: the rollback event when it is not the status's own (DEPLOYMENT_STOP_ON_ALARM).
   */
  onEnded: (e: Engine, d: DeploymentRow, status: EndStatus, cause?: AutoRollbackEvent) => Promise<void>;
  /** True when this coordinator drives the deployment (always, alone on its store: ownership.ts). */
  drives: (deploymentId: string) => Promise<boolean>;
  /** Asks the deployment's driver to look at it again once this unit of work commits. */
  wake: (deploymentId: string) => Promise<void>;
  /** The deployments whose deadlines and bakes this coordinator keeps; undefined: all (alone on its store). */
  among: readonly string[] | undefined;
}

/** The creator of every rollback deployment (rollback.ts). */
export const ROLLBACK_CREATOR = 'rollback';

/**
 * Margin added to a group's event timeout before a silent host is failed: the agent enforces
 * the hook timeout itself and needs a moment to report it.
 */
export const EVENT_GRACE_MS = 60_000;

/** `now` as stored. */
export function iso(e: Engine): string {
  return e.now.toISOString();
}

/** `now` plus `seconds` (and `extraMs`), as stored. */
export function inSeconds(e: Engine, seconds: number, extraMs = 0): string {
  return new Date(e.now.getTime() + seconds * 1000 + extraMs).toISOString();
}

/** When a running host is failed if it reports nothing more, given its group's event timeout. */
export function deadlineAfter(e: Engine, eventTimeoutSeconds: number): string {
  return inSeconds(e, eventTimeoutSeconds, EVENT_GRACE_MS);
}

/** Starts the deployment (InProgress), checked against the transition table. */
export async function markStarted(e: Engine, d: DeploymentRow): Promise<void> {
  assertTransition(d.deploymentId, d.status, 'InProgress');
  if (!(await e.tx.deployments.markStarted(d.deploymentId, d.status, iso(e)))) throw changedUnderneath(d);
}

/** Ends the deployment with `status` (and its error), checked against the transition table. */
async function complete(e: Engine, d: DeploymentRow, status: EndStatus, error?: { code: DeploymentErrorCode; message: string }): Promise<void> {
  assertTransition(d.deploymentId, d.status, status);
  if (!(await e.tx.deployments.markCompleted(d.deploymentId, d.status, status, iso(e), error))) throw changedUnderneath(d);
}

function changedUnderneath(d: DeploymentRow): DeckhandError {
  return new DeckhandError('INTERNAL', `deployment ${d.deploymentId} is no longer ${d.status}`);
}

/** Ends the deployment with an error and runs what follows an end. */
export async function fail(e: Engine, d: DeploymentRow, code: DeploymentErrorCode, message: string): Promise<void> {
  await complete(e, d, 'Failed', { code, message });
  e.log.warn('deployment failed', { deploymentId: d.deploymentId, errorCode: code });
  await e.onEnded(e, d, 'Failed');
}

/** Ends the deployment Succeeded, records it as its group's last success, and runs what follows. */
export async function succeed(e: Engine, d: DeploymentRow): Promise<void> {
  await complete(e, d, 'Succeeded');
  await e.tx.groups.setLastSuccessfulDeployment(d.deploymentGroupId, d.deploymentId);
  e.log.info('deployment succeeded', { deploymentId: d.deploymentId });
  await e.onEnded(e, d, 'Succeeded');
}

const MANUAL_STOP = { code: 'MANUAL_STOP', message: 'The deployment was stopped by request.' } as const;

/** Ends the deployment Stopped (by request: MANUAL_STOP; or with `error`); the caller runs what follows. */
export async function markStopped(e: Engine, d: DeploymentRow, error: { code: DeploymentErrorCode; message: string } = MANUAL_STOP): Promise<void> {
  await complete(e, d, 'Stopped', error);
}

/** Ends the deployment Failed without running what follows (the caller does, with its cause). */
export async function markFailed(e: Engine, d: DeploymentRow, error: { code: DeploymentErrorCode; message: string }): Promise<void> {
  await complete(e, d, 'Failed', error);
}
