/**
 * What an agent's event means for traffic, beyond its bookkeeping: a blue/green replacement
 * host that reached AllowTraffic is Ready (it waits for traffic to move), and a host that failed
 * after BlockTraffic goes back into the balancer when its group says so (keepFailedHostsOut
 * false; by default it stays out, as with CodeDeploy).
 */
import { effectiveStyle, type AgentEventBody } from '../../../protocol/src/index.ts';
import { answerHeld } from './blue-green.ts';
import { iso, type Engine } from './engine.ts';

/** Handles the traffic side of an applied agent event; true when the deployment should advance. */
export async function afterTrafficEvent(e: Engine, instanceId: string, event: AgentEventBody): Promise<boolean> {
  if (event.lifecycleEvent === 'AllowTraffic' && event.status === 'InProgress') return greenReady(e, instanceId, event.deploymentId);
  if (event.lifecycleEvent === undefined && event.status === 'Failed') await restoreFailedHost(e, instanceId, event.deploymentId);
  return false;
}

async function greenReady(e: Engine, instanceId: string, deploymentId: string): Promise<boolean> {
  const target = await e.tx.traffic.targetOf(deploymentId, instanceId);
  if (target?.label !== 'Green' || (await e.tx.traffic.getOp(deploymentId, instanceId, 'AllowTraffic'))) return false;
  const d = await e.tx.deployments.get(deploymentId);
  if (d?.status !== 'InProgress') {
    // The deployment ended while this host installed: traffic will not come to it.
    await answerHeld(e, deploymentId, [instanceId], 'HEALTH_CONSTRAINTS', `the deployment is ${d?.status ?? 'gone'}`);
    return false;
  }
  return e.tx.targets.markReady(deploymentId, instanceId, iso(e));
}

async function restoreFailedHost(e: Engine, instanceId: string, deploymentId: string): Promise<void> {
  const target = await e.tx.traffic.targetOf(deploymentId, instanceId);
  if (!target || target.label !== undefined) return;
  const group = await e.tx.traffic.groupTraffic(target.deploymentGroupId);
  const control = group.trafficControl;
  if (!control || control.keepFailedHostsOut || control.provider === 'command' || !effectiveStyle(group.deploymentStyle, control).withTraffic) return;
  const blocked = await e.tx.traffic.getOp(deploymentId, instanceId, 'BlockTraffic');
  const allowed = await e.tx.traffic.getOp(deploymentId, instanceId, 'AllowTraffic');
  if (blocked?.status !== 'Succeeded' || allowed?.status === 'Succeeded') return;
  if (await e.tx.traffic.startOp(deploymentId, instanceId, 'RestoreFailed', iso(e))) {
    e.log.info('failed host goes back into the load balancer (keepFailedHostsOut is false)', { deploymentId, instanceId });
    e.out.push({ traffic: { kind: 'run', deploymentId, instanceId, op: 'RestoreFailed' } });
  }
}
