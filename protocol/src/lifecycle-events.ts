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

/**
 * The four traffic events with scripts (BeforeBlockTraffic, AfterBlockTraffic, BeforeAllowTraffic,
 * AfterAllowTraffic). The agent runs them; BlockTraffic and AllowTraffic themselves are done by
 * whoever drives the load balancer.
 */
export const TRAFFIC_HOOK_EVENTS = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'] as const;

/**
 * The events an agent runs for an in-place deployment, in CodeDeploy's order: the in-place events
 * with the traffic hooks around them (codedeploy-local's DEFAULT_ORDERED_LIFECYCLE_EVENTS).
 */
export const AGENT_EVENT_ORDER = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  ...IN_PLACE_EVENTS,
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;

/**
 * CodeDeploy's 13 per-host steps of an in-place deployment behind a load balancer: the traffic
 * hooks around BlockTraffic and AllowTraffic, which whoever drives the balancer performs.
 */
export const TRAFFIC_EVENT_ORDER = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  ...IN_PLACE_EVENTS,
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;

/**
 * A blue/green deployment's replacement (green) hosts: installed in place, then put behind the
 * balancer when traffic moves to them (CodeDeploy's replacement-instance events).
 */
export const GREEN_EVENT_ORDER = [...IN_PLACE_EVENTS, 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] as const;

/**
 * A blue/green deployment's original (blue) hosts, once traffic has moved away from them and
 * the termination wait is over: the block-traffic events, then Retire when the group retires
 * them (a Deckhand event whose scripts come from the host's last successful revision).
 */
export const BLUE_EVENT_ORDER = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'] as const;

/** Deckhand's event run on retired blue hosts (CodeDeploy terminates them instead). */
export const RETIRE_EVENT = 'Retire';

/** Every event a deploy command may list in `events`. */
export const COMMAND_EVENTS: ReadonlySet<string> = new Set([...TRAFFIC_EVENT_ORDER, RETIRE_EVENT]);

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

/** The two events whoever drives the load balancer performs (no scripts). */
export function isTrafficEvent(name: string): name is 'BlockTraffic' | 'AllowTraffic' {
  return name === 'BlockTraffic' || name === 'AllowTraffic';
}

/** True for the four traffic events with scripts ({@link TRAFFIC_HOOK_EVENTS}). */
export function isTrafficHookEvent(name: string): boolean {
  return (TRAFFIC_HOOK_EVENTS as readonly string[]).includes(name);
}

/** True when `name` is an event the agent runs itself (no scripts). */
export function isReservedEvent(name: string): boolean {
  return RESERVED_EVENTS.has(name);
}
