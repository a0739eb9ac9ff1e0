/**
 * Instances and host registration.
 */
import type { FastifyInstance } from 'fastify';
import {
  RegisterInstanceRequest,
  TagInstanceRequest,
  UntagInstanceRequest,
  type Tags,
} from '../../../../protocol/src/index.ts';
import type { InstanceRow } from '../../store/instances.ts';
import type { Repositories } from '../../store/store.ts';
import { notFound } from '../errors.ts';
import { IdParams, ListInstancesQuery } from '../schemas.ts';
import type { ApiDeps } from '../deps.ts';
import { registerInstance } from '../registration.ts';
import { parseInput } from '../validate.ts';
import { instanceView } from '../views.ts';
import { noteAudit } from '../audit-hook.ts';

async function requireInstance(store: Repositories, instanceId: string): Promise<InstanceRow> {
  const instance = await store.instances.get(instanceId);
  if (!instance) throw notFound(`instance ${instanceId}`);
  return instance;
}

/** Registers the instance and registration routes. */
export function instanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock, hub, logger } = deps;

  /** Writes the instance's new tags, then lets the scheduler bring it into groups it now joins. */
  async function retag(instanceId: string, change: (tags: Tags) => Tags): Promise<ReturnType<typeof instanceView>> {
    const updated = await store.transaction(async (tx) => {
      const instance = await requireInstance(tx, instanceId);
      const tags = change({ ...instance.tags });
      await tx.instances.setTags(instanceId, tags);
      return { ...instance, tags };
    });
    const created = await deps.scheduler.instanceChanged(instanceId);
    logger.info('instance tags changed', { instanceId, tags: updated.tags, autoDeployments: created });
    return instanceView(updated, hub.isConnected(instanceId));
  }

  app.post('/v1/instances/:id/tags', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const body = parseInput(TagInstanceRequest, request.body);
    return retag(id, (tags) => ({ ...tags, ...body.tags }));
  });

  app.post('/v1/instances/:id/tags/remove', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const body = parseInput(UntagInstanceRequest, request.body);
    return retag(id, (tags) => Object.fromEntries(Object.entries(tags).filter(([k]) => !body.keys.includes(k))));
  });

  app.get('/v1/instances', async (request) => {
    const query = parseInput(ListInstancesQuery, request.query ?? {}, 'query');
    const tags = (query.tag === undefined ? [] : Array.isArray(query.tag) ? query.tag : [query.tag]).map((t) => {
      const eq = t.indexOf('=');
      return eq === -1 ? { key: t } : { key: t.slice(0, eq), value: t.slice(eq + 1) };
    });
    const offline = query.offline === '1' || query.offline === 'true';
    const views = (await store.instances.list())
      .filter((row) => tags.every((t) => Object.hasOwn(row.tags, t.key) && (t.value === undefined || row.tags[t.key] === t.value)))
      .map((row) => instanceView(row, hub.isConnected(row.instanceId)))
      .filter((v) => !offline || !v.connected);
    return { instances: views };
  });

  app.post('/v1/register', async (request, reply) => {
    const body = parseInput(RegisterInstanceRequest, request.body);
    const result = await registerInstance(store, clock.now(), { ...body, tokenHashes: deps.tokenHasher.lookup(body.token) });
    const created = await deps.scheduler.instanceChanged(result.instanceId);
    logger.info('instance registered', { instanceId: result.instanceId, hostname: body.hostname, autoDeployments: created });
    // The host acts for itself from now on; the token and key are not recorded.
    noteAudit(request, { actor: `instance:${result.instanceId}`, action: 'instance.register', target: result.instanceId, details: { hostname: body.hostname, tags: result.tags } });
    // The agent keeps these and refuses any command not signed with one of them.
    const keys = deps.coordinatorKeys?.();
    return reply.code(201).send(keys === undefined ? result : { ...result, coordinatorKeys: keys });
  });
}
