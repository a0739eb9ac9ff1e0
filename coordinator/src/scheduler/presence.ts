/**
 * Agent presence and deadlines. A host taken while its agent is offline waits
 * (WaitingForAgent) until the agent connects or the group's agent deadline passes, then fails
 * with AGENT_OFFLINE and the agent's last-seen time. A running host that stops reporting fails
 * once its event deadline (the group's event timeout plus a grace, pushed out by each lifecycle
 * event it reports: the store's intake writes both at once) passes: AGENT_OFFLINE when its
 * agent is gone, TIMEOUT when it is connected but silent. Deadlines live in the store, so the
 * timer can be recomputed from it at any time (after a restart too).
 */
import type { ErrorCode } from '../../../protocol/src/index.ts';
import { iso, type Engine } from './engine.ts';
import { advance, dispatchWaitingHost } from './rollout.ts';

/**
 * The agent of `instanceId` connected. Hosts waiting for it are dispatched: their commands are
 * not queued in `e.out` because the hub re-sends every unacknowledged command on hello, right
 * after this. Hosts still running a stopped deployment get the cancel they may have missed.
 */
export async function agentConnected(e: Engine, instanceId: string): Promise<void> {
  for (const t of await e.tx.targets.liveOf(instanceId)) {
    if (t.status === 'WaitingForAgent' && t.deploymentStatus === 'InProgress') {
      // Another coordinator drives this deployment: it dispatches the host once woken.
      if (!(await e.drives(t.deploymentId))) {
        await e.wake(t.deploymentId);
        continue;
      }
      await dispatchWaitingHost(e, t.deploymentId, instanceId);
      e.log.info('agent connected; waiting host dispatched', { deploymentId: t.deploymentId, instanceId });
    } else if (t.status === 'InProgress' && t.deploymentStatus === 'Stopped' && t.commandId !== null) {
      e.out.push({ instanceId, cancel: { commandId: t.commandId, deploymentId: t.deploymentId } });
    }
  }
}

async function lastSeenText(e: Engine, instanceId: string): Promise<string> {
  const seen = (await e.tx.instances.get(instanceId))?.lastSeen;
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
export function graceAfterRestart(e: Engine): Promise<number> {
  return e.tx.targets.deferDeadlinesUntil(new Date(e.now.getTime() + RECONNECT_GRACE_MS).toISOString(), e.among);
}

/** Why a host whose deadline passed is failed. */
function expiry(e: Engine, t: { instanceId: string; status: 'InProgress' | 'WaitingForAgent' }, seen: string): { code: 'AGENT_OFFLINE' | 'TIMEOUT'; message: string } {
  if (t.status === 'WaitingForAgent') return { code: 'AGENT_OFFLINE', message: `The agent did not connect before the group's agent deadline (${seen}).` };
  if (!e.presence.isConnected(t.instanceId)) return { code: 'AGENT_OFFLINE', message: `The agent stopped reporting during the deployment and is offline (${seen}).` };
  return { code: 'TIMEOUT', message: `The agent is connected but reported nothing within the lifecycle event deadline (${seen}).` };
}

/** Fails every host whose deadline has passed and advances their deployments. */
export async function expireDeadlines(e: Engine): Promise<number> {
  const expired = await e.tx.targets.expired(iso(e), e.among);
  for (const t of expired) {
    const { code, message } = expiry(e, t, await lastSeenText(e, t.instanceId));
    await e.tx.targets.fail(t, code, message, iso(e));
    e.log.warn('host deadline passed', { deploymentId: t.deploymentId, instanceId: t.instanceId, status: t.status });
  }
  for (const deploymentId of new Set(expired.map((t) => t.deploymentId))) await advance(e, deploymentId);
  return expired.length;
}

/**
 * The host refused command `commandId` (its signature did not verify there): the host fails
 * with the agent's code and its deployment moves on. A command that is not one of the host's
 * unacknowledged ones (forged, or long finished) changes nothing.
 */
export async function refuseCommand(e: Engine, instanceId: string, commandId: string, code: ErrorCode, message: string): Promise<boolean> {
  // Refused before its ack (a bad signature, no room to journal it), or given up while it ran
  // (the journal could not be written for a full disk).
  const command =
    (await e.tx.targets.unackedOf(instanceId)).find((c) => c.commandId === commandId) ??
    (await e.tx.targets.liveOf(instanceId)).find((t) => t.commandId === commandId && t.status === 'InProgress');
  if (command === undefined) return false;
  const said = code === 'DISK_FULL' ? `The host cannot carry out the command: ${message}` : `The agent refused the command: ${message}`;
  await e.tx.targets.fail({ deploymentId: command.deploymentId, instanceId }, code, said, iso(e));
  e.log.error(code === 'DISK_FULL' ? 'host cannot carry out its command: disk full' : 'host refused its command', { deploymentId: command.deploymentId, instanceId, errorCode: code });
  await advance(e, command.deploymentId);
  return true;
}
