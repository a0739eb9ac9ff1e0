/**
 * Checks a group's traffic settings before anything is stored or started: they fit together
 * (a blue/green group needs a provider the coordinator drives and its configuration), every
 * current host of the group maps to a server, the balancer answers and knows them, and the
 * hosts of a blue/green group carry the fleet tag. A problem is a {@link TrafficCheckProblem}
 * naming the field and what is wrong; nothing is changed.
 */
import { styleProblem, type BlueGreenDeploymentConfiguration, type DeploymentStyle, type TrafficControl } from '../../../protocol/src/index.ts';
import type { TrafficHost, TrafficProvider } from './provider.ts';

/** The settings checked together. */
export interface TrafficSettings {
  trafficControl?: TrafficControl | undefined;
  deploymentStyle?: DeploymentStyle | undefined;
  blueGreen?: BlueGreenDeploymentConfiguration | undefined;
}

/** What is wrong, and with which field of the request. */
export interface TrafficCheckProblem {
  field: string;
  message: string;
}

/** How long the balancer may take to answer a check. */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * The first problem of `settings` for a group whose hosts are `hosts` now, or undefined.
 * `provider` builds the coordinator's adapter (undefined for `command`).
 */
export async function checkTrafficSettings(
  settings: TrafficSettings,
  hosts: readonly TrafficHost[],
  provider: (control: TrafficControl) => TrafficProvider | undefined,
): Promise<TrafficCheckProblem | undefined> {
  const style = styleProblem(settings.deploymentStyle, settings.trafficControl, settings.blueGreen);
  if (style) return { field: style.field, message: style.message };
  const fleetTag = settings.deploymentStyle?.deploymentType === 'BLUE_GREEN' ? settings.blueGreen?.greenFleetProvisioningOption.fleetTag : undefined;
  const untagged = fleetTag === undefined ? undefined : hosts.find((h) => (h.tags[fleetTag] ?? '') === '');
  if (untagged && fleetTag !== undefined) {
    return {
      field: 'blueGreenDeploymentConfiguration.greenFleetProvisioningOption.fleetTag',
      message: `blueGreenDeploymentConfiguration.greenFleetProvisioningOption.fleetTag: host ${untagged.hostname} has no tag ${fleetTag}, which puts each host in one of the two fleets`,
    };
  }
  const control = settings.trafficControl;
  const adapter = control && provider(control);
  if (!control || !adapter) return undefined;
  try {
    await adapter.verify(hosts, AbortSignal.timeout(CHECK_TIMEOUT_MS));
  } catch (err) {
    return { field: 'trafficControl', message: `trafficControl: ${err instanceof Error ? err.message : String(err)}` };
  }
  return undefined;
}
