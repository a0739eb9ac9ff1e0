/**
 * A deployment group's traffic settings at the API: checked against the group's hosts and its
 * balancer before anything is stored (a 400 naming the field otherwise), and shown without the
 * http provider's token.
 */
import { redactTrafficControl } from '../../../protocol/src/index.ts';
import { selectForGroup, type GroupSelector } from '../scheduler/tag-filters.ts';
import type { Repositories } from '../store/store.ts';
import type { GroupTraffic } from '../store/traffic.ts';
import type { TrafficSettings } from '../traffic/check.ts';
import type { TrafficHost } from '../traffic/provider.ts';
import type { ApiDeps } from './deps.ts';
import { FieldError } from './errors.ts';

/** The hosts a group selects now, as traffic adapters see them. */
export async function groupHosts(store: Repositories, selector: GroupSelector): Promise<TrafficHost[]> {
  return selectForGroup(await store.instances.list(), selector).map((i) => ({ instanceId: i.instanceId, hostname: i.hostname, tags: i.tags }));
}

/** Throws a 400 naming the field when the settings do not fit the group's hosts or the balancer. */
export async function assertTrafficSettings(deps: ApiDeps, selector: GroupSelector, settings: TrafficSettings): Promise<void> {
  if (settings.trafficControl === undefined && settings.deploymentStyle === undefined && settings.blueGreen === undefined) return;
  if (!deps.traffic) throw new FieldError('VALIDATION_FAILED', 'trafficControl', 'trafficControl: this coordinator drives no load balancer');
  const problem = await deps.traffic.check(settings, await groupHosts(deps.store, selector));
  if (problem) throw new FieldError('VALIDATION_FAILED', problem.field, problem.message);
}

/** A group's traffic settings as the API shows them (no http token). */
export function trafficSettingsView(t: GroupTraffic): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  if (t.trafficControl) view['trafficControl'] = redactTrafficControl(t.trafficControl);
  if (t.deploymentStyle) view['deploymentStyle'] = t.deploymentStyle;
  if (t.blueGreen) view['blueGreenDeploymentConfiguration'] = t.blueGreen;
  if (t.liveFleet !== undefined) view['liveFleet'] = t.liveFleet;
  return view;
}

