/**
 * Webhooks of a deployment group: create (the secret is answered once and never again), list,
 * delete, test, and the deliveries with every attempt.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { newId } from '../../../../common/src/ids.ts';
import { CreateWebhookRequest, Name, TRIGGER_EVENTS, type CreatedWebhook, type DeliveryView, type WebhookView } from '../../../../protocol/src/index.ts';
import { newWebhookSecret } from '../../notify/webhooks.ts';
import type { DeliveryRow, AttemptRow, WebhookRow } from '../../store/webhooks.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { GroupParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { requireApplication, requireGroup } from './applications.ts';

const WebhookParams = z.object({ app: Name, group: Name, name: Name });

function webhookView(w: WebhookRow, applicationName: string, groupName: string): WebhookView {
  return { webhookId: w.webhookId, name: w.name, applicationName, deploymentGroupName: groupName, url: w.url, events: w.events, createTime: w.createdAt };
}

function deliveryView(d: DeliveryRow & { attemptList: AttemptRow[] }): DeliveryView {
  return {
    deliveryId: d.deliveryId,
    event: d.event,
    ...(d.deploymentId === undefined ? {} : { deploymentId: d.deploymentId }),
    ...(d.instanceId === undefined ? {} : { instanceId: d.instanceId }),
    status: d.status,
    createTime: d.createdAt,
    ...(d.status === 'Pending' && d.nextAttemptAt !== undefined ? { nextAttemptTime: d.nextAttemptAt } : {}),
    attempts: d.attemptList.map((a) => ({ attempt: a.attempt, at: a.at, durationMs: a.durationMs, ...(a.statusCode === undefined ? {} : { statusCode: a.statusCode }), ...(a.error === undefined ? {} : { error: a.error }) })),
  };
}

/** Registers the webhook routes; `wake` tells the notifier there is work. */
export function webhookRoutes(app: FastifyInstance, deps: ApiDeps, wake: () => void): void {
  const { store, clock } = deps;
  const base = '/v1/applications/:app/deployment-groups/:group/webhooks';

  async function requireWebhook(params: z.infer<typeof WebhookParams>): Promise<{ hook: WebhookRow; app: string; group: string }> {
    const application = await requireApplication(store, params.app);
    const group = await requireGroup(store, application, params.group);
    const hook = (await store.webhooks.listOfGroup(group.deploymentGroupId)).find((w) => w.name === params.name);
    if (!hook) throw notFound(`webhook ${params.name}`);
    return { hook, app: application.name, group: group.name };
  }

  app.post(base, async (request, reply) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const body = parseInput(CreateWebhookRequest, request.body);
    const application = await requireApplication(store, params.app);
    const group = await requireGroup(store, application, params.group);
    const secret = newWebhookSecret();
    const row = await store.webhooks.insert({ deploymentGroupId: group.deploymentGroupId, name: body.name, url: body.url, events: body.events ?? [...TRIGGER_EVENTS], secret, createdAt: clock.now().toISOString() });
    const created: CreatedWebhook = { ...webhookView(row, application.name, group.name), secret };
    return reply.code(201).send(created);
  });

  app.get(base, async (request) => {
    const params = parseInput(GroupParams, request.params, 'params');
    const application = await requireApplication(store, params.app);
    const group = await requireGroup(store, application, params.group);
    return { webhooks: (await store.webhooks.listOfGroup(group.deploymentGroupId)).map((w) => webhookView(w, application.name, group.name)) };
  });

  app.delete(`${base}/:name`, async (request, reply) => {
    const params = parseInput(WebhookParams, request.params, 'params');
    const { hook } = await requireWebhook(params);
    await store.webhooks.remove(hook.deploymentGroupId, hook.name);
    return reply.code(204).send();
  });

  app.post(`${base}/:name/test`, async (request, reply) => {
    const params = parseInput(WebhookParams, request.params, 'params');
    const { hook, app: appName, group } = await requireWebhook(params);
    const at = clock.now().toISOString();
    const deliveryId = newId('msg', 16);
    const payload = JSON.stringify({ type: 'Test', timestamp: at, data: { eventTriggerName: hook.name, applicationName: appName, deploymentGroupName: group, message: 'a test message from deckhand webhooks test' } });
    await store.webhooks.enqueue({ deliveryId, webhookId: hook.webhookId, event: 'Test', payload, createdAt: at });
    wake();
    return reply.code(202).send({ deliveryId });
  });

  app.get(`${base}/:name/deliveries`, async (request) => {
    const params = parseInput(WebhookParams, request.params, 'params');
    const { hook } = await requireWebhook(params);
    return { deliveries: (await store.webhooks.deliveries(hook.webhookId, 100)).map(deliveryView) };
  });
}
