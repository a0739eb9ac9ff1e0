/**
 * The scheduler's transitions, as functions over one {@link Engine}: a transaction's view of the
 * store plus what to send once it commits. Nothing here sends: commands and cancels are
 * collected in `out` and go out only after the transaction that decided them has committed.
 */
import type { Db } from '../store/db.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { newId } from '../../../common/src/ids.ts';
import type { CommandBody, CoordBodies, DeploymentErrorCode } from '../../../protocol/src/index.ts';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { getDeploymentGroup } from '../store/groups.ts';
import { prepared } from '../store/statements.ts';
import { buildCommand, commandBuilder } from './commands.ts';
import { configFor } from './configs.ts';
import { decideRollout, type RolloutDecision } from './policy/decide-rollout.ts';
import { assertTransition } from './policy/deployment-status.ts';
import { checkStartable, minimumHealthyCount } from './policy/minimum-healthy.ts';
import { planSteps } from './policy/rollout-steps.ts';
import * as repo from './repo.ts';
import { enterStep, readRollout, readRolloutSnapshot, storeSteps } from './rollout.ts';
import * as rows from './target-rows.ts';
import { selectTargets } from './targets.ts';

/** A message to an agent, sent after commit. */
export type Outbound =
  | { instanceId: string; command: CommandBody }
  | { instanceId: string; cancel: CoordBodies['coord.cancel'] };

/** Which agents are connected now (the hub). */
export interface Presence {
  isConnected(instanceId: string): boolean;
}

/** One transaction's context. */
export interface Engine {
  db: Db;
  log: Logger;
  presence: Presence;
  /** The transaction's wall time. */
  now: Date;
  out: Outbound[];
  /** Called once a deployment ended (rollback, queue): set by the scheduler to avoid an import cycle. */
  onEnded: (e: Engine, d: repo.DeploymentRow, status: 'Succeeded' | 'Failed' | 'Stopped') => void;
}

/**
 * Margin added to a group's event timeout before a silent host is failed: the agent enforces
 * the hook timeout itself and needs a moment to report it.
 */
export const EVENT_GRACE_MS = 60_000;

/** `now` as stored. */
export function iso(e: Engine): string {
  return e.now.toISOString();
}

function inSeconds(e: Engine, seconds: number, extraMs = 0): string {
  return new Date(e.now.getTime() + seconds * 1000 + extraMs).toISOString();
}

/** When a running host is failed if it reports nothing more, given its group's event timeout. */
export function deadlineAfter(e: Engine, eventTimeoutSeconds: number): string {
  return inSeconds(e, eventTimeoutSeconds, EVENT_GRACE_MS);
}

/** When a running host of this deployment is failed if it reports nothing more. */
export function eventDeadline(e: Engine, deploymentId: string): string {
  // Runs for every dispatched host: one column of the group, in one statement. (A lifecycle
  // event reads the timeout with its target instead, intake.ts.)
  const r = prepared(
    e.db,
    `SELECT g.event_timeout_seconds FROM deployments d
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id WHERE d.deployment_id = ?`,
  ).get(deploymentId) as { event_timeout_seconds: number } | undefined;
  return deadlineAfter(e, r?.event_timeout_seconds ?? 3600);
}

/** Ends the deployment with `status` (and its error), checked against the transition table. */
function complete(e: Engine, d: repo.DeploymentRow, status: 'Succeeded' | 'Failed' | 'Stopped', error?: { code: DeploymentErrorCode; message: string }): void {
  const from = d.status;
  assertTransition(d.deploymentId, from, status);
  if (!repo.markCompleted(e.db, d.deploymentId, from, status, iso(e), error)) {
    throw new DeckhandError('INTERNAL', `deployment ${d.deploymentId} is no longer ${from}`);
  }
}

/** Ends the deployment with an error and runs what follows an end. */
export function fail(e: Engine, d: repo.DeploymentRow, code: DeploymentErrorCode, message: string): void {
  complete(e, d, 'Failed', { code, message });
  e.log.warn('deployment failed', { deploymentId: d.deploymentId, errorCode: code });
  e.onEnded(e, d, 'Failed');
}

/** Ends the deployment Stopped by request (MANUAL_STOP); the caller runs what follows. */
export function markStopped(e: Engine, d: repo.DeploymentRow): void {
  complete(e, d, 'Stopped', { code: 'MANUAL_STOP', message: 'The deployment was stopped by request.' });
}

