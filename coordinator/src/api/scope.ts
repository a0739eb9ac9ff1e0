/**
 * What a request acts on, for tokens limited to some applications or groups: read from the
 * route's parameters, its body, or the store (the deployment or revision it names). A request
 * whose target does not exist yields an empty scope: the route itself answers NOT_FOUND.
 */
import type { FastifyRequest } from 'fastify';
import { canSee, type ResourceScope } from '../auth/permissions.ts';
import type { ApiDeps } from './deps.ts';
import type { ScopeSource } from './route-policies.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function scopeOf(application: string | undefined, group: string | undefined): ResourceScope {
  return { ...(application === undefined ? {} : { application }), ...(group === undefined ? {} : { group }) };
}

async function ofRevision(deps: ApiDeps, id: string | undefined): Promise<ResourceScope> {
  const revision = id === undefined ? undefined : await deps.store.revisions.get(id);
  if (!revision) return {};
  const app = await deps.store.applications.get(revision.applicationId);
  return scopeOf(app?.name, undefined);
}

async function ofDeployment(deps: ApiDeps, id: string | undefined): Promise<ResourceScope> {
  const summary = id === undefined ? undefined : await deps.scheduler.getDeploymentSummary(id);
  return summary ? scopeOf(summary.applicationName, summary.deploymentGroupName) : {};
}

/** The application and group `request` acts on, per the route's `source`. */
export async function resolveScope(deps: ApiDeps, request: FastifyRequest, source: ScopeSource): Promise<ResourceScope> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body = (request.body ?? {}) as Record<string, unknown>;
  switch (source) {
    case 'global':
      return { global: true };
    case 'params':
      return scopeOf(text(params['app']), text(params['group']));
    case 'body':
      // A deployment request names both; a new application only its name.
      return scopeOf(text(body['applicationName']) ?? text(body['name']), text(body['deploymentGroupName']));
    case 'deployment':
      return ofDeployment(deps, text(params['id']));
    case 'revision':
      return ofRevision(deps, text(params['id']));
  }
}

/**
 * Whether the caller of `request` may see something of `application` (and `group`): lists are
 * filtered with it, so a scoped token sees only its applications and groups.
 */
export function visibleTo(request: FastifyRequest): (application: string, group?: string) => boolean {
  const p = request.principal;
  if (p?.kind !== 'token') return () => true;
  return (application, group) => canSee(p, application, group);
}
