/**
 * Deployment targets and their lifecycle events in PostgreSQL (store/deployments/targets.ts has
 * the repository's contract). Writes that change many hosts are one statement over arrays, so
 * the progress trigger runs once per statement. The scheduler's writes only change a target
 * still in the status they expect: an agent's outcome recorded meanwhile by another coordinator
 * is never overwritten.
 */
import { AGENT_EVENT_ORDER, type ErrorCode } from '../../../../../protocol/src/index.ts';
import type { Dispatch, HostCommand, HostOutcome, LiveTarget, PendingBatch, UnackedCommand } from '../../deployments/targets.ts';
import { toLive } from '../../rows/deployments.ts';
import { amongClause, type Sql } from '../sql.ts';
import { FINISHED_SQL } from './deployments.ts';

/** Adds the hosts as Pending targets, each with one Pending row per lifecycle event an agent runs (AGENT_EVENT_ORDER). */
export async function insertTargets(q: Sql, deploymentId: string, instanceIds: readonly string[]): Promise<void> {
  await q.run(
    `INSERT INTO deployment_targets (deployment_id, instance_id, position, status)
     SELECT $1, h.id, h.n - 1, 'Pending' FROM unnest($2::text[]) WITH ORDINALITY AS h(id, n)`,
    [deploymentId, instanceIds],
  );
  await q.run(
    `INSERT INTO target_events (deployment_id, instance_id, event, position, status)
     SELECT $1, h.id, e.event, e.n - 1, 'Pending' FROM unnest($2::text[]) AS h(id) CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS e(event, n)`,
    [deploymentId, instanceIds, AGENT_EVENT_ORDER as readonly string[]],
  );
}

/** The deployment's next batch number and its first `count` Pending targets, in position order. */
export async function nextPendingBatch(q: Sql, deploymentId: string, count: number): Promise<PendingBatch> {
  const b = await q.one<{ b: number | null }>('SELECT MAX(batch) AS b FROM deployment_targets WHERE deployment_id = $1', [deploymentId]);
  const rows = await q.rows<{ instance_id: string }>(
    `SELECT instance_id FROM deployment_targets WHERE deployment_id = $1 AND status = 'Pending' ORDER BY position LIMIT $2`,
    [deploymentId, count],
  );
  return { batch: (b?.b ?? 0) + 1, instanceIds: rows.map((r) => r.instance_id) };
}

/** Takes Pending or WaitingForAgent targets: InProgress, each with its command id, until the deadline. */
export async function markDispatched(q: Sql, deploymentId: string, hosts: readonly HostCommand[], d: Dispatch): Promise<string[]> {
  if (hosts.length === 0) return [];
  const rows = await q.rows<{ instance_id: string }>(
    `UPDATE deployment_targets t SET status = 'InProgress', command_id = h.command_id, started_at = $3, updated_at = $3,
       deadline_at = $4, batch = COALESCE($5, t.batch)
     FROM unnest($2::text[], $6::text[]) AS h(instance_id, command_id)
     WHERE t.deployment_id = $1 AND t.instance_id = h.instance_id AND t.status IN ('Pending', 'WaitingForAgent')
     RETURNING t.instance_id`,
    [deploymentId, hosts.map((h) => h.instanceId), d.at, d.deadline, d.batch ?? null, hosts.map((h) => h.commandId)],
  );
  return rows.map((r) => r.instance_id);
}

/** Takes Pending targets whose agent is offline: WaitingForAgent until the deadline. */
export async function markWaiting(q: Sql, deploymentId: string, instanceIds: readonly string[], d: Dispatch): Promise<void> {
  if (instanceIds.length === 0) return;
  await q.run(
    `UPDATE deployment_targets SET status = 'WaitingForAgent', updated_at = $3, deadline_at = $4, batch = COALESCE($5, batch)
     WHERE deployment_id = $1 AND instance_id = ANY($2) AND status = 'Pending'`,
    [deploymentId, instanceIds, d.at, d.deadline, d.batch ?? null],
  );
}

/** Skips every target still Pending or WaitingForAgent, and their events, saying why. */
export async function skipPendingTargets(q: Sql, deploymentId: string, at: string, reason: string): Promise<void> {
  await q.run(
    `UPDATE target_events SET status = 'Skipped' WHERE deployment_id = $1 AND status = 'Pending'
     AND instance_id IN (SELECT instance_id FROM deployment_targets WHERE deployment_id = $1 AND status IN ('Pending', 'WaitingForAgent'))`,
    [deploymentId],
  );
  await q.run(
    `UPDATE deployment_targets SET status = 'Skipped', updated_at = $2, deadline_at = NULL, message = $3
     WHERE deployment_id = $1 AND status IN ('Pending', 'WaitingForAgent')`,
    [deploymentId, at, reason],
  );
}

