/**
 * The coordinator's HTTP API (fastify): JSON in and out, bearer-token auth, protocol schemas at
 * the boundary, and ApiErrorBody for every error.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { installAudit } from './audit-hook.ts';
import { installAuth } from './auth.ts';
import { installExpectContinue } from './expect-continue.ts';
import type { ApiDeps } from './deps.ts';
import { installErrorHandlers } from './errors.ts';
import { agentPackageSourceFromEnv } from './agent-packages.ts';
import { openApiRoutes } from './openapi.ts';
import { docsRoutes } from './docs.ts';
import { applicationRoutes } from './routes/applications.ts';
import { configRoutes } from './routes/configs.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { deregistrationRoutes } from './routes/deregistration.ts';
import { healthCheckRoutes } from './routes/health-checks.ts';
import { instanceRoutes } from './routes/instances.ts';
import { logRoutes } from './routes/logs.ts';
import { fleetRoutes } from './routes/fleet.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { CoordinatorMetrics, metricsRoutes } from '../notify/metrics.ts';
import { DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT } from '../hub/log-intake.ts';
import { DEFAULT_LOG_RETENTION_DAYS } from '../logs/retention.ts';
import { readiness } from './readiness.ts';
import { installerRoutes } from './routes/installers.ts';
import { revisionRoutes } from './routes/revisions.ts';
import { auditRoutes } from './routes/audit.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { gridRoutes } from './routes/grid.ts';
import { sessionRoutes } from './routes/session.ts';
import { dashboardRoutes } from './routes/dashboard-page.ts';
import { trafficRoutes } from './routes/traffic.ts';

/**
 * Builds the API on a fresh fastify instance (not listening). The caller listens, and wires
 * WebSocket upgrades on `app.server` to the hub.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = (deps.https ? Fastify({ logger: false, https: deps.https }) : Fastify({ logger: false, ...(deps.http ? { http: deps.http } : {}) })) as unknown as FastifyInstance;
  const log = deps.logger.child({ component: 'api' });
  // Bundles can be gigabytes: hand the raw request stream to the route, which pipes it into the
  // artifact store (and enforces the store's own size limit) instead of buffering it here.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  installErrorHandlers(app, log);
  installAuth(app, deps);
  const onAuthenticated = deps.onAuthenticated;
  if (onAuthenticated) {
    // The connection proved who it is: it no longer counts as an unauthenticated one.
    app.addHook('preHandler', async (request) => {
      const kind = request.principal?.kind;
      if (kind === 'token' || kind === 'agent') onAuthenticated(request.raw.socket);
    });
  }
  installExpectContinue(app);
  installAudit(app, deps);
  app.addHook('onResponse', async (request, reply) => {
    log.debug('request handled', { method: request.method, url: request.url, statusCode: reply.statusCode });
  });
  // Before any other route: it records each one as it is registered, for /v1/openapi.json.
  const openApi = openApiRoutes(app);
  const metrics = deps.metrics ?? new CoordinatorMetrics(deps.store, () => deps.hub.connectedCount?.() ?? 0);
  const isApiToken = async (token: string): Promise<boolean> => {
    const row = await deps.store.tokens.findApiToken(deps.tokenHasher.lookup(token));
    return row !== undefined && row.revokedAt === undefined && (row.expiresAt === undefined || row.expiresAt > deps.clock.now().toISOString());
  };
  metricsRoutes(app, metrics, isApiToken, deps.metricsToken);
  docsRoutes(app, openApi.document);
  app.get('/healthz', async () => ({ ok: true }));
  // Readiness, unlike liveness, depends on the store: a load balancer stops sending work here.
  app.get('/readyz', async (_request, reply) => {
    const r = await (deps.readiness ?? (() => readiness(deps.store)))();
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  applicationRoutes(app, deps);
  revisionRoutes(app, deps);
  deploymentRoutes(app, deps);
  fleetRoutes(app, deps);
  webhookRoutes(app, deps, deps.wakeWebhooks ?? (() => undefined));
  logRoutes(app, deps, deps.logSettings ?? { maxBytesPerDeployment: DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT, days: DEFAULT_LOG_RETENTION_DAYS });
  instanceRoutes(app, deps);
  configRoutes(app, deps);
  deregistrationRoutes(app, deps);
  tokenRoutes(app, deps);
  auditRoutes(app, deps);
  healthCheckRoutes(app, deps);
  // Issue 19: the dashboard, its session and the live grid it reads.
  sessionRoutes(app, deps);
  gridRoutes(app, deps, deps.gridWatch);
  dashboardRoutes(app, deps.dashboardDir ?? 'dist/web');
  trafficRoutes(app, deps);
  // Issue 7: installers and agent packages; see README "Install on your servers".
  const publicUrl = process.env['DECKHAND_PUBLIC_URL'];
  installerRoutes(app, { packages: agentPackageSourceFromEnv(process.env), ...(publicUrl ? { publicUrl } : {}), ...(deps.autoCa ? { ca: deps.autoCa } : {}) });
  return app;
}
