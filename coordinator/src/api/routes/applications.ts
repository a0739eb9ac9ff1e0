/**
 * Applications and their deployment groups.
 */
import type { FastifyInstance } from 'fastify';
import {
  canonicalConfigName,
  CreateApplicationRequest,
  CreateDeploymentGroupRequest,
  RollbackRequest,
} from '../../../../protocol/src/index.ts';
import type { Db } from '../../store/db.ts';
import { getApplicationByName, insertApplication, listApplications, type ApplicationRow } from '../../store/applications.ts';
import {
  getDeploymentGroupByName,
  insertDeploymentGroup,
  listDeploymentGroups,
  type DeploymentGroupRow,
} from '../../store/groups.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { AppParams, GroupParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { applicationView, deploymentGroupView } from '../views.ts';
import { assertKnownConfig } from './configs.ts';

/** The application named `name`, or a 404 naming it. */
export function requireApplication(db: Db, name: string): ApplicationRow {
  const app = getApplicationByName(db, name);
  if (!app) throw notFound(`application ${name}`);
  return app;
}

/** The group of `application` named `name`, or a 404 naming it. */
export function requireGroup(db: Db, application: ApplicationRow, name: string): DeploymentGroupRow {
  const group = getDeploymentGroupByName(db, application.applicationId, name);
  if (!group) throw notFound(`deployment group ${name}`);
  return group;
}

/** Registers the application and deployment-group routes. */
export function applicationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, clock } = deps;

  app.post('/v1/applications', async (request, reply) => {
    const body = parseInput(CreateApplicationRequest, request.body);
    const row = insertApplication(db, { name: body.name, createdAt: clock.now().toISOString() });
    return reply.code(201).send(applicationView(row));
  });

  app.get('/v1/applications', async () => ({ applications: listApplications(db).map(applicationView) }));

  app.post('/v1/applications/:app/deployment-groups', async (request, reply) => {
    const params = parseInput(AppParams, request.params, 'params');
    const body = parseInput(CreateDeploymentGroupRequest, request.body);
    const application = requireApplication(db, params.app);
    const configName = canonicalConfigName(body.deploymentConfigName);
    assertKnownConfig(db, configName);
    const { autoRollbackConfiguration, tagSet, ...settings } = body;
    const row = insertDeploymentGroup(db, {
      ...settings,
      applicationId: application.applicationId,
      deploymentConfigName: configName,
      ...(tagSet === undefined ? {} : { tagSet }),
      ...(autoRollbackConfiguration === undefined ? {} : { autoRollback: autoRollbackConfiguration }),
      createdAt: clock.now().toISOString(),
    });
    return reply.code(201).send(deploymentGroupView(row, application.name));
  });

  app.get('/v1/applications/:app/deployment-groups', async (request) => {
    const params = parseInput(AppParams, request.params, 'params');
    const application = requireApplication(db, params.app);
    const groups = listDeploymentGroups(db, application.applicationId);
    return { deploymentGroups: groups.map((g) => deploymentGroupView(g, application.name)) };
  });

  app.get('/v1/applications/:app/deployment-groups/:group', async (request) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const application = requireApplication(db, params.app);
    return deploymentGroupView(requireGroup(db, application, params.group), application.name);
  });

  app.post('/v1/applications/:app/deployment-groups/:group/rollback', async (request, reply) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const body = parseInput(RollbackRequest, request.body ?? {});
    const group = requireGroup(db, requireApplication(db, params.app), params.group);
    const who = request.principal?.kind === 'admin' ? request.principal.name : 'unknown';
    const id = deps.scheduler.rollbackGroup(group.deploymentGroupId, {
      queue: body.queue,
      who,
      ...(body.description === undefined ? {} : { description: body.description }),
    });
    // The summary, like POST /v1/deployments: a rollback targets the whole group.
    const summary = deps.scheduler.getDeploymentSummary(id);
    if (!summary) throw notFound(`deployment ${id}`);
    return reply.code(201).send(summary);
  });
}
