/**
 * Webhooks: CodeDeploy's trigger events for a deployment group, delivered as JSON POSTs signed
 * per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256 over
 * `id.timestamp.body` with the webhook's secret), from a durable outbox, retried with
 * exponential backoff for up to 24 hours.
 */
import { z } from 'zod';
import { Id, Name } from './schemas.ts';

/** CodeDeploy's TriggerEventType (the *Ready ones are blue/green: never sent by in-place deployments). */
export const TRIGGER_EVENTS = [
  'DeploymentStart',
  'DeploymentSuccess',
  'DeploymentFailure',
  'DeploymentStop',
  'DeploymentRollback',
  'DeploymentReady',
  'InstanceStart',
  'InstanceSuccess',
  'InstanceFailure',
  'InstanceReady',
] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

/** A new webhook of a group: where to POST, and which events (all when left out). */
export const CreateWebhookRequest = z.strictObject({
  name: Name,
  url: z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL').refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not carry credentials; the signature authenticates the sender'),
  events: z.array(z.enum(TRIGGER_EVENTS)).min(1).max(TRIGGER_EVENTS.length).optional(),
});
export type CreateWebhookRequest = z.input<typeof CreateWebhookRequest>;

/** A webhook as listed: never its secret. */
export const WebhookView = z.strictObject({
  webhookId: Id,
  name: Name,
  applicationName: Name,
  deploymentGroupName: Name,
  url: z.string(),
  events: z.array(z.enum(TRIGGER_EVENTS)),
  createTime: z.string(),
});
export type WebhookView = z.infer<typeof WebhookView>;

/** The answer to creating a webhook: the only time its signing secret is shown. */
export const CreatedWebhook = WebhookView.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

/** One attempt to deliver. */
export const DeliveryAttemptView = z.strictObject({
  attempt: z.number().int().positive(),
  at: z.string(),
  /** The receiver's HTTP status; absent when no answer came. */
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
  durationMs: z.number().int().nonnegative(),
});

/** One message and how its delivery goes. */
export const DeliveryView = z.strictObject({
  /** The webhook-id header: the same on every attempt, for the receiver to deduplicate. */
  deliveryId: z.string(),
  event: z.string(),
  deploymentId: z.string().optional(),
  instanceId: z.string().optional(),
  status: z.enum(['Pending', 'Succeeded', 'Failed']),
  createTime: z.string(),
  nextAttemptTime: z.string().optional(),
  attempts: z.array(DeliveryAttemptView),
});
export type DeliveryView = z.infer<typeof DeliveryView>;
