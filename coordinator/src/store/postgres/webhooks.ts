/**
 * Webhooks and their outbox in PostgreSQL (store/webhooks.ts has the repository's contract;
 * sqlite/webhooks.ts the same steps). Every coordinator runs a notifier on the shared store:
 * markAnnounced only moves what is still as the caller read it (a row lock and a re-check, so two
 * coordinators never both announce one change), and due claims deliveries with SKIP LOCKED.
 */
import { newId } from '../../../../common/src/ids.ts';
import { toAttempt, toDelivery, toWebhook, type RawAttempt, type RawDelivery, type RawWebhook } from '../rows/webhooks.ts';
import type { AttemptOutcome, AttemptRow, DeliveryRow, Unannounced, WebhookRow } from '../webhooks.ts';
import { insertUnique, type Sql } from './sql.ts';

/** {@inheritDoc WebhookRepository.insert} */
export async function insertWebhook(q: Sql, input: Omit<WebhookRow, 'webhookId'>): Promise<WebhookRow> {
  const row: WebhookRow = { webhookId: newId('wh'), ...input };
  await insertUnique(
    () =>
      q.run('INSERT INTO webhooks (webhook_id, deployment_group_id, name, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        row.webhookId,
        row.deploymentGroupId,
        row.name,
        row.url,
        JSON.stringify(row.events),
        row.secret,
        row.createdAt,
      ]),
    `webhook ${input.name} already exists`,
  );
  // What happened before the group had a webhook is not news: only later changes are announced.
  await q.run('UPDATE deployments SET announced_status = status, announced_rollback = 1 WHERE deployment_group_id = $1 AND announced_status IS NULL', [input.deploymentGroupId]);
  await q.run(
    `UPDATE deployment_targets SET announced_status = status WHERE announced_status IS NULL
     AND deployment_id IN (SELECT deployment_id FROM deployments WHERE deployment_group_id = $1)`,
    [input.deploymentGroupId],
  );
  return row;
}

/** {@inheritDoc WebhookRepository.listOfGroup} */
export async function listWebhooksOfGroup(q: Sql, deploymentGroupId: string): Promise<WebhookRow[]> {
  return (await q.rows<RawWebhook>('SELECT * FROM webhooks WHERE deployment_group_id = $1 ORDER BY name', [deploymentGroupId])).map(toWebhook);
}

