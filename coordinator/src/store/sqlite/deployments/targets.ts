/**
 * Deployment targets and their lifecycle events in SQLite (store/deployments/targets.ts has the
 * repository's contract): one row per host of a deployment, one per lifecycle event of each.
 * Callers own the transactions.
 */
import { AGENT_EVENT_ORDER, type ErrorCode } from '../../../../../protocol/src/index.ts';
import type { Dispatch, HostCommand, HostOutcome, LiveTarget, PendingBatch, UnackedCommand } from '../../deployments/targets.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';
import { FINISHED_SQL } from './deployments.ts';
import { toLive } from '../../rows/deployments.ts';
import { amongClause } from '../columns.ts';

/** Adds the hosts as Pending targets, each with one Pending row per lifecycle event an agent runs (AGENT_EVENT_ORDER). */
export function insertTargets(db: Db, deploymentId: string, instanceIds: readonly string[]): void {
  // One statement per table, not one per row: 80,000 rows at 10,000 hosts, and a call into
  // SQLite per row cost more than the inserts themselves. json_each yields the array in order,
  // its key is the index.
  const hosts = JSON.stringify(instanceIds);
  prepared(db, `INSERT INTO deployment_targets (deployment_id, instance_id, position, status) SELECT ?, value, key, 'Pending' FROM json_each(?)`).run(
    deploymentId,
    hosts,
  );
  prepared(
    db,
    `INSERT INTO target_events (deployment_id, instance_id, event, position, status)
     SELECT ?, h.value, e.value, e.key, 'Pending' FROM json_each(?) AS h CROSS JOIN json_each(?) AS e`,
  ).run(deploymentId, hosts, JSON.stringify(AGENT_EVENT_ORDER));
}

/** The first `count` Pending targets, in position order. */
export function nextPendingTargets(db: Db, deploymentId: string, count: number): string[] {
  const rows = prepared(db, `SELECT instance_id FROM deployment_targets WHERE deployment_id = ? AND status = 'Pending' ORDER BY position LIMIT ?`)
    .all(deploymentId, count) as { instance_id: string }[];
  return rows.map((r) => r.instance_id);
}

/** The next batch number of the deployment (1 for its first dispatch). */
export function nextBatch(db: Db, deploymentId: string): number {
  const r = prepared(db, 'SELECT MAX(batch) AS b FROM deployment_targets WHERE deployment_id = ?').get(deploymentId) as { b: number | null };
  return (r.b ?? 0) + 1;
}

/** The deployment's next batch number and its first `count` Pending targets, in position order. */
export function nextPendingBatch(db: Db, deploymentId: string, count: number): PendingBatch {
  return { batch: nextBatch(db, deploymentId), instanceIds: nextPendingTargets(db, deploymentId, count) };
}

/** Takes Pending or WaitingForAgent targets: InProgress, each with its command id, until the deadline. */
export function markDispatched(db: Db, deploymentId: string, hosts: readonly HostCommand[], d: Dispatch): string[] {
  // One statement per host: a prepared UPDATE by primary key is cheaper here than one UPDATE
  // over a JSON list, and the progress triggers fire per row either way.
  const update = prepared(db,
    `UPDATE deployment_targets SET status = 'InProgress', command_id = ?, started_at = ?, updated_at = ?, deadline_at = ?, batch = COALESCE(?, batch)
     WHERE deployment_id = ? AND instance_id = ? AND status IN ('Pending', 'WaitingForAgent')`,
  );
  const taken: string[] = [];
  for (const h of hosts) if (update.run(h.commandId, d.at, d.at, d.deadline, d.batch ?? null, deploymentId, h.instanceId).changes === 1) taken.push(h.instanceId);
  return taken;
}

/** Takes Pending targets whose agent is offline: WaitingForAgent until the deadline. */
export function markWaiting(db: Db, deploymentId: string, instanceIds: readonly string[], d: Dispatch): void {
  const update = prepared(db,
    `UPDATE deployment_targets SET status = 'WaitingForAgent', updated_at = ?, deadline_at = ?, batch = COALESCE(?, batch)
     WHERE deployment_id = ? AND instance_id = ? AND status = 'Pending'`,
  );
  for (const instanceId of instanceIds) update.run(d.at, d.deadline, d.batch ?? null, deploymentId, instanceId);
}

