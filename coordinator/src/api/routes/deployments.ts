/**
 * Deployments: creation (names resolved to ids here, then handed to the scheduler), plans,
 * preflight, stop, and views.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canonicalConfigName, ChangeRolloutRequest, CreateDeploymentRequest, DeckhandError, RetryFailedRequest, StopDeploymentRequest } from '../../../../protocol/src/index.ts';
import { actorOf } from '../auth.ts';
import { visibleTo } from '../scope.ts';
import type { ApiDeps, DeploymentFilter, NewDeployment } from '../deps.ts';
import { FieldError, notFound } from '../errors.ts';
import { assertAlarmsKnown } from '../health-refs.ts';
import { IdParams, ListDeploymentsQuery } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { requireApplication, requireGroup } from './applications.ts';
import { assertKnownConfig } from './configs.ts';
import { requireRevision } from './revisions.ts';
import { assertTrafficSettings } from '../traffic-settings.ts';

/** Checks the group's traffic settings against its hosts and balancer now (nothing to do without any). */
async function assertGroupTraffic(deps: ApiDeps, deploymentGroupId: string): Promise<void> {
  const group = await deps.store.groups.get(deploymentGroupId);
  const traffic = await deps.store.traffic.groupTraffic(deploymentGroupId);
  if (!group || !traffic.trafficControl) return;
  await assertTrafficSettings(deps, group, { trafficControl: traffic.trafficControl, deploymentStyle: traffic.deploymentStyle, blueGreen: traffic.blueGreen });
}

/** Validates a create request and resolves its names; throws 400/404 naming what is wrong. */
async function resolveDeployment(deps: ApiDeps, request: FastifyRequest): Promise<NewDeployment> {
  const body = parseInput(CreateDeploymentRequest, request.body);
  const application = await requireApplication(deps.store, body.applicationName);
  const group = await requireGroup(deps.store, application, body.deploymentGroupName);
  const revision = await requireRevision(deps.store, body.revisionId);
  if (revision.applicationId !== application.applicationId) {
    throw notFound(`revision ${body.revisionId} of application ${application.name}`);
  }
  if (revision.deletedAt !== undefined) throw new FieldError('VALIDATION_FAILED', 'revisionId', `revisionId: revision ${body.revisionId} was deleted on ${revision.deletedAt}`);
  const configName = canonicalConfigName(body.deploymentConfigName ?? group.deploymentConfigName);
  await assertKnownConfig(deps.store, configName);
  const input: NewDeployment = {
    applicationId: application.applicationId,
    deploymentGroupId: group.deploymentGroupId,
    revisionId: revision.revisionId,
    deploymentConfigName: configName,
    fileExistsBehavior: body.fileExistsBehavior,
    ignoreApplicationStopFailures: body.ignoreApplicationStopFailures,
    parameters: body.parameters,
    creator: actorOf(request),
    queue: body.queue,
    updateOutdatedInstancesOnly: body.updateOutdatedInstancesOnly,
  };
  if (body.description !== undefined) input.description = body.description;
  if (body.autoRollbackConfiguration !== undefined) input.autoRollback = body.autoRollbackConfiguration;
  if (body.requireApproval !== undefined) input.requireApproval = body.requireApproval;
  if (body.overrideAlarmConfiguration !== undefined) {
    await assertAlarmsKnown(deps.store, body.overrideAlarmConfiguration, 'overrideAlarmConfiguration', deps.alertmanager === true);
    input.overrideAlarmConfiguration = body.overrideAlarmConfiguration;
  }
  input.confirmLargeBlastRadius = body.confirmLargeBlastRadius;
  return input;
}

/** A scheduler refusal that names a request field (the guard rail's) answers with that field. */
async function naming<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const field = err instanceof DeckhandError && typeof err.details === 'object' && err.details !== null && !Array.isArray(err.details) ? err.details['field'] : undefined;
    if (err instanceof DeckhandError && typeof field === 'string') throw new FieldError(err.code, field, err.message);
    throw err;
  }
}

/** The opaque page token of GET /v1/deployments: where the previous page ended. */
function encodeToken(createdAt: string, deploymentId: string): string {
  return Buffer.from(JSON.stringify([createdAt, deploymentId])).toString('base64url');
}

