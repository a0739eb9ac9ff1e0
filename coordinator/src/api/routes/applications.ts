/**
 * Applications and their deployment groups.
 */
import type { FastifyInstance } from 'fastify';
import {
  canonicalConfigName,
  CreateApplicationRequest,
  CreateDeploymentGroupRequest,
  RollbackRequest,
  type DeploymentGroupView,
} from '../../../../protocol/src/index.ts';
import type { ApplicationRow } from '../../store/applications.ts';
import type { DeploymentGroupRow } from '../../store/groups.ts';
import type { Repositories } from '../../store/store.ts';
import { actorOf } from '../auth.ts';
import { visibleTo } from '../scope.ts';
import { resolveInstanceNames } from '../instance-names.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { AppParams, GroupParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { applicationView, deploymentGroupView } from '../views.ts';
import { assertAlarmsKnown } from '../health-refs.ts';
import { assertKnownConfig } from './configs.ts';
import { assertTrafficSettings, trafficSettingsView } from '../traffic-settings.ts';

/** A group as the API shows it, with its alarms and guard rail. */
export async function groupView(store: Repositories, row: DeploymentGroupRow, applicationName: string): Promise<DeploymentGroupView> {
  const health = await store.health.getGroupHealth(row.deploymentGroupId);
  return {
    ...deploymentGroupView(row, applicationName),
    ...trafficSettingsView(await store.traffic.groupTraffic(row.deploymentGroupId)),
    ...(health.alarmConfiguration ? { alarmConfiguration: health.alarmConfiguration } : {}),
    ...(health.largeBlastRadius ? { largeBlastRadius: health.largeBlastRadius } : {}),
  };
}

/** The application named `name`, or a 404 naming it. */
export async function requireApplication(store: Repositories, name: string): Promise<ApplicationRow> {
  const app = await store.applications.getByName(name);
  if (!app) throw notFound(`application ${name}`);
  return app;
}

/** The group of `application` named `name`, or a 404 naming it. */
export async function requireGroup(store: Repositories, application: ApplicationRow, name: string): Promise<DeploymentGroupRow> {
  const group = await store.groups.getByName(application.applicationId, name);
  if (!group) throw notFound(`deployment group ${name}`);
  return group;
}

/** Registers the application and deployment-group routes. */
export function applicationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock } = deps;

  app.post('/v1/applications', async (request, reply) => {
    const body = parseInput(CreateApplicationRequest, request.body);
    const row = await store.applications.insert({ name: body.name, createdAt: clock.now().toISOString() });
    return reply.code(201).send(applicationView(row));
  });

  app.get('/v1/applications', async (request) => {
    const visible = visibleTo(request);
    return { applications: (await store.applications.list()).filter((a) => visible(a.name)).map(applicationView) };
  });

  app.post('/v1/applications/:app/deployment-groups', async (request, reply) => {
    const params = parseInput(AppParams, request.params, 'params');
    const body = parseInput(CreateDeploymentGroupRequest, request.body);
    const application = await requireApplication(store, params.app);
    const configName = canonicalConfigName(body.deploymentConfigName);
    await assertKnownConfig(store, configName);
    const { autoRollbackConfiguration, tagSet, trafficControl, deploymentStyle, blueGreenDeploymentConfiguration, alarmConfiguration, largeBlastRadius, ...settings } = body;
    const instanceNames = await resolveInstanceNames(store, settings.instanceNames);
    const traffic = { trafficControl, deploymentStyle, blueGreen: blueGreenDeploymentConfiguration };
    // Checked against the balancer and the hosts the group would select before anything is stored.
    await assertTrafficSettings(deps, { tagFilters: settings.tagFilters, instanceNames, ...(tagSet === undefined ? {} : { tagSet }) }, traffic);
    await assertAlarmsKnown(store, alarmConfiguration, 'alarmConfiguration', deps.alertmanager === true);
    const row = await store.transaction(async (tx) => {
      const inserted = await tx.groups.insert({
        ...settings,
        instanceNames,
        applicationId: application.applicationId,
        deploymentConfigName: configName,
        ...(tagSet === undefined ? {} : { tagSet }),
        ...(autoRollbackConfiguration === undefined ? {} : { autoRollback: autoRollbackConfiguration }),
        createdAt: clock.now().toISOString(),
      });
      if (trafficControl || deploymentStyle || blueGreenDeploymentConfiguration) {
        await tx.traffic.setGroupTraffic(inserted.deploymentGroupId, {
          ...(trafficControl ? { trafficControl } : {}),
          ...(deploymentStyle ? { deploymentStyle } : {}),
          ...(blueGreenDeploymentConfiguration ? { blueGreen: blueGreenDeploymentConfiguration } : {}),
        });
      }
      if (alarmConfiguration || largeBlastRadius) {
        await tx.health.setGroupHealth(inserted.deploymentGroupId, { ...(alarmConfiguration ? { alarmConfiguration } : {}), ...(largeBlastRadius ? { largeBlastRadius } : {}) });
      }
      return inserted;
    });
    return reply.code(201).send(await groupView(store, row, application.name));
  });

  app.get('/v1/applications/:app/deployment-groups', async (request) => {
    const params = parseInput(AppParams, request.params, 'params');
    const application = await requireApplication(store, params.app);
    const visible = visibleTo(request);
    const groups = (await store.groups.listOfApplication(application.applicationId)).filter((g) => visible(application.name, g.name));
    return { deploymentGroups: await Promise.all(groups.map((g) => groupView(store, g, application.name))) };
  });

  app.get('/v1/applications/:app/deployment-groups/:group', async (request) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const application = await requireApplication(store, params.app);
    return groupView(store, await requireGroup(store, application, params.group), application.name);
  });

  app.post('/v1/applications/:app/deployment-groups/:group/rollback', async (request, reply) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const body = parseInput(RollbackRequest, request.body ?? {});
    const group = await requireGroup(store, await requireApplication(store, params.app), params.group);
    const who = actorOf(request);
    await assertAlarmsKnown(store, body.overrideAlarmConfiguration, 'overrideAlarmConfiguration', deps.alertmanager === true);
    const id = await deps.scheduler.rollbackGroup(group.deploymentGroupId, {
      queue: body.queue,
      who,
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.overrideAlarmConfiguration === undefined ? {} : { overrideAlarmConfiguration: body.overrideAlarmConfiguration }),
    });
    // The summary, like POST /v1/deployments: a rollback targets the whole group.
    const summary = await deps.scheduler.getDeploymentSummary(id);
    if (!summary) throw notFound(`deployment ${id}`);
    return reply.code(201).send(summary);
  });
}
