/**
 * Rows of the webhook tables as both store implementations read them, and their typed form.
 */
import type { TriggerEvent } from '../../../../protocol/src/index.ts';
import type { AttemptRow, DeliveryRow, WebhookRow } from '../webhooks.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

/** A `webhooks` row as stored. */
export interface RawWebhook {
  webhook_id: string;
  deployment_group_id: string;
  name: string;
  url: string;
  events: string;
  secret: string;
  created_at: string;
}

/** A `webhooks` row as the repository returns it. */
export function toWebhook(r: RawWebhook): WebhookRow {
  return {
    webhookId: r.webhook_id,
    deploymentGroupId: r.deployment_group_id,
    name: r.name,
    url: r.url,
    events: parseJsonColumn<TriggerEvent[]>(r.events, 'webhooks.events'),
    secret: r.secret,
    createdAt: r.created_at,
  };
}

/** A `webhook_deliveries` row as stored. */
export interface RawDelivery {
  delivery_id: string;
  webhook_id: string;
  event: string;
  deployment_id: string | null;
  instance_id: string | null;
  payload: string;
  status: DeliveryRow['status'];
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
}

/** A `webhook_deliveries` row as the repository returns it. */
export function toDelivery(r: RawDelivery): DeliveryRow {
  const row: DeliveryRow = { deliveryId: r.delivery_id, webhookId: r.webhook_id, event: r.event, payload: r.payload, status: r.status, attempts: r.attempts, createdAt: r.created_at };
  setOptional(row, 'deploymentId', r.deployment_id);
  setOptional(row, 'instanceId', r.instance_id);
  setOptional(row, 'nextAttemptAt', r.next_attempt_at);
  return row;
}

/** A `webhook_attempts` row as stored. */
export interface RawAttempt {
  delivery_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** A `webhook_attempts` row as the repository returns it. */
export function toAttempt(a: RawAttempt): AttemptRow {
  const out: AttemptRow = { deliveryId: a.delivery_id, attempt: a.attempt, at: a.at, durationMs: a.duration_ms };
  setOptional(out, 'statusCode', a.status_code);
  setOptional(out, 'error', a.error);
  return out;
}
