/**
 * Instances, registration tokens, and host registration.
 */
import type { FastifyInstance } from 'fastify';
import { newSecret } from '../../../../common/src/ids.ts';
import { CreateRegistrationTokenRequest, RegisterInstanceRequest } from '../../../../protocol/src/index.ts';
import { listInstances } from '../../store/instances.ts';
import { insertRegistrationToken, listRegistrationTokens } from '../../store/tokens.ts';
import type { ApiDeps } from '../deps.ts';
import { registerInstance } from '../registration.ts';
import { parseInput } from '../validate.ts';
import { instanceView, registrationTokenView } from '../views.ts';

/** Registers the instance, registration-token and registration routes. */
export function instanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db, clock, hub, logger } = deps;

  app.get('/v1/instances', async () => ({
    instances: listInstances(db).map((row) => instanceView(row, hub.isConnected(row.instanceId))),
  }));

  app.post('/v1/registration-tokens', async (request, reply) => {
    const body = parseInput(CreateRegistrationTokenRequest, request.body ?? {});
    const now = clock.now();
    const secret = newSecret('dhr');
    const row = insertRegistrationToken(db, {
      secret,
      expiresAt: new Date(now.getTime() + body.ttlSeconds * 1000).toISOString(),
      maxUses: body.maxUses,
      tags: body.tags,
      createdAt: now.toISOString(),
    });
    return reply.code(201).send(registrationTokenView(row, secret));
  });

  app.get('/v1/registration-tokens', async () => ({
    registrationTokens: listRegistrationTokens(db).map((row) => registrationTokenView(row)),
  }));

  app.post('/v1/register', { config: { auth: 'none' } }, async (request, reply) => {
    const body = parseInput(RegisterInstanceRequest, request.body);
    const result = registerInstance(db, clock.now(), body);
    logger.info('instance registered', { instanceId: result.instanceId, hostname: body.hostname });
    return reply.code(201).send(result);
  });
}
