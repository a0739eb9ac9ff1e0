/**
 * What a coordinator does for deployments it comes to drive while they run: after its own
 * restart (alone on its store), or on taking over from a coordinator that died or was cut off
 * (several on one store). Everything it needs is stored: the rollout, the hosts' deadlines, the
 * bake's end, the commands sent and not acknowledged.
 */
import type { Repositories } from '../store/store.ts';
import { buildCommand } from './commands.ts';
import type { Engine, Outbound } from './engine.ts';
import { graceAfterRestart } from './presence.ts';
import { advance, dispatchWaitingHost, startDeployment } from './rollout.ts';

/**
 * Takes up `deploymentIds` (every running one when undefined): starts one still Created,
 * advances the others, and gives agents the reconnect grace before a deadline fires.
 */
export async function takeUp(e: Engine, deploymentIds: readonly string[] | undefined): Promise<void> {
  if (deploymentIds === undefined) {
    for (const d of await e.tx.deployments.listByStatus('InProgress')) await advance(e, d.deploymentId);
  } else {
    for (const id of deploymentIds) {
      const d = await e.tx.deployments.get(id);
      if (d?.status === 'Created') await startDeployment(e, id);
      else if (d?.status === 'InProgress') await advance(e, id);
    }
  }
  await graceAfterRestart(e);
}

/**
 * Commands sent and never acknowledged (of `among`, when given): they go out again with their
 * own ids (the agent runs a command once, whatever it receives), except those in `fresh`.
 */
export async function unackedToResend(tx: Repositories, among: readonly string[] | undefined, fresh: ReadonlySet<string>): Promise<Outbound[]> {
  const out: Outbound[] = [];
  for (const t of await tx.targets.unacked(among)) {
    if (fresh.has(t.commandId)) continue;
    const command = await buildCommand(tx, t.deploymentId, t.commandId, t.instanceId);
    if (command) out.push({ instanceId: t.instanceId, command });
  }
  return out;
}

/**
 * A deployment this coordinator drives needs a look (it was woken, or its timer came): hosts
 * that waited for an agent now connected (to any coordinator) are dispatched, then the rollout
 * advances.
 */
export async function reconcile(e: Engine, deploymentId: string): Promise<void> {
  if (!(await e.drives(deploymentId))) return;
  for (const t of await e.tx.targets.waitingOf(deploymentId)) {
    if (!e.presence.isConnected(t.instanceId)) continue;
    const commandId = await dispatchWaitingHost(e, deploymentId, t.instanceId);
    if (commandId === undefined) continue;
    const command = await buildCommand(e.tx, deploymentId, commandId, t.instanceId);
    if (command) e.out.push({ instanceId: t.instanceId, command });
  }
  await advance(e, deploymentId);
}