function decodeToken(token: string): { createdAt: string; deploymentId: string } {
  try {
    const [createdAt, deploymentId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof deploymentId === 'string') return { createdAt, deploymentId };
  } catch {
    // Not a token this API made: refused below like any other.
  }
  throw new FieldError('VALIDATION_FAILED', 'nextToken', 'nextToken: not a token from a previous page');
}

/** Registers the deployment routes. */
export function deploymentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { scheduler } = deps;

  app.post('/v1/deployments', async (request, reply) => {
    const input = await resolveDeployment(deps, request);
    // A balancer that cannot be reached or a host it cannot name refuses the deployment before it exists.
    await assertGroupTraffic(deps, input.deploymentGroupId);
    const deploymentId = await naming(scheduler.createDeployment(input));
    // The summary, not the view: listing every target made this answer ~9 MB at 10,000 hosts.
    const summary = await scheduler.getDeploymentSummary(deploymentId);
    if (!summary) throw notFound(`deployment ${deploymentId}`);
    return reply.code(201).send(summary);
  });

  app.post('/v1/deployments/plan', async (request) => {
    const input = await resolveDeployment(deps, request);
    return scheduler.planDeployment({
      deploymentGroupId: input.deploymentGroupId,
      revisionId: input.revisionId,
      deploymentConfigName: input.deploymentConfigName,
      updateOutdatedInstancesOnly: input.updateOutdatedInstancesOnly ?? false,
      ...(input.requireApproval === undefined ? {} : { requireApproval: input.requireApproval }),
    });
  });

  app.post('/v1/deployments/preflight', async (request) => {
    const input = await resolveDeployment(deps, request);
    return scheduler.preflightDeployment({
      deploymentGroupId: input.deploymentGroupId,
      revisionId: input.revisionId,
      fileExistsBehavior: input.fileExistsBehavior,
      updateOutdatedInstancesOnly: input.updateOutdatedInstancesOnly ?? false,
    });
  });

  app.post('/v1/deployments/:id/stop', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const body = parseInput(StopDeploymentRequest, request.body ?? {});
    return scheduler.stopDeployment(id, body.autoRollbackEnabled);
  });

  for (const action of ['pause', 'resume', 'approve', 'promote'] as const) {
    app.post(`/v1/deployments/:id/${action}`, async (request) => {
      const { id } = parseInput(IdParams, request.params, 'params');
      const who = actorOf(request);
      if (action === 'pause') return scheduler.pauseDeployment(id, who);
      if (action === 'promote') return scheduler.promoteDeployment(id, who);
      return action === 'resume' ? scheduler.resumeDeployment(id, who) : scheduler.approveDeployment(id, who);
    });
  }

  app.post('/v1/deployments/:id/rollout', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    return scheduler.changeRollout(id, parseInput(ChangeRolloutRequest, request.body ?? {}), actorOf(request));
  });

  app.post('/v1/deployments/:id/retry-failed', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const body = parseInput(RetryFailedRequest, request.body ?? {});
    const retry = await naming(
      scheduler.retryFailed(id, {
        who: actorOf(request),
        queue: body.queue,
        confirmLargeBlastRadius: body.confirmLargeBlastRadius,
        ...(body.description === undefined ? {} : { description: body.description }),
      }),
    );
    const summary = await scheduler.getDeploymentSummary(retry);
    if (!summary) throw notFound(`deployment ${retry}`);
    return reply.code(201).send(summary);
  });

  app.get('/v1/deployments', async (request) => {
    const query = parseInput(ListDeploymentsQuery, request.query, 'query');
    const filter: DeploymentFilter = { limit: query.limit + 1 };
    if (query.application !== undefined) filter.applicationName = query.application;
    if (query.group !== undefined) filter.deploymentGroupName = query.group;
    if (query.status !== undefined) filter.status = query.status;
    if (query.nextToken !== undefined) filter.before = decodeToken(query.nextToken);
    const found = await scheduler.listDeploymentSummaries(filter);
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    // A scoped token sees its part of the page (a page may then hold fewer than the limit).
    const visible = visibleTo(request);
    const deployments = page.filter((d) => visible(d.applicationName, d.deploymentGroupName));
    return { deployments, ...(found.length > query.limit && last ? { nextToken: encodeToken(last.createTime, last.deploymentId) } : {}) };
  });

  app.get('/v1/deployments/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const view = await scheduler.getDeploymentView(id);
    if (!view) throw notFound(`deployment ${id}`);
    return view;
  });
}
