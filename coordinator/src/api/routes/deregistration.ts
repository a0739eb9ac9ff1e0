/**
 * `DELETE /v1/instances/:id`: deregisters a host. An operator may remove any host; an agent, signing
 * with its own key, only itself (the uninstaller's `deckhand-agent deregister`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { noteAudit } from '../audit-hook.ts';
import { actorOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { deregisterInstance } from '../deregistration.ts';
import { DeregisterQuery } from '../schemas.ts';
import { parseInput } from '../validate.ts';

const InstanceParams = z.object({ id: z.string().min(1).max(100) }).strict();

/** Registers the deregistration route. */
export function deregistrationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, hub, logger } = deps;
  app.delete('/v1/instances/:id', async (request, reply) => {
    const { id } = parseInput(InstanceParams, request.params, 'params');
    const query = parseInput(DeregisterQuery, request.query ?? {}, 'query');
    const force = query.force === '1' || query.force === 'true';
    const principal = request.principal;
    if (principal?.kind === 'agent' && principal.instanceId !== id) {
      throw new DeckhandError('FORBIDDEN', 'an agent may deregister only its own instance');
    }
    noteAudit(request, { action: 'instance.deregister', target: id, ...(force ? { details: { force: true } } : {}) });
    await deregisterInstance(store, id, hub.isConnected(id), force);
    // Whatever its state: a session that has not said hello (not "connected") must not stay open
    // on a key that no longer exists.
    const closed = hub.closeInstance?.(id) ?? 0;
    logger.info('instance deregistered', { instanceId: id, by: actorOf(request), force, connectionsClosed: closed });
    return reply.code(204).send();
  });
}
