/**
 * A deployment group's traffic control: set (checked against the balancer and the group's
 * hosts first: a problem changes nothing) and shown with where each host stands on the balancer.
 */
import type { FastifyInstance } from 'fastify';
import { SetGroupTrafficRequest, type GroupTrafficView, type HostTrafficView } from '../../../../protocol/src/index.ts';
import type { TrafficSettings } from '../../traffic/check.ts';
import type { ApiDeps } from '../deps.ts';
import { FieldError } from '../errors.ts';
import { assertTrafficSettings, groupHosts, trafficSettingsView } from '../traffic-settings.ts';
import { GroupParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { requireApplication, requireGroup } from './applications.ts';

/** Registers the traffic routes of deployment groups. */
export function trafficRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.put('/v1/applications/:app/deployment-groups/:group/traffic', async (request) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const body = parseInput(SetGroupTrafficRequest, request.body);
    const group = await requireGroup(store, await requireApplication(store, params.app), params.group);
    const active = await store.deployments.activeOfGroup(group.deploymentGroupId);
    if (active) throw new FieldError('CONFLICT', 'trafficControl', `deployment group ${group.name} has an active deployment (${active}): change its load balancer once it is over`);
    // A field left out stays; null removes it.
    const current = await store.traffic.groupTraffic(group.deploymentGroupId);
    const pick = <T>(given: T | null | undefined, kept: T | undefined): T | undefined => (given === undefined ? kept : (given ?? undefined));
    const settings: TrafficSettings = {
      trafficControl: pick(body.trafficControl, current.trafficControl),
      deploymentStyle: pick(body.deploymentStyle, current.deploymentStyle),
      blueGreen: pick(body.blueGreenDeploymentConfiguration, current.blueGreen),
    };
    await assertTrafficSettings(deps, group, settings);
    await store.traffic.setGroupTraffic(group.deploymentGroupId, {
      ...(settings.trafficControl ? { trafficControl: settings.trafficControl } : {}),
      ...(settings.deploymentStyle ? { deploymentStyle: settings.deploymentStyle } : {}),
      ...(settings.blueGreen ? { blueGreen: settings.blueGreen } : {}),
    });
    return trafficSettingsView(await store.traffic.groupTraffic(group.deploymentGroupId));
  });

  app.get('/v1/applications/:app/deployment-groups/:group/traffic', async (request): Promise<GroupTrafficView> => {
    const params = parseInput(GroupParams, request.params, 'params');
    const group = await requireGroup(store, await requireApplication(store, params.app), params.group);
    const traffic = await store.traffic.groupTraffic(group.deploymentGroupId);
    const hosts = await groupHosts(store, group);
    const stored = new Map((await store.traffic.hostStatesOfGroup(group.deploymentGroupId)).map((h) => [h.instanceId, h]));
    const live = traffic.trafficControl && deps.traffic ? await deps.traffic.liveStates(traffic.trafficControl, hosts) : undefined;
    const fleetTag = traffic.blueGreen?.greenFleetProvisioningOption.fleetTag;
    const view: GroupTrafficView = {
      deploymentGroupName: group.name,
      deploymentType: traffic.deploymentStyle?.deploymentType ?? 'IN_PLACE',
      hosts: hosts.map((h) => {
        const s = stored.get(h.instanceId);
        const row: HostTrafficView = { instanceId: h.instanceId, hostname: h.hostname, state: s?.state ?? 'unknown' };
        if (s?.detail !== undefined) row.detail = s.detail;
        if (s?.updatedAt !== undefined) row.updatedAt = s.updatedAt;
        if (s?.deploymentId !== undefined) row.deploymentId = s.deploymentId;
        const now = live?.states.get(h.instanceId);
        if (now) row.live = now;
        const fleet = fleetTag === undefined ? undefined : h.tags[fleetTag];
        if (fleet !== undefined) row.fleet = fleet;
        return row;
      }),
    };
    if (traffic.trafficControl) view.provider = traffic.trafficControl.provider;
    if (traffic.liveFleet !== undefined) view.liveFleet = traffic.liveFleet;
    if (live?.problem !== undefined) view.problem = live.problem;
    return view;
  });
}
