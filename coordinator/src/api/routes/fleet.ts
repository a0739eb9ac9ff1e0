/**
 * Managing the fleet: changing and removing groups, removing applications, listing and removing
 * revisions, removing custom configurations. A removal that would break something is refused
 * with CONFLICT naming what stands in the way, and changes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { BUILTIN_DEPLOYMENT_CONFIGS, canonicalConfigName, DeckhandError, UpdateDeploymentGroupRequest, type RemovalResult } from '../../../../protocol/src/index.ts';
import type { GroupChanges } from '../../store/groups.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { AppParams, ConfigParams, GroupParams, IdParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { revisionView } from '../views.ts';
import { assertAlarmsKnown } from '../health-refs.ts';
import { groupView, requireApplication, requireGroup } from './applications.ts';
import type { Repositories } from '../../store/store.ts';
import { assertKnownConfig } from './configs.ts';

function conflict(message: string): DeckhandError {
  return new DeckhandError('CONFLICT', message);
}

function groupChanges(body: ReturnType<typeof UpdateDeploymentGroupRequest.parse>): GroupChanges {
  const { autoRollbackConfiguration, deploymentConfigName, alarmConfiguration: _alarms, largeBlastRadius: _guard, ...rest } = body;
  const changes: GroupChanges = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (changes as Record<string, unknown>)[k] = v;
  if (deploymentConfigName !== undefined) changes.deploymentConfigName = canonicalConfigName(deploymentConfigName);
  if (autoRollbackConfiguration !== undefined) changes.autoRollback = autoRollbackConfiguration;
  // A flat filter list replaces a tag set, as creating a group with it would.
  if (body.tagFilters !== undefined && body.tagSet === undefined) changes.tagSet = null;
  if (body.tagSet) changes.tagFilters = [];
  return changes;
}

/** Applies the alarm and guard-rail changes of a group update (null: removed, undefined: kept). */
async function updateGroupHealth(tx: Repositories, deploymentGroupId: string, body: ReturnType<typeof UpdateDeploymentGroupRequest.parse>): Promise<void> {
  if (body.alarmConfiguration === undefined && body.largeBlastRadius === undefined) return;
  const health = await tx.health.getGroupHealth(deploymentGroupId);
  const next = { ...health };
  if (body.alarmConfiguration === null) delete next.alarmConfiguration;
  else if (body.alarmConfiguration !== undefined) next.alarmConfiguration = body.alarmConfiguration;
  if (body.largeBlastRadius === null) delete next.largeBlastRadius;
  else if (body.largeBlastRadius !== undefined) next.largeBlastRadius = body.largeBlastRadius;
  await tx.health.setGroupHealth(deploymentGroupId, next);
}

/** Registers the group, application, revision and configuration management routes. */
export function fleetRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, artifacts, clock } = deps;

  app.patch('/v1/applications/:app/deployment-groups/:group', async (request) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const body = parseInput(UpdateDeploymentGroupRequest, request.body);
    const changes = groupChanges(body);
    if (changes.deploymentConfigName !== undefined) await assertKnownConfig(store, changes.deploymentConfigName);
    if (body.alarmConfiguration) await assertAlarmsKnown(store, body.alarmConfiguration, 'alarmConfiguration', deps.alertmanager === true);
    const application = await requireApplication(store, params.app);
    return store.transaction(async (tx) => {
      const row = await tx.groups.update((await requireGroup(tx, application, params.group)).deploymentGroupId, changes);
      await updateGroupHealth(tx, row.deploymentGroupId, body);
      return groupView(tx, row, application.name);
    });
  });

  app.delete('/v1/applications/:app/deployment-groups/:group', async (request): Promise<RemovalResult> => {
    const params = parseInput(GroupParams, request.params, 'params');
    return store.transaction(async (tx) => {
      const group = await requireGroup(tx, await requireApplication(tx, params.app), params.group);
      const active = await tx.deployments.activeOfGroup(group.deploymentGroupId);
      if (active !== undefined) throw conflict(`deployment group ${group.name} has deployment ${active} in progress or queued; stop it first`);
      return { removed: group.deploymentGroupId, deployments: await tx.groups.remove(group.deploymentGroupId) };
    });
  });

  app.delete('/v1/applications/:app', async (request): Promise<RemovalResult> => {
    const params = parseInput(AppParams, request.params, 'params');
    const shas = await store.transaction(async (tx) => {
      const application = await requireApplication(tx, params.app);
      const groups = await tx.groups.listOfApplication(application.applicationId);
      if (groups.length > 0) throw conflict(`application ${application.name} still has deployment groups (${groups.map((g) => g.name).join(', ')}); delete them first`);
      return { id: application.applicationId, shas: await tx.applications.remove(application.applicationId) };
    });
    for (const sha of shas.shas) artifacts.remove(sha);
    return { removed: shas.id, bundles: shas.shas.length };
  });

  app.get('/v1/applications/:app/revisions', async (request) => {
    const params = parseInput(AppParams, request.params, 'params');
    const application = await requireApplication(store, params.app);
    return { revisions: (await store.revisions.list(application.applicationId)).map((r) => revisionView(r, application.name)) };
  });

  app.delete('/v1/revisions/:id', async (request): Promise<RemovalResult> => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const removed = await store.transaction(async (tx) => {
      const revision = await tx.revisions.get(id);
      if (!revision || revision.deletedAt !== undefined) throw notFound(`revision ${id}`);
      const usage = await tx.revisions.usage(id);
      if (usage.activeDeployments.length > 0) throw conflict(`revision ${id} is being deployed by ${usage.activeDeployments.join(', ')}`);
      if (usage.lastGoodOfGroups.length > 0) throw conflict(`revision ${id} is the last successful revision of deployment group(s) ${usage.lastGoodOfGroups.join(', ')} (their rollback target)`);
      return tx.revisions.remove(id, clock.now().toISOString());
    });
    if (removed?.unreferenced) artifacts.remove(removed.sha256);
    return { removed: id, bundles: removed?.unreferenced ? 1 : 0 };
  });

  app.delete('/v1/deployment-configs/:name', async (request): Promise<RemovalResult> => {
    const name = canonicalConfigName(parseInput(ConfigParams, request.params, 'params').name);
    if ((BUILTIN_DEPLOYMENT_CONFIGS as readonly string[]).includes(name)) throw new DeckhandError('VALIDATION_FAILED', `${name} is built in and cannot be deleted`);
    return store.transaction(async (tx) => {
      if (!(await tx.configs.get(name))) throw notFound(`deployment configuration ${name}`);
      const usage = await tx.configs.usage(name);
      if (usage.groups.length > 0) throw conflict(`deployment configuration ${name} is the default of deployment group(s) ${usage.groups.join(', ')}`);
      if (usage.activeDeployments.length > 0) throw conflict(`deployment configuration ${name} is used by deployment(s) in progress: ${usage.activeDeployments.join(', ')}`);
      await tx.configs.remove(name);
      return { removed: name };
    });
  });
}