/** Skips every target still Pending or WaitingForAgent, and their events, saying why. */
export function skipPendingTargets(db: Db, deploymentId: string, at: string, reason: string): void {
  prepared(db,
    `UPDATE target_events SET status = 'Skipped' WHERE deployment_id = ? AND status = 'Pending'
     AND instance_id IN (SELECT instance_id FROM deployment_targets WHERE deployment_id = ? AND status IN ('Pending', 'WaitingForAgent'))`,
  ).run(deploymentId, deploymentId);
  prepared(db,
    `UPDATE deployment_targets SET status = 'Skipped', updated_at = ?, deadline_at = NULL, message = ?
     WHERE deployment_id = ? AND status IN ('Pending', 'WaitingForAgent')`,
  ).run(at, reason, deploymentId);
}

/**
 * Ends a target the scheduler gave up on: Failed with `code`; its running event becomes
 * Unknown (we never heard how it ended) and the events it never reached Skipped.
 */
export function failTarget(db: Db, t: { deploymentId: string; instanceId: string }, code: ErrorCode, message: string, at: string): void {
  prepared(db,
    `UPDATE target_events SET status = 'Unknown', ended_at = ?, error_code = 'UnknownError', message = ?
     WHERE deployment_id = ? AND instance_id = ? AND status = 'InProgress'`,
  ).run(at, message, t.deploymentId, t.instanceId);
  prepared(db, `UPDATE target_events SET status = 'Skipped' WHERE deployment_id = ? AND instance_id = ? AND status = 'Pending'`).run(
    t.deploymentId,
    t.instanceId,
  );
  prepared(db,
    `UPDATE deployment_targets SET status = 'Failed', error_code = ?, message = ?, updated_at = ?, deadline_at = NULL
     WHERE deployment_id = ? AND instance_id = ?`,
  ).run(code, message, at, t.deploymentId, t.instanceId);
}

const LIVE_SQL = `SELECT t.deployment_id, t.instance_id, t.status, t.command_id, d.status AS deployment_status
  FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id`;

/** Targets whose deadline is at or before `at`. */
export function expiredTargets(db: Db, at: string, among?: readonly string[]): LiveTarget[] {
  const only = amongClause('t.deployment_id', among);
  const rows = prepared(db, `${LIVE_SQL} WHERE t.deadline_at IS NOT NULL AND t.deadline_at <= ? AND t.status IN ('InProgress', 'WaitingForAgent')${only.sql}`).all(at, ...only.args);
  return (rows as Parameters<typeof toLive>[0][]).map(toLive);
}

/** The host's targets that are waiting for its agent or still running. */
export function liveTargetsOf(db: Db, instanceId: string): LiveTarget[] {
  const rows = prepared(db, `${LIVE_SQL} WHERE t.instance_id = ? AND t.status IN ('InProgress', 'WaitingForAgent') ORDER BY d.created_at`).all(instanceId);
  return (rows as Parameters<typeof toLive>[0][]).map(toLive);
}

/** The targets of a deployment that are still running on their host. */
export function runningTargetsOf(db: Db, deploymentId: string): LiveTarget[] {
  const rows = prepared(db, `${LIVE_SQL} WHERE t.deployment_id = ? AND t.status = 'InProgress'`).all(deploymentId);
  return (rows as Parameters<typeof toLive>[0][]).map(toLive);
}

/** The targets of a deployment waiting for their agent to connect. */
export function waitingTargetsOf(db: Db, deploymentId: string): LiveTarget[] {
  const rows = prepared(db, `${LIVE_SQL} WHERE t.deployment_id = ? AND t.status = 'WaitingForAgent' ORDER BY t.position`).all(deploymentId);
  return (rows as Parameters<typeof toLive>[0][]).map(toLive);
}

/**
 * The earliest stored deadline, if any: a host's, or the end of a deployment's bake between
 * two batches. Timers are recomputed from it (also after a restart).
 */
export function earliestDeadline(db: Db, among?: readonly string[]): string | undefined {
  const only = amongClause('deployment_id', among);
  const r = prepared(db,
      `SELECT MIN(d) AS d FROM (
         SELECT MIN(deadline_at) AS d FROM deployment_targets WHERE deadline_at IS NOT NULL AND status IN ('InProgress', 'WaitingForAgent')${only.sql}
         UNION ALL
         SELECT MIN(bake_until) FROM deployments WHERE bake_until IS NOT NULL AND status = 'InProgress'${only.sql})`,
    )
    .get(...only.args, ...only.args) as { d: string | null };
  return r.d ?? undefined;
}

