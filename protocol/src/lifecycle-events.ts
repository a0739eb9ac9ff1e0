/**
 * The lifecycle vocabulary of an in-place deployment, as CodeDeploy defines it for EC2 and
 * on-premises hosts. Names are CodeDeploy's so that existing appspec files work unchanged.
 */

/** Every lifecycle event an in-place deployment without a load balancer runs, in order. */
export const IN_PLACE_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
] as const;

/** The traffic events CodeDeploy adds around the in-place list when a load balancer is used. */
export const TRAFFIC_EVENTS = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;

export type LifecycleEventName =
  | (typeof IN_PLACE_EVENTS)[number]
  | (typeof TRAFFIC_EVENTS)[number]
  | 'AfterFailure';

/** Events the agent performs itself; an appspec may not attach scripts to them. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  'DownloadBundle',
  'Install',
  'BlockTraffic',
  'AllowTraffic',
]);

/**
 * Events whose scripts come from the last successful revision on the host rather than the one
 * being deployed (CodeDeploy's LAST_SUCCESSFUL mapping); on a host's first deployment they are
 * skipped.
 */
export const LAST_SUCCESSFUL_EVENTS: ReadonlySet<string> = new Set([
  'ApplicationStop',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
]);

/** True when `name` is an event the agent runs itself (no scripts). */
export function isReservedEvent(name: string): boolean {
  return RESERVED_EVENTS.has(name);
}
