/**
 * A blue/green group's two fleets: its hosts split by the value of the fleet tag
 * (`greenFleetProvisioningOption: {action: DISCOVER_BY_TAGS, fleetTag}`). The fleet serving now
 * (the group's live fleet) is blue; the other is green. Before a group's first blue/green
 * deployment nothing is recorded: the value that sorts first is taken as blue.
 */
import type { DeploymentErrorCode } from '../../../../protocol/src/index.ts';

/** The two fleets, hosts in the order given. */
export interface Fleets<H> {
  blueFleet: string;
  greenFleet: string;
  blue: H[];
  green: H[];
}

/** Why the hosts do not form two fleets. */
export interface FleetProblem {
  code: DeploymentErrorCode;
  message: string;
}

/** Splits `hosts` by `fleetTag`; a problem when a host lacks the tag or the values are not two. */
export function splitFleets<H extends { hostname: string }>(
  hosts: readonly H[],
  fleetTag: string,
  liveFleet: string | undefined,
  tagOf: (host: H, key: string) => string | undefined,
): Fleets<H> | FleetProblem {
  const untagged = hosts.find((h) => (tagOf(h, fleetTag) ?? '') === '');
  if (untagged) {
    return { code: 'NO_INSTANCES', message: `host ${untagged.hostname} has no tag ${fleetTag}: every host of a blue/green group belongs to one of two fleets by that tag` };
  }
  const values = [...new Set(hosts.map((h) => tagOf(h, fleetTag) as string))].sort();
  if (values.length !== 2) {
    const seen = values.length === 0 ? 'no host' : values.map((v) => `${fleetTag}=${v}`).join(', ');
    return { code: 'NO_INSTANCES', message: `a blue/green deployment needs the group's hosts in exactly two fleets by tag ${fleetTag}; found ${seen}` };
  }
  const blueFleet = liveFleet !== undefined && values.includes(liveFleet) ? liveFleet : (values[0] as string);
  const greenFleet = values.find((v) => v !== blueFleet) as string;
  return {
    blueFleet,
    greenFleet,
    blue: hosts.filter((h) => tagOf(h, fleetTag) === blueFleet),
    green: hosts.filter((h) => tagOf(h, fleetTag) === greenFleet),
  };
}