/** Targets of in-progress deployments whose command the host has not acknowledged yet. */
export function unackedTargets(db: Db, among?: readonly string[]): UnackedCommand[] {
  const only = amongClause('t.deployment_id', among);
  const rows = prepared(db,
      `SELECT t.instance_id, t.deployment_id, t.command_id FROM deployment_targets t
       JOIN deployments d ON d.deployment_id = t.deployment_id
       WHERE d.status = 'InProgress' AND t.status = 'InProgress' AND t.command_id IS NOT NULL AND t.command_acked = 0${only.sql}
       ORDER BY t.started_at`,
    )
    .all(...only.args) as { instance_id: string; deployment_id: string; command_id: string }[];
  return rows.map((r) => ({ instanceId: r.instance_id, deploymentId: r.deployment_id, commandId: r.command_id }));
}

/** Moves every live deadline earlier than `until` to `until`; returns how many moved. */
export function deferDeadlinesUntil(db: Db, until: string, among?: readonly string[]): number {
  const only = amongClause('deployment_id', among);
  return prepared(db,
      `UPDATE deployment_targets SET deadline_at = ?
       WHERE deadline_at IS NOT NULL AND deadline_at < ? AND status IN ('InProgress', 'WaitingForAgent')${only.sql}`,
    )
    .run(until, until, ...only.args).changes;
}

/** Commands sent to the host but not acknowledged, of deployments still in progress, oldest first. */
export function unackedCommandsOf(db: Db, instanceId: string): UnackedCommand[] {
  const rows = prepared(db,
    `SELECT t.deployment_id, t.command_id FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE t.instance_id = ? AND t.command_id IS NOT NULL AND t.command_acked = 0
       AND t.status = 'InProgress' AND d.status = 'InProgress'
     ORDER BY t.started_at, d.created_at`,
  ).all(instanceId) as { deployment_id: string; command_id: string }[];
  return rows.map((r) => ({ instanceId, deploymentId: r.deployment_id, commandId: r.command_id }));
}

/** Records that the host journaled the command; false when no such command was sent to it. */
export function acknowledgeCommand(db: Db, instanceId: string, commandId: string): boolean {
  return prepared(db, 'UPDATE deployment_targets SET command_acked = 1 WHERE instance_id = ? AND command_id = ?').run(instanceId, commandId).changes === 1;
}

/** Records a burst of command acknowledgements; one answer each. */
export function acknowledgeCommands(db: Db, acks: readonly { instanceId: string; commandId: string }[]): boolean[] {
  return acks.map((a) => acknowledgeCommand(db, a.instanceId, a.commandId));
}

/** Every finished target of the group's deployments, oldest deployment (then update) first. */
export function outcomesInGroup(db: Db, deploymentGroupId: string): HostOutcome[] {
  const rows = prepared(db,
    `SELECT t.instance_id, t.status, d.revision_id FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.deployment_group_id = ? AND t.status IN ('Succeeded', 'Failed')
     ORDER BY d.created_at, t.updated_at`,
  ).all(deploymentGroupId) as { instance_id: string; status: 'Succeeded' | 'Failed'; revision_id: string }[];
  return rows.map((r) => ({ instanceId: r.instance_id, status: r.status, revisionId: r.revision_id }));
}

/** True when a running deployment of the group still has the host to do (pending, waiting or running). */
export function isComingTo(db: Db, deploymentGroupId: string, instanceId: string): boolean {
  const row = prepared(db,
    `SELECT 1 FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.deployment_group_id = ? AND d.status IN ('Created', 'InProgress') AND t.instance_id = ?
       AND t.status IN ('Pending', 'InProgress', 'WaitingForAgent')`,
  ).get(deploymentGroupId, instanceId);
  return row !== undefined;
}

/** Ids of unfinished deployments that target the host. */
export function unfinishedDeploymentsOf(db: Db, instanceId: string): string[] {
  const rows = prepared(db,
    `SELECT t.deployment_id AS id FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE t.instance_id = ? AND d.status NOT IN (${FINISHED_SQL}) ORDER BY t.deployment_id`,
  ).all(instanceId) as { id: string }[];
  return rows.map((r) => r.id);
}

/** True when a deployment of `revisionId` has sent `instanceId` its command. */
export function wasCommanded(db: Db, instanceId: string, revisionId: string): boolean {
  return prepared(db,
    `SELECT 1 FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE t.instance_id = ? AND d.revision_id = ? AND t.command_id IS NOT NULL LIMIT 1`,
  ).get(instanceId, revisionId) !== undefined;
}