/** {@inheritDoc WebhookRepository.remove} */
export async function removeWebhook(q: Sql, deploymentGroupId: string, name: string): Promise<boolean> {
  const row = await q.one<{ webhook_id: string }>('SELECT webhook_id FROM webhooks WHERE deployment_group_id = $1 AND name = $2 FOR UPDATE', [deploymentGroupId, name]);
  if (!row) return false;
  await q.run('DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE webhook_id = $1)', [row.webhook_id]);
  await q.run('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [row.webhook_id]);
  await q.run('DELETE FROM webhooks WHERE webhook_id = $1', [row.webhook_id]);
  return true;
}

const WATCHED = 'd.deployment_group_id IN (SELECT deployment_group_id FROM webhooks)';

/** {@inheritDoc WebhookRepository.unannounced} */
export async function unannouncedChanges(q: Sql, limit: number): Promise<Unannounced[]> {
  const deployments = await q.rows<{ deployment_id: string; deployment_group_id: string; announced_status: string | null; status: string; rollback: boolean }>(
    `SELECT d.deployment_id, d.deployment_group_id, d.announced_status, d.status,
            (d.rollback_deployment_id IS NOT NULL AND d.announced_rollback = 0) AS rollback
     FROM deployments d WHERE ${WATCHED}
       AND ((d.announced_status IS NULL AND d.status NOT IN ('Created', 'Queued')) OR d.announced_status <> d.status
            OR (d.rollback_deployment_id IS NOT NULL AND d.announced_rollback = 0))
     ORDER BY d.created_at, d.deployment_id LIMIT $1`,
    [limit],
  );
  const targets = await q.rows<{ deployment_id: string; deployment_group_id: string; instance_id: string; announced_status: string | null; status: string }>(
    `SELECT t.deployment_id, d.deployment_group_id, t.instance_id, t.announced_status, t.status FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE ${WATCHED} AND t.status IN ('InProgress', 'Succeeded', 'Failed') AND (t.announced_status IS NULL OR t.announced_status <> t.status)
     ORDER BY d.created_at, t.position LIMIT $1`,
    [limit],
  );
  return [
    ...deployments.map((r) => ({ deploymentId: r.deployment_id, deploymentGroupId: r.deployment_group_id, announced: r.announced_status, status: r.status, rollback: r.rollback })),
    ...targets.map((r) => ({ deploymentId: r.deployment_id, deploymentGroupId: r.deployment_group_id, instanceId: r.instance_id, announced: r.announced_status, status: r.status })),
  ];
}

/** {@inheritDoc WebhookRepository.markAnnounced} */
export async function markAnnounced(q: Sql, change: Unannounced): Promise<boolean> {
  // READ COMMITTED re-checks the WHERE on the row another unit of work just committed: of two
  // coordinators announcing the same change, the second moves nothing.
  if (change.instanceId !== undefined) {
    return (
      (await q.run('UPDATE deployment_targets SET announced_status = $1 WHERE deployment_id = $2 AND instance_id = $3 AND announced_status IS NOT DISTINCT FROM $4', [
        change.status,
        change.deploymentId,
        change.instanceId,
        change.announced,
      ])) > 0
    );
  }
  const rollback = change.rollback === true;
  return (
    (await q.run(
      `UPDATE deployments SET announced_status = $1, announced_rollback = CASE WHEN $2 THEN 1 ELSE announced_rollback END
       WHERE deployment_id = $3 AND announced_status IS NOT DISTINCT FROM $4 AND (NOT $2 OR announced_rollback = 0)`,
      [change.status, rollback, change.deploymentId, change.announced],
    )) > 0
  );
}

/** {@inheritDoc WebhookRepository.enqueue} */
export async function enqueueDelivery(q: Sql, d: Omit<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt'>): Promise<void> {
  await q.run(
    `INSERT INTO webhook_deliveries (delivery_id, webhook_id, event, deployment_id, instance_id, payload, status, attempts, created_at, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'Pending', 0, $7, $7)`,
    [d.deliveryId, d.webhookId, d.event, d.deploymentId ?? null, d.instanceId ?? null, d.payload, d.createdAt],
  );
}

/** {@inheritDoc WebhookRepository.due} */
export async function dueDeliveries(q: Sql, at: string, limit: number, claimUntil: string): Promise<Array<DeliveryRow & { url: string; secret: string }>> {
  // Each webhook's oldest pending message only: the next waits for it, so receivers see them in
  // order. Rows another coordinator is claiming are skipped; once it committed they are not due.
  const rows = await q.rows<RawDelivery & { url: string; secret: string }>(
    `WITH picked AS (
       SELECT x.seq, x.next_attempt_at FROM webhook_deliveries x
       WHERE x.status = 'Pending' AND x.seq = (SELECT MIN(y.seq) FROM webhook_deliveries y WHERE y.webhook_id = x.webhook_id AND y.status = 'Pending')
         AND x.next_attempt_at <= $1 ORDER BY x.next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED),
     claimed AS (
       UPDATE webhook_deliveries d SET next_attempt_at = $3 FROM picked WHERE d.seq = picked.seq
       RETURNING d.delivery_id, d.webhook_id, d.event, d.deployment_id, d.instance_id, d.payload, d.status, d.attempts, d.created_at,
         picked.next_attempt_at)
     SELECT c.*, w.url, w.secret FROM claimed c JOIN webhooks w ON w.webhook_id = c.webhook_id ORDER BY c.next_attempt_at, c.delivery_id`,
    [at, limit, claimUntil],
  );
  return rows.map((r) => ({ ...toDelivery(r), url: r.url, secret: r.secret }));
}

/** {@inheritDoc WebhookRepository.recordAttempt} */
export async function recordDeliveryAttempt(q: Sql, deliveryId: string, o: AttemptOutcome): Promise<void> {
  const row = await q.one<{ attempts: number }>('SELECT attempts FROM webhook_deliveries WHERE delivery_id = $1 FOR UPDATE', [deliveryId]);
  if (!row) return;
  const attempt = row.attempts + 1;
  await q.run('INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)', [
    deliveryId,
    attempt,
    o.at,
    o.statusCode ?? null,
    o.error ?? null,
    o.durationMs,
  ]);
  const status = o.ok ? 'Succeeded' : o.retryAt === undefined ? 'Failed' : 'Pending';
  await q.run('UPDATE webhook_deliveries SET attempts = $1, status = $2, next_attempt_at = $3 WHERE delivery_id = $4', [attempt, status, o.retryAt ?? null, deliveryId]);
}

/** {@inheritDoc WebhookRepository.nextDue} */
export async function nextDueDelivery(q: Sql): Promise<string | undefined> {
  const row = await q.one<{ t: string | null }>(`SELECT MIN(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'Pending'`);
  return row?.t ?? undefined;
}

/** {@inheritDoc WebhookRepository.deliveries} */
export async function listDeliveries(q: Sql, webhookId: string, limit: number): Promise<Array<DeliveryRow & { attemptList: AttemptRow[] }>> {
  const rows = (await q.rows<RawDelivery>('SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY seq DESC LIMIT $2', [webhookId, limit])).map(toDelivery);
  const attempts = await q.rows<RawAttempt>('SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY delivery_id, attempt', [rows.map((d) => d.deliveryId)]);
  return rows.map((d) => ({ ...d, attemptList: attempts.filter((a) => a.delivery_id === d.deliveryId).map(toAttempt) }));
}
