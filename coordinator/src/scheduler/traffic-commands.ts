/**
 * What a deploy command adds for traffic control: the events the host runs (CodeDeploy's 13
 * steps in place, a blue/green fleet's share of them) and who performs BlockTraffic and
 * AllowTraffic. Read from the group's traffic settings when the command is built, so a re-send
 * carries what the first send did.
 */
import {
  BLUE_EVENT_ORDER,
  effectiveStyle,
  GREEN_EVENT_ORDER,
  RETIRE_EVENT,
  TRAFFIC_EVENT_ORDER,
  type DeploySpec,
  type InstanceLabel,
  type TrafficControl,
  type TrafficSpec,
} from '../../../protocol/src/index.ts';
import type { Repositories } from '../store/store.ts';

/** The fields a command's DeploySpec gets for traffic control. */
export type TrafficFields = Pick<DeploySpec, 'trafficHooks' | 'traffic' | 'events'>;

/** Who performs the traffic events, as the agent is told. */
export function trafficSpecOf(control: TrafficControl): TrafficSpec {
  if (control.provider !== 'command') return { runBy: 'coordinator' };
  const spec: TrafficSpec = {
    runBy: 'agent',
    block: control.block,
    allow: control.allow,
    timeoutSeconds: control.timeoutSeconds,
    healthyPasses: control.healthyPasses,
    healthIntervalSeconds: control.healthIntervalSeconds,
    allowTimeoutSeconds: control.allowTimeoutSeconds,
  };
  if (control.check !== undefined) spec.check = control.check;
  if (control.runas !== undefined) spec.runas = control.runas;
  return spec;
}

/**
 * The traffic fields of a deployment's commands by the host's fleet label (undefined: in place);
 * empty for a group without traffic control.
 */
export async function trafficFieldsOf(tx: Repositories, deploymentId: string, deploymentGroupId: string): Promise<(label: InstanceLabel | undefined) => TrafficFields> {
  const group = await tx.traffic.groupTraffic(deploymentGroupId);
  const control = group.trafficControl;
  const style = effectiveStyle(group.deploymentStyle, control);
  if (!control || !style.withTraffic) return () => ({});
  const traffic = trafficSpecOf(control);
  const blueGreen = style.type === 'BLUE_GREEN' ? await tx.traffic.blueGreenOf(deploymentId) : undefined;
  return (label) => {
    if (blueGreen && label === 'Green') return { trafficHooks: true, traffic, events: [...GREEN_EVENT_ORDER] };
    if (blueGreen && label === 'Blue') return { trafficHooks: true, traffic, events: [...BLUE_EVENT_ORDER, ...(blueGreen.retire ? [RETIRE_EVENT] : [])] };
    return { trafficHooks: true, traffic, events: [...TRAFFIC_EVENT_ORDER] };
  };
}
