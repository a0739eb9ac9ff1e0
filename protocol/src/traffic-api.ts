/**
 * HTTP API shapes of traffic control: a group's traffic settings as set and shown, where each of
 * its hosts stands on the balancer, and the traffic fields of deployment views.
 */
import { z } from 'zod';
import { Id } from './schemas.ts';
import { BlueGreenDeploymentConfiguration, DeploymentStyle, TrafficControl } from './traffic.ts';
import { BalancerStateSchema, InstanceLabel } from './traffic-wire.ts';

/** The traffic settings a group may be created with. */
export const GroupTrafficFields = {
  /** The load balancer BlockTraffic and AllowTraffic drive (traffic.ts). */
  trafficControl: TrafficControl.optional(),
  /** CodeDeploy's deploymentStyle. @default IN_PLACE, with traffic control when trafficControl is given */
  deploymentStyle: DeploymentStyle.optional(),
  /** Required with deploymentType BLUE_GREEN. */
  blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration.optional(),
};

/**
 * Changes a group's traffic settings (PUT .../traffic): a field left out stays as it is, `null`
 * removes it. Refused while the group has an active deployment.
 */
export const SetGroupTrafficRequest = z
  .strictObject({
    trafficControl: TrafficControl.nullable().optional(),
    deploymentStyle: DeploymentStyle.nullable().optional(),
    blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration.nullable().optional(),
  })
  .refine((r) => Object.keys(r).length > 0, { message: 'give trafficControl, deploymentStyle or blueGreenDeploymentConfiguration (null removes one)' });
export type SetGroupTrafficRequest = z.input<typeof SetGroupTrafficRequest>;

/** A group's traffic settings as shown: an http provider's token only as `tokenSet`. */
export const GroupTrafficSettingsView = z.strictObject({
  trafficControl: z.record(z.string(), z.unknown()).optional(),
  deploymentStyle: DeploymentStyle.optional(),
  blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration.optional(),
  /** Blue/green: the fleet (tag value) serving now. */
  liveFleet: z.string().optional(),
});
export type GroupTrafficSettingsView = z.infer<typeof GroupTrafficSettingsView>;

/** Where one host stands on its group's balancer. */
export const HostTrafficView = z.strictObject({
  instanceId: Id,
  hostname: z.string(),
  /** What Deckhand last did to it (serving, out, ...), unknown when it never did anything. */
  state: BalancerStateSchema,
  detail: z.string().optional(),
  updatedAt: z.string().optional(),
  deploymentId: z.optional(Id),
  /** What the balancer says now, when the adapter can tell (HAProxy, nginx beside the coordinator). */
  live: z.strictObject({ state: BalancerStateSchema, detail: z.string() }).optional(),
  /** Blue/green: the host's fleet (tag value). */
  fleet: z.string().optional(),
});
export type HostTrafficView = z.infer<typeof HostTrafficView>;

/** GET .../traffic: a group's balancer and its hosts on it. */
export const GroupTrafficView = z.strictObject({
  deploymentGroupName: z.string(),
  provider: z.string().optional(),
  deploymentType: z.enum(['IN_PLACE', 'BLUE_GREEN']),
  liveFleet: z.string().optional(),
  hosts: z.array(HostTrafficView),
  /** Why the balancer's own view could not be read (the stored states are shown). */
  problem: z.string().optional(),
});
export type GroupTrafficView = z.infer<typeof GroupTrafficView>;

/** A deployment target's traffic fields. */
export const TargetTrafficFields = {
  /** Blue or Green in a blue/green deployment (CodeDeploy's instanceType). */
  instanceLabel: z.optional(InstanceLabel),
  /** Where the host was last left on the balancer. */
  balancer: z.strictObject({ state: BalancerStateSchema, detail: z.string().optional() }).optional(),
};

/** Where a blue/green deployment stands, on its view. */
export const BlueGreenView = z.strictObject({
  phase: z.enum(['prepare', 'install', 'switch', 'wait', 'blue', 'rollback']),
  blueFleet: z.string(),
  greenFleet: z.string(),
  /** The traffic step, from 1, and how many there are. */
  step: z.number().int(),
  steps: z.number().int(),
  trafficMoved: z.boolean(),
  /** The current step's interval or the termination wait ends then. */
  until: z.string().optional(),
});
export type BlueGreenView = z.infer<typeof BlueGreenView>;
