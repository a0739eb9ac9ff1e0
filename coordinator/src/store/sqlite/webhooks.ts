/**
 * Webhooks and their outbox in SQLite (store/webhooks.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { toAttempt, toDelivery, toWebhook, type RawAttempt, type RawDelivery, type RawWebhook } from '../rows/webhooks.ts';
import type { AttemptOutcome, AttemptRow, DeliveryRow, Unannounced, WebhookRow } from '../webhooks.ts';
import { isUniqueViolation } from './columns.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

/** {@inheritDoc WebhookRepository.insert} */
export function insertWebhook(db: Db, input: Omit<WebhookRow, 'webhookId'>): WebhookRow {
  const row: WebhookRow = { webhookId: newId('wh'), ...input };
  try {
    prepared(db, 'INSERT INTO webhooks (webhook_id, deployment_group_id, name, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      row.webhookId, row.deploymentGroupId, row.name, row.url, JSON.stringify(row.events), row.secret, row.createdAt,
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', `webhook ${input.name} already exists`, { cause: err });
    throw err;
  }
  // What happened before the group had a webhook is not news: only later changes are announced.
  prepared(db, `UPDATE deployments SET announced_status = status, announced_rollback = 1 WHERE deployment_group_id = ? AND announced_status IS NULL`).run(input.deploymentGroupId);
  prepared(db,
    `UPDATE deployment_targets SET announced_status = status WHERE announced_status IS NULL
     AND deployment_id IN (SELECT deployment_id FROM deployments WHERE deployment_group_id = ?)`,
  ).run(input.deploymentGroupId);
  return row;
}

/** {@inheritDoc WebhookRepository.listOfGroup} */
export function listWebhooksOfGroup(db: Db, deploymentGroupId: string): WebhookRow[] {
  return (prepared(db, 'SELECT * FROM webhooks WHERE deployment_group_id = ? ORDER BY name').all(deploymentGroupId) as RawWebhook[]).map(toWebhook);
}

/** {@inheritDoc WebhookRepository.remove} */
export function removeWebhook(db: Db, deploymentGroupId: string, name: string): boolean {
  const row = prepared(db, 'SELECT webhook_id FROM webhooks WHERE deployment_group_id = ? AND name = ?').get(deploymentGroupId, name) as { webhook_id: string } | undefined;
  if (!row) return false;
  prepared(db, 'DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE webhook_id = ?)').run(row.webhook_id);
  prepared(db, 'DELETE FROM webhook_deliveries WHERE webhook_id = ?').run(row.webhook_id);
  prepared(db, 'DELETE FROM webhooks WHERE webhook_id = ?').run(row.webhook_id);
  return true;
}

const WATCHED = 'd.deployment_group_id IN (SELECT deployment_group_id FROM webhooks)';

/** {@inheritDoc WebhookRepository.unannounced} */
export function unannouncedChanges(db: Db, limit: number): Unannounced[] {
  const deployments = prepared(db,
    `SELECT d.deployment_id, d.deployment_group_id, d.announced_status, d.status,
            (d.rollback_deployment_id IS NOT NULL AND d.announced_rollback = 0) AS rollback
     FROM deployments d WHERE ${WATCHED}
       AND ((d.announced_status IS NULL AND d.status NOT IN ('Created', 'Queued')) OR d.announced_status <> d.status
            OR (d.rollback_deployment_id IS NOT NULL AND d.announced_rollback = 0))
     ORDER BY d.created_at, d.deployment_id LIMIT ?`,
  ).all(limit) as Array<{ deployment_id: string; deployment_group_id: string; announced_status: string | null; status: string; rollback: number }>;
  const targets = prepared(db,
    `SELECT t.deployment_id, d.deployment_group_id, t.instance_id, t.announced_status, t.status FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE ${WATCHED} AND t.status IN ('InProgress', 'Succeeded', 'Failed') AND (t.announced_status IS NULL OR t.announced_status <> t.status)
     ORDER BY d.created_at, t.position LIMIT ?`,
  ).all(limit) as Array<{ deployment_id: string; deployment_group_id: string; instance_id: string; announced_status: string | null; status: string }>;
  return [
    ...deployments.map((r) => ({ deploymentId: r.deployment_id, deploymentGroupId: r.deployment_group_id, announced: r.announced_status, status: r.status, rollback: r.rollback === 1 })),
    ...targets.map((r) => ({ deploymentId: r.deployment_id, deploymentGroupId: r.deployment_group_id, instanceId: r.instance_id, announced: r.announced_status, status: r.status })),
  ];
}

/** {@inheritDoc WebhookRepository.markAnnounced} */
export function markAnnounced(db: Db, change: Unannounced): boolean {
  if (change.instanceId !== undefined) {
    return prepared(db, 'UPDATE deployment_targets SET announced_status = ? WHERE deployment_id = ? AND instance_id = ? AND announced_status IS ?').run(
      change.status, change.deploymentId, change.instanceId, change.announced,
    ).changes > 0;
  }
  const rollback = change.rollback === true ? 1 : 0;
  return prepared(db,
    `UPDATE deployments SET announced_status = ?, announced_rollback = CASE WHEN ? = 1 THEN 1 ELSE announced_rollback END
     WHERE deployment_id = ? AND announced_status IS ? AND (? = 0 OR announced_rollback = 0)`,
  ).run(change.status, rollback, change.deploymentId, change.announced, rollback).changes > 0;
}

/** {@inheritDoc WebhookRepository.enqueue} */
export function enqueueDelivery(db: Db, d: Omit<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt'>): void {
  prepared(db,
    `INSERT INTO webhook_deliveries (delivery_id, webhook_id, event, deployment_id, instance_id, payload, status, attempts, created_at, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, 'Pending', 0, ?, ?)`,
  ).run(d.deliveryId, d.webhookId, d.event, d.deploymentId ?? null, d.instanceId ?? null, d.payload, d.createdAt, d.createdAt);
}

/** {@inheritDoc WebhookRepository.due} */
export function dueDeliveries(db: Db, at: string, limit: number, claimUntil: string): Array<DeliveryRow & { url: string; secret: string }> {
  // Each webhook's oldest pending message only: the next waits for it, so receivers see them in order.
  const rows = prepared(db,
    `SELECT x.*, w.url, w.secret FROM webhook_deliveries x JOIN webhooks w ON w.webhook_id = x.webhook_id
     WHERE x.status = 'Pending' AND x.seq = (SELECT MIN(y.seq) FROM webhook_deliveries y WHERE y.webhook_id = x.webhook_id AND y.status = 'Pending')
       AND x.next_attempt_at <= ? ORDER BY x.next_attempt_at LIMIT ?`,
  ).all(at, limit) as Array<RawDelivery & { url: string; secret: string }>;
  const claim = prepared(db, 'UPDATE webhook_deliveries SET next_attempt_at = ? WHERE delivery_id = ?');
  for (const r of rows) claim.run(claimUntil, r.delivery_id);
  return rows.map((r) => ({ ...toDelivery(r), url: r.url, secret: r.secret }));
}

/** {@inheritDoc WebhookRepository.recordAttempt} */
export function recordDeliveryAttempt(db: Db, deliveryId: string, o: AttemptOutcome): void {
  const row = prepared(db, 'SELECT attempts FROM webhook_deliveries WHERE delivery_id = ?').get(deliveryId) as { attempts: number } | undefined;
  if (!row) return;
  const attempt = row.attempts + 1;
  prepared(db, 'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)').run(
    deliveryId, attempt, o.at, o.statusCode ?? null, o.error ?? null, o.durationMs,
  );
  const status = o.ok ? 'Succeeded' : o.retryAt === undefined ? 'Failed' : 'Pending';
  prepared(db, 'UPDATE webhook_deliveries SET attempts = ?, status = ?, next_attempt_at = ? WHERE delivery_id = ?').run(attempt, status, o.retryAt ?? null, deliveryId);
}

/** {@inheritDoc WebhookRepository.nextDue} */
export function nextDueDelivery(db: Db): string | undefined {
  const row = prepared(db, `SELECT MIN(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'Pending'`).get() as { t: string | null };
  return row.t ?? undefined;
}

/** {@inheritDoc WebhookRepository.deliveries} */
export function listDeliveries(db: Db, webhookId: string, limit: number): Array<DeliveryRow & { attemptList: AttemptRow[] }> {
  const rows = (prepared(db, 'SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?').all(webhookId, limit) as RawDelivery[]).map(toDelivery);
  const attempts = prepared(db, 'SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt');
  return rows.map((d) => ({
    ...d,
    attemptList: (attempts.all(d.deliveryId) as RawAttempt[]).map(toAttempt),
  }));
}