/**
 * Ends a target the scheduler gave up on: Failed with `code`; its running event becomes Unknown
 * and the events it never reached Skipped. A target that finished meanwhile stays as it is.
 */
export async function failTarget(q: Sql, t: { deploymentId: string; instanceId: string }, code: ErrorCode, message: string, at: string): Promise<void> {
  const failed = await q.run(
    `UPDATE deployment_targets SET status = 'Failed', error_code = $3, message = $4, updated_at = $5, deadline_at = NULL
     WHERE deployment_id = $1 AND instance_id = $2 AND status IN ('Pending', 'InProgress', 'WaitingForAgent')`,
    [t.deploymentId, t.instanceId, code, message, at],
  );
  if (failed === 0) return;
  await q.run(
    `UPDATE target_events SET status = 'Unknown', ended_at = $3, error_code = 'UnknownError', message = $4
     WHERE deployment_id = $1 AND instance_id = $2 AND status = 'InProgress'`,
    [t.deploymentId, t.instanceId, at, message],
  );
  await q.run(`UPDATE target_events SET status = 'Skipped' WHERE deployment_id = $1 AND instance_id = $2 AND status = 'Pending'`, [t.deploymentId, t.instanceId]);
}

const LIVE_SQL = `SELECT t.deployment_id, t.instance_id, t.status, t.command_id, d.status AS deployment_status
  FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id`;

type RawLive = Parameters<typeof toLive>[0];

/** Targets whose deadline is at or before `at` (of the deployments `among`, when given). */
export async function expiredTargets(q: Sql, at: string, among?: readonly string[]): Promise<LiveTarget[]> {
  const only = amongClause('t.deployment_id', among, 2);
  const rows = await q.rows<RawLive>(
    `${LIVE_SQL} WHERE t.deadline_at IS NOT NULL AND t.deadline_at <= $1 AND t.status IN ('InProgress', 'WaitingForAgent')${only.sql}`,
    [at, ...only.args],
  );
  return rows.map(toLive);
}

/** The host's targets that are waiting for its agent or still running. */
export async function liveTargetsOf(q: Sql, instanceId: string): Promise<LiveTarget[]> {
  const rows = await q.rows<RawLive>(`${LIVE_SQL} WHERE t.instance_id = $1 AND t.status IN ('InProgress', 'WaitingForAgent') ORDER BY d.created_at`, [instanceId]);
  return rows.map(toLive);
}

/** The targets of a deployment that are still running on their host. */
export async function runningTargetsOf(q: Sql, deploymentId: string): Promise<LiveTarget[]> {
  return (await q.rows<RawLive>(`${LIVE_SQL} WHERE t.deployment_id = $1 AND t.status = 'InProgress'`, [deploymentId])).map(toLive);
}

/** The targets of a deployment waiting for their agent to connect. */
export async function waitingTargetsOf(q: Sql, deploymentId: string): Promise<LiveTarget[]> {
  return (await q.rows<RawLive>(`${LIVE_SQL} WHERE t.deployment_id = $1 AND t.status = 'WaitingForAgent' ORDER BY t.position`, [deploymentId])).map(toLive);
}

/** The earliest stored deadline (of the deployments `among`, when given): a host's, or a bake's end. */
export async function earliestDeadline(q: Sql, among?: readonly string[]): Promise<string | undefined> {
  const only = amongClause('deployment_id', among, 1);
  const r = await q.one<{ d: string | null }>(
    `SELECT MIN(d) AS d FROM (
       SELECT MIN(deadline_at) AS d FROM deployment_targets WHERE deadline_at IS NOT NULL AND status IN ('InProgress', 'WaitingForAgent')${only.sql}
       UNION ALL
       SELECT MIN(bake_until) FROM deployments WHERE bake_until IS NOT NULL AND status = 'InProgress'${only.sql}) x`,
    only.args,
  );
  return r?.d ?? undefined;
}

/** Targets of in-progress deployments (among `among`, when given) whose command the host has not acknowledged. */
export async function unackedTargets(q: Sql, among?: readonly string[]): Promise<UnackedCommand[]> {
  const rows = await q.rows<{ instance_id: string; deployment_id: string; command_id: string }>(
    `SELECT t.instance_id, t.deployment_id, t.command_id FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.status = 'InProgress' AND t.status = 'InProgress' AND t.command_id IS NOT NULL AND t.command_acked = 0${amongClause('t.deployment_id', among, 1).sql}
     ORDER BY t.started_at`,
    amongClause('t.deployment_id', among, 1).args,
  );
  return rows.map((r) => ({ instanceId: r.instance_id, deploymentId: r.deployment_id, commandId: r.command_id }));
}

