/**
 * What every route of the API needs: the one table of the code that says who may call what,
 * rendered into the README (`npm run docs:permissions` checks they agree; a test too). A route
 * missing here is refused to everyone (deny by default), and a test checks that every
 * registered route has an entry.
 *
 * - `public`: no credential (health, installers, registration with its own token);
 * - a permission: an API token whose role has it (auth/permissions.ts), within its scope; with
 *   `agents`, a request signed by a registered host is accepted too (bundle downloads, a host
 *   deregistering itself; the route checks the rest).
 *
 * `scope` says what the request acts on, for tokens limited to some applications or groups:
 * `params` (`:app`, `:group`), `body` (the deployment request's application and group, or a new
 * application's name), `deployment` / `revision` (looked up by `:id`), `global` (shared by every
 * application: only unscoped tokens may change it). Lists are filtered to the token's scope.
 */
import type { Permission } from '../auth/permissions.ts';

/** Where a route finds the application and group it acts on. */
export type ScopeSource = 'params' | 'body' | 'deployment' | 'revision' | 'global';

/** What one route needs. */
export interface RoutePolicy {
  access: Permission | 'public';
  agents?: true;
  scope?: ScopeSource;
}

const pub: RoutePolicy = { access: 'public' };
const read = (scope?: ScopeSource): RoutePolicy => (scope ? { access: 'read', scope } : { access: 'read' });
const deploy = (scope: ScopeSource): RoutePolicy => ({ access: 'deploy', scope });
const manage = (scope: ScopeSource): RoutePolicy => ({ access: 'manage', scope });
const admin: RoutePolicy = { access: 'admin', scope: 'global' };

/** Every route, by `METHOD /path` as fastify registers it. */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  'GET /healthz': pub,
  'GET /install.sh': pub,
  'GET /install.ps1': pub,
  'GET /v1/agent/package': pub,
  'GET /v1/agent/package.sha256': pub,
  'GET /v1/tls/ca.pem': pub,
  'GET /v1/openapi.json': pub,
  'POST /v1/register': pub,
  'GET /v1/applications': read(),
  'POST /v1/applications': manage('body'),
  'GET /v1/applications/:app/deployment-groups': read('params'),
  'POST /v1/applications/:app/deployment-groups': manage('params'),
  'GET /v1/applications/:app/deployment-groups/:group': read('params'),
  'POST /v1/applications/:app/deployment-groups/:group/rollback': deploy('params'),
  'PUT /v1/applications/:app/deployment-groups/:group/traffic': manage('params'),
  'GET /v1/applications/:app/deployment-groups/:group/traffic': read('params'),
  'POST /v1/applications/:app/revisions': deploy('params'),
  'POST /v1/applications/:app/revisions/external': deploy('params'),
  'GET /v1/revisions/:id': read('revision'),
  'GET /v1/revisions/:id/content': { access: 'read', agents: true, scope: 'revision' },
  'PUT /v1/revisions/:id/signature': deploy('revision'),
  'GET /v1/deployment-configs': read(),
  'POST /v1/deployment-configs': manage('global'),
  'GET /v1/deployments': read(),
  'POST /v1/deployments': deploy('body'),
  'POST /v1/deployments/plan': deploy('body'),
  'POST /v1/deployments/preflight': deploy('body'),
  'GET /v1/deployments/:id': read('deployment'),
  'POST /v1/deployments/:id/stop': deploy('deployment'),
  'POST /v1/deployments/:id/pause': deploy('deployment'),
  'POST /v1/deployments/:id/resume': deploy('deployment'),
  'POST /v1/deployments/:id/approve': deploy('deployment'),
  'POST /v1/deployments/:id/promote': deploy('deployment'),
  'POST /v1/deployments/:id/rollout': deploy('deployment'),
  'POST /v1/deployments/:id/retry-failed': deploy('deployment'),
  'GET /v1/instances': read(),
  'POST /v1/instances/:id/tags': manage('global'),
  'POST /v1/instances/:id/tags/remove': manage('global'),
  'DELETE /v1/instances/:id': { access: 'manage', agents: true, scope: 'global' },
  'GET /v1/registration-tokens': read(),
  'POST /v1/registration-tokens': manage('global'),
  'DELETE /v1/registration-tokens/:id': manage('global'),
  'GET /v1/api-tokens': admin,
  'POST /v1/api-tokens': admin,
  'DELETE /v1/api-tokens/:name': admin,
  'GET /v1/health-checks': read(),
  'POST /v1/health-checks': manage('global'),
  'GET /v1/health-checks/:name': read(),
  'DELETE /v1/health-checks/:name': manage('global'),
  'GET /v1/health-checks/:name/replay': read(),
  'GET /v1/audit': read('global'),
  'GET /v1/audit/verify': read('global'),
  // Issue 17: readiness, metrics (which checks its own tokens: an API token or the scrape token),
  // the rendered API page, hook output, fleet management and webhooks.
  'GET /readyz': pub,
  'GET /metrics': pub,
  'GET /docs': pub,
  'GET /docs/': pub,
  'GET /docs/json': pub,
  'GET /docs/yaml': pub,
  'GET /docs/static/swagger-initializer.js': pub,
  'GET /docs/static/index.html': pub,
  'GET /docs/static/*': pub,
  'GET /docs/*': pub,
  'GET /v1/deployments/:id/logs': read('deployment'),
  'PATCH /v1/applications/:app/deployment-groups/:group': manage('params'),
  'DELETE /v1/applications/:app/deployment-groups/:group': manage('params'),
  'DELETE /v1/applications/:app': manage('params'),
  'GET /v1/applications/:app/revisions': read('params'),
  'DELETE /v1/revisions/:id': manage('revision'),
  'DELETE /v1/deployment-configs/:name': manage('global'),
  'GET /v1/applications/:app/deployment-groups/:group/webhooks': read('params'),
  'POST /v1/applications/:app/deployment-groups/:group/webhooks': manage('params'),
  'DELETE /v1/applications/:app/deployment-groups/:group/webhooks/:name': manage('params'),
  'POST /v1/applications/:app/deployment-groups/:group/webhooks/:name/test': manage('params'),
  'GET /v1/applications/:app/deployment-groups/:group/webhooks/:name/deliveries': read('params'),
  // Issue 19: the dashboard's page and files (they hold no data), its session, its grid.
  'GET /': pub,
  'GET /deployments': pub,
  'GET /deployments/:id': pub,
  'GET /instances': pub,
  'GET /applications': pub,
  'GET /applications/:app': pub,
  'GET /applications/:app/groups/:group': pub,
  'GET /ui/:file': pub,
  'POST /v1/session': pub,
  'GET /v1/session': read(),
  'DELETE /v1/session': pub,
  'GET /v1/deployments/:id/grid': read('deployment'),
};

/** The policy of `method` and `url` (a route pattern), or undefined: refused. */
export function policyOf(method: string, url: string): RoutePolicy | undefined {
  const key = `${method.toUpperCase()} ${url}`;
  return Object.hasOwn(ROUTE_POLICIES, key) ? ROUTE_POLICIES[key] : undefined;
}
