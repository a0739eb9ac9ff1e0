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
import { applicationRoutes } from './routes/applications.ts';
import { configRoutes } from './routes/configs.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { deregistrationRoutes } from './routes/deregistration.ts';
import { healthCheckRoutes } from './routes/health-checks.ts';
import { instanceRoutes } from './routes/instances.ts';
import { installerRoutes } from './routes/installers.ts';
import { revisionRoutes } from './routes/revisions.ts';
import { auditRoutes } from './routes/audit.ts';
import { tokenRoutes } from './routes/tokens.ts';

/**
 * Builds the API on a fresh fastify instance (not listening). The caller listens, and wires
 * WebSocket upgrades on `app.server` to the hub.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = (deps.https ? Fastify({ logger: false, https: deps.https }) : Fastify({ logger: false })) as unknown as FastifyInstance;
  const log = deps.logger.child({ component: 'api' });
  // Bundles can be gigabytes: hand the raw request stream to the route, which pipes it into the
  // artifact store (and enforces the store's own size limit) instead of buffering it here.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  installErrorHandlers(app, log);
  installAuth(app, deps);
  installExpectContinue(app);
  installAudit(app, deps);
  app.addHook('onResponse', async (request, reply) => {
    log.debug('request handled', { method: request.method, url: request.url, statusCode: reply.statusCode });
  });
  // Before any other route: it records each one as it is registered, for /v1/openapi.json.
  openApiRoutes(app);
  app.get('/healthz', async () => ({ ok: true }));
  applicationRoutes(app, deps);
  revisionRoutes(app, deps);
  deploymentRoutes(app, deps);
  instanceRoutes(app, deps);
  configRoutes(app, deps);
  deregistrationRoutes(app, deps);
  tokenRoutes(app, deps);
  auditRoutes(app, deps);
  healthCheckRoutes(app, deps);
  // Issue 7: installers and agent packages; see README "Install on your servers".
  const publicUrl = process.env['DECKHAND_PUBLIC_URL'];
  installerRoutes(app, { packages: agentPackageSourceFromEnv(process.env), ...(publicUrl ? { publicUrl } : {}), ...(deps.autoCa ? { ca: deps.autoCa } : {}) });
  return app;
}