/** Moves every live deadline earlier than `until` (of the deployments `among`, when given) to `until`. */
export async function deferDeadlinesUntil(q: Sql, until: string, among?: readonly string[]): Promise<number> {
  const only = amongClause('deployment_id', among, 2);
  return q.run(
    `UPDATE deployment_targets SET deadline_at = $1
     WHERE deadline_at IS NOT NULL AND deadline_at < $1 AND status IN ('InProgress', 'WaitingForAgent')${only.sql}`,
    [until, ...only.args],
  );
}

/** Commands sent to the host but not acknowledged, of deployments still in progress, oldest first. */
export async function unackedCommandsOf(q: Sql, instanceId: string): Promise<UnackedCommand[]> {
  const rows = await q.rows<{ deployment_id: string; command_id: string }>(
    `SELECT t.deployment_id, t.command_id FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE t.instance_id = $1 AND t.command_id IS NOT NULL AND t.command_acked = 0
       AND t.status = 'InProgress' AND d.status = 'InProgress'
     ORDER BY t.started_at, d.created_at`,
    [instanceId],
  );
  return rows.map((r) => ({ instanceId, deploymentId: r.deployment_id, commandId: r.command_id }));
}

/** True when a deployment of the revision has sent the host its command (it may download the revision). */
export async function wasCommanded(q: Sql, instanceId: string, revisionId: string): Promise<boolean> {
  const row = await q.one(
    `SELECT 1 FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE t.instance_id = $1 AND d.revision_id = $2 AND t.command_id IS NOT NULL LIMIT 1`,
    [instanceId, revisionId],
  );
  return row !== undefined;
}

/** Records that the host journaled the command; false when no such command was sent to it. */
export async function acknowledgeCommand(q: Sql, instanceId: string, commandId: string): Promise<boolean> {
  return (await q.run('UPDATE deployment_targets SET command_acked = 1 WHERE instance_id = $1 AND command_id = $2', [instanceId, commandId])) === 1;
}

/** Records a burst of command acknowledgements in one statement; one answer each. */
export async function acknowledgeCommands(q: Sql, acks: readonly { instanceId: string; commandId: string }[]): Promise<boolean[]> {
  if (acks.length === 0) return [];
  const rows = await q.rows<{ instance_id: string; command_id: string }>(
    `UPDATE deployment_targets t SET command_acked = 1 FROM unnest($1::text[], $2::text[]) AS a(instance_id, command_id)
     WHERE t.instance_id = a.instance_id AND t.command_id = a.command_id RETURNING t.instance_id, t.command_id`,
    [acks.map((a) => a.instanceId), acks.map((a) => a.commandId)],
  );
  const known = new Set(rows.map((r) => `${r.instance_id}\u0000${r.command_id}`));
  return acks.map((a) => known.has(`${a.instanceId}\u0000${a.commandId}`));
}

/** Every finished target of the group's deployments, oldest deployment (then update) first. */
export async function outcomesInGroup(q: Sql, deploymentGroupId: string): Promise<HostOutcome[]> {
  const rows = await q.rows<{ instance_id: string; status: 'Succeeded' | 'Failed'; revision_id: string }>(
    `SELECT t.instance_id, t.status, d.revision_id FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.deployment_group_id = $1 AND t.status IN ('Succeeded', 'Failed')
     ORDER BY d.created_at, d.rowid, t.updated_at, t.position`,
    [deploymentGroupId],
  );
  return rows.map((r) => ({ instanceId: r.instance_id, status: r.status, revisionId: r.revision_id }));
}

/** True when a running deployment of the group still has the host to do (pending, waiting or running). */
export async function isComingTo(q: Sql, deploymentGroupId: string, instanceId: string): Promise<boolean> {
  const row = await q.one(
    `SELECT 1 FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.deployment_group_id = $1 AND d.status IN ('Created', 'InProgress') AND t.instance_id = $2
       AND t.status IN ('Pending', 'InProgress', 'WaitingForAgent') LIMIT 1`,
    [deploymentGroupId, instanceId],
  );
  return row !== undefined;
}

/** Ids of unfinished deployments that target the host. */
export async function unfinishedDeploymentsOf(q: Sql, instanceId: string): Promise<string[]> {
  const rows = await q.rows<{ id: string }>(
    `SELECT t.deployment_id AS id FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE t.instance_id = $1 AND d.status NOT IN (${FINISHED_SQL}) ORDER BY t.deployment_id`,
    [instanceId],
  );
  return rows.map((r) => r.id);
}
