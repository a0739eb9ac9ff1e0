/**
 * Agent presence and deadlines. A host taken while its agent is offline waits
 * (WaitingForAgent) until the agent connects or the group's agent deadline passes, then fails
 * with AGENT_OFFLINE and the agent's last-seen time. A running host that stops reporting fails
 * once its event deadline (the group's event timeout plus a grace, pushed out by each lifecycle
 * event it reports: intake.ts writes both at once) passes: AGENT_OFFLINE when its agent is
 * gone, TIMEOUT when it is connected but silent. Deadlines live in the store, so the timer can
 * be recomputed from it at any time (after a restart too).
 */
import { getInstance } from '../store/instances.ts';
import { advance, eventDeadline, iso, sendTo, type Engine } from './engine.ts';
import * as rows from './target-rows.ts';

/**
 * The agent of `instanceId` connected. Hosts waiting for it are dispatched: their commands are
 * not queued in `e.out` because the hub re-sends every unacknowledged command on hello, right
 * after this. Hosts still running a stopped deployment get the cancel they may have missed.
 */
export function agentConnected(e: Engine, instanceId: string): void {
  for (const t of rows.liveTargetsOf(e.db, instanceId)) {
    if (t.status === 'WaitingForAgent' && t.deploymentStatus === 'InProgress') {
      sendTo(e, t.deploymentId, instanceId, eventDeadline(e, t.deploymentId));
      e.log.info('agent connected; waiting host dispatched', { deploymentId: t.deploymentId, instanceId });
    } else if (t.status === 'InProgress' && t.deploymentStatus === 'Stopped' && t.commandId !== null) {
      e.out.push({ instanceId, cancel: { commandId: t.commandId, deploymentId: t.deploymentId } });
    }
  }
}

function lastSeenText(e: Engine, instanceId: string): string {
  const seen = getInstance(e.db, instanceId)?.lastSeen;
  return seen === undefined ? 'never seen' : `last seen ${seen}`;
}

/**
 * How long after a coordinator start its agents get to reconnect and deliver what they did while
 * it was down: twice the agents' longest reconnect backoff (30 s, agent transport/backoff.ts).
 */
export const RECONNECT_GRACE_MS = 60_000;

/**
 * At coordinator start: a host deadline that passed while the coordinator was down (or passes
 * within the reconnect grace) moves to the end of the grace. Without this, every host running
 * through a long outage would be failed AGENT_OFFLINE at boot, before its agent could reconnect,
 * and the outcome it has journaled would then be ignored as arriving for a final target.
 * Returns how many deadlines moved.
 */
export function graceAfterRestart(e: Engine): number {
  return rows.deferDeadlinesUntil(e.db, new Date(e.now.getTime() + RECONNECT_GRACE_MS).toISOString());
}

/** Fails every host whose deadline has passed and advances their deployments. */
export function expireDeadlines(e: Engine): number {
  const expired = rows.expiredTargets(e.db, iso(e));
  for (const t of expired) {
    const seen = lastSeenText(e, t.instanceId);
    if (t.status === 'WaitingForAgent') {
      rows.failTarget(e.db, t, 'AGENT_OFFLINE', `The agent did not connect before the group's agent deadline (${seen}).`, iso(e));
    } else if (!e.presence.isConnected(t.instanceId)) {
      rows.failTarget(e.db, t, 'AGENT_OFFLINE', `The agent stopped reporting during the deployment and is offline (${seen}).`, iso(e));
    } else {
      rows.failTarget(e.db, t, 'TIMEOUT', `The agent is connected but reported nothing within the lifecycle event deadline (${seen}).`, iso(e));
    }
    e.log.warn('host deadline passed', { deploymentId: t.deploymentId, instanceId: t.instanceId, status: t.status });
  }
  for (const deploymentId of new Set(expired.map((t) => t.deploymentId))) advance(e, deploymentId);
  return expired.length;
}