/** Resolves the hosts of a Created or dequeued deployment and starts it (or fails it at once). */
export function startDeployment(e: Engine, deploymentId: string): void {
  const d = repo.getDeployment(e.db, deploymentId);
  if (!d) return;
  const query = { deploymentGroupId: d.deploymentGroupId, revisionId: d.revisionId, updateOutdatedOnly: d.updateOutdatedOnly };
  const selected = selectTargets(e.db, d.targetInstances ? { ...query, instanceIds: d.targetInstances } : query, (id) => e.presence.isConnected(id));
  const hosts = selected.hosts;
  const config = configFor(e.db, d.deploymentConfigName);
  const requireApproval = readRollout(e.db, deploymentId, iso(e))?.requireApproval ?? config?.rollout.requireApproval ?? false;
  const steps = config && planSteps(config, hosts, requireApproval, selected.tagOf);
  rows.insertTargets(e.db, deploymentId, (steps?.hosts ?? hosts).map((h) => h.instanceId));
  if (!config || !steps) return fail(e, d, 'INTERNAL_ERROR', `unknown deployment configuration "${d.deploymentConfigName}"`);
  storeSteps(e.db, deploymentId, steps);
  const problem = checkStartable(hosts.length, minimumHealthyCount(config.rule, hosts.length)) ?? steps.problem;
  if (problem) return fail(e, d, problem.code, problem.message);
  assertTransition(deploymentId, d.status, 'InProgress');
  repo.markStarted(e.db, deploymentId, iso(e));
  advance(e, deploymentId);
}

/**
 * Reads where the running deployment stands, lets the rollout policy decide, and applies the
 * decision: start hosts, wait, stop, or finish.
 */
export function advance(e: Engine, deploymentId: string): void {
  const d = repo.getDeployment(e.db, deploymentId);
  if (!d || d.status !== 'InProgress') return;
  const config = configFor(e.db, d.deploymentConfigName);
  if (!config) return fail(e, d, 'INTERNAL_ERROR', `unknown deployment configuration "${d.deploymentConfigName}"`);
  const snapshot = readRolloutSnapshot(e.db, deploymentId);
  if (!snapshot) return;
  apply(e, d, decideRollout(snapshot, config, e.now));
}

/** Carries out one rollout decision. */
function apply(e: Engine, d: repo.DeploymentRow, decision: RolloutDecision): void {
  if (decision.enter) enterStep(e.db, d.deploymentId, decision.enter);
  switch (decision.action) {
    case 'start':
      return dispatch(e, d, decision.count);
    case 'wait':
      return;
    case 'stop':
      rows.skipPendingTargets(e.db, d.deploymentId, iso(e));
      return fail(e, d, decision.code, decision.message);
    case 'finish':
      if (decision.status === 'Failed') return fail(e, d, decision.code, decision.message);
      complete(e, d, 'Succeeded');
      repo.markGroupSuccess(e.db, d.deploymentGroupId, d.deploymentId);
      e.log.info('deployment succeeded', { deploymentId: d.deploymentId });
      return e.onEnded(e, d, 'Succeeded');
  }
}

/** Takes the next `count` hosts: a command to each connected one, WaitingForAgent for the rest. */
function dispatch(e: Engine, d: repo.DeploymentRow, count: number): void {
  const group = getDeploymentGroup(e.db, d.deploymentGroupId);
  const batch = rows.nextBatch(e.db, d.deploymentId);
  // The same for every host of the step (one transaction, one `now`): read once, not per host.
  const deadline = eventDeadline(e, d.deploymentId);
  const commandWith = commandBuilder(e.db, d.deploymentId);
  const waitUntil = inSeconds(e, group?.agentWaitSeconds ?? 300);
  for (const instanceId of rows.nextPendingTargets(e.db, d.deploymentId, count)) {
    rows.setBatch(e.db, d.deploymentId, instanceId, batch);
    if (e.presence.isConnected(instanceId)) {
      // sendTo() with what is the same for every host read once.
      const commandId = newId('c');
      rows.markDispatched(e.db, d.deploymentId, instanceId, commandId, iso(e), deadline);
      if (commandWith) e.out.push({ instanceId, command: commandWith(commandId) });
    } else {
      rows.markWaiting(e.db, d.deploymentId, instanceId, iso(e), waitUntil);
      e.log.info('agent offline; host waits for it', { deploymentId: d.deploymentId, instanceId });
    }
  }
}

/** Marks the host dispatched with a fresh command id and returns the command to send. */
export function sendTo(e: Engine, deploymentId: string, instanceId: string, deadline: string): CommandBody | undefined {
  const commandId = newId('c');
  rows.markDispatched(e.db, deploymentId, instanceId, commandId, iso(e), deadline);
  return buildCommand(e.db, deploymentId, commandId);
}

/** Starts the group's oldest queued deployment when nothing runs on the group. */
export function startNextQueued(e: Engine, deploymentGroupId: string): void {
  if (repo.runningDeploymentOfGroup(e.db, deploymentGroupId)) return;
  const next = repo.nextQueuedDeployment(e.db, deploymentGroupId);
  if (next === undefined) return;
  e.log.info('starting queued deployment', { deploymentId: next });
  startDeployment(e, next);
}
