/**
 * The rendered API page at /docs: Swagger UI (@fastify/swagger-ui, which serves swagger-ui's own
 * files from the package: no CDN, so it works on an air-gapped network) over the same document
 * as /v1/openapi.json. Readable without a token, like the document. Only the page, its assets
 * and the document are served: the plugin's catch-all file route is closed. Public in
 * route-policies.ts.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';

/** What /docs may serve: the page, swagger-ui's static files, the document. */
const ALLOWED = /^\/docs(\/|\/static\/[A-Za-z0-9._-]+|\/json|\/yaml)?(\?.*)?$/;

/** Registers /docs; `document` is the OpenAPI document it shows. */
export function docsRoutes(app: FastifyInstance, document: () => Record<string, unknown>): void {
  // swagger-ui requires the plugin named @fastify/swagger for its `swagger()` decorator; ours
  // builds the document from the protocol's schemas instead, so this stands in for it.
  void app.register(fp((instance, _opts, done) => {
    instance.decorate('swagger', document);
    done();
  }, { name: '@fastify/swagger' }));
  // Loaded with the other plugins when the app gets ready (listen, inject).
  void app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list' },
    staticCSP: true,
    uiHooks: {
      onRequest: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
        if (!ALLOWED.test(request.url)) {
          void reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such file under /docs' } });
          return;
        }
        done();
      },
    },
  });
}
