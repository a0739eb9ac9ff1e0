/**
 * Agent events, as the hub hands them over in bursts: recorded by the store (exactly once: the
 * hub moves each host's cursor in the same unit of work), then what follows the outcomes among
 * them decided once per deployment by its driver (the coordinator holding its lease), or the
 * driver woken when it is another coordinator.
 */
import type { AgentEventItem } from '../store/deployments/targets.ts';
import { deadlineAfter, type Engine } from './engine.ts';
import { advance } from './rollout.ts';

/** Records the burst; returns how many deployments had a host finish in it. */
export async function applyEvents(e: Engine, items: readonly AgentEventItem[]): Promise<number> {
  const results = await e.tx.targets.recordAgentEvents(items, (seconds) => deadlineAfter(e, seconds));
  const ended = new Set<string>();
  results.forEach((result, i) => {
    const { instanceId, event } = items[i]!;
    if (result.kind === 'ignored') {
      e.log.info('agent event ignored', { instanceId, deploymentId: event.deploymentId, seq: event.seq, reason: result.reason });
    } else if (result.kind === 'outcome') {
      e.log.debug('host finished', { instanceId, deploymentId: result.deploymentId, status: result.status });
      ended.add(result.deploymentId);
    }
  });
  // Intake happens wherever the agent is connected; the deployment's driver decides what follows.
  for (const deploymentId of ended) {
    if (await e.drives(deploymentId)) await advance(e, deploymentId);
    else await e.wake(deploymentId);
  }
  return ended.size;
}

/** Records a burst of command acknowledgements; an unknown one is logged and changes nothing. */
export async function acknowledgeCommands(e: Engine, acks: readonly { instanceId: string; commandId: string }[]): Promise<void> {
  const known = await e.tx.targets.acknowledgeCommands(acks);
  known.forEach((ok, i) => {
    if (!ok) e.log.info('ack for unknown command', acks[i]);
  });
}
