/**
 * SQL the scheduler runs against the deployments, deployment_targets and target_events tables
 * (schema in store/migrations.ts). Callers own the transactions.
 */
import type { Db } from '../store/db.ts';
import type { DeploymentErrorCode, InstanceStatus, TagFilter } from '../../../protocol/src/index.ts';
import { IN_PLACE_EVENTS } from '../../../protocol/src/index.ts';
import type { Progress } from './health.ts';

/** A stored deployment, as the scheduler needs it. */
export interface DeploymentRow {
  deploymentId: string;
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  status: string;
}

interface RawDeployment {
  deployment_id: string;
  application_id: string;
  deployment_group_id: string;
  revision_id: string;
  deployment_config_name: string;
  status: string;
}

function toDeployment(r: RawDeployment): DeploymentRow {
  return {
    deploymentId: r.deployment_id,
    applicationId: r.application_id,
    deploymentGroupId: r.deployment_group_id,
    revisionId: r.revision_id,
    deploymentConfigName: r.deployment_config_name,
    status: r.status,
  };
}

/** The deployment, or undefined. */
export function getDeployment(db: Db, deploymentId: string): DeploymentRow | undefined {
  const r = db.prepare('SELECT * FROM deployments WHERE deployment_id = ?').get(deploymentId) as RawDeployment | undefined;
  return r ? toDeployment(r) : undefined;
}

/** Every deployment with the given status, oldest first. */
export function listDeploymentsByStatus(db: Db, status: string): DeploymentRow[] {
  const rows = db.prepare('SELECT * FROM deployments WHERE status = ? ORDER BY created_at, deployment_id').all(status) as RawDeployment[];
  return rows.map(toDeployment);
}

/** The id of the group's active deployment, if any. */
export function activeDeploymentOfGroup(db: Db, deploymentGroupId: string): string | undefined {
  const r = db
    .prepare(`SELECT deployment_id FROM deployments WHERE deployment_group_id = ? AND status IN ('Created','Queued','InProgress') LIMIT 1`)
    .get(deploymentGroupId) as { deployment_id: string } | undefined;
  return r?.deployment_id;
}

/** The group's tag filters. */
export function groupTagFilters(db: Db, deploymentGroupId: string): TagFilter[] {
  const r = db.prepare('SELECT tag_filters FROM deployment_groups WHERE deployment_group_id = ?').get(deploymentGroupId) as
    | { tag_filters: string }
    | undefined;
  return r ? (JSON.parse(r.tag_filters) as TagFilter[]) : [];
}

/** Adds the hosts as Pending targets, each with one Pending row per in-place lifecycle event. */
export function insertTargets(db: Db, deploymentId: string, instanceIds: readonly string[]): void {
  const target = db.prepare(`INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, 'Pending')`);
  const event = db.prepare(
    `INSERT INTO target_events (deployment_id, instance_id, event, position, status) VALUES (?, ?, ?, ?, 'Pending')`,
  );
  instanceIds.forEach((instanceId, position) => {
    target.run(deploymentId, instanceId, position);
    IN_PLACE_EVENTS.forEach((name, i) => event.run(deploymentId, instanceId, name, i));
  });
}

/** Counts the deployment's targets by status. */
export function progressOf(db: Db, deploymentId: string): Progress {
  const rows = db
    .prepare('SELECT status, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY status')
    .all(deploymentId) as { status: InstanceStatus; n: number }[];
  const p: Progress = { total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0 };
  for (const { status, n } of rows) {
    p.total += n;
    if (status === 'Pending') p.pending += n;
    else if (status === 'InProgress') p.inFlight += n;
    else if (status === 'Succeeded') p.succeeded += n;
    // Unknown, Skipped and Failed all mean the host did not end up healthy.
    else p.failed += n;
  }
  return p;
}

/** The first `count` Pending targets, in position order. */
export function nextPendingTargets(db: Db, deploymentId: string, count: number): string[] {
  const rows = db
    .prepare(`SELECT instance_id FROM deployment_targets WHERE deployment_id = ? AND status = 'Pending' ORDER BY position LIMIT ?`)
    .all(deploymentId, count) as { instance_id: string }[];
  return rows.map((r) => r.instance_id);
}

/** The next batch number of the deployment (1 for its first dispatch). */
export function nextBatch(db: Db, deploymentId: string): number {
  const r = db.prepare('SELECT MAX(batch) AS b FROM deployment_targets WHERE deployment_id = ?').get(deploymentId) as { b: number | null };
  return (r.b ?? 0) + 1;
}

/** Marks a target dispatched: its command id, batch and start time. */
export function markDispatched(db: Db, deploymentId: string, instanceId: string, commandId: string, batch: number, at: string): void {
  db.prepare(
    `UPDATE deployment_targets SET status = 'InProgress', command_id = ?, batch = ?, started_at = ?, updated_at = ?
     WHERE deployment_id = ? AND instance_id = ? AND status = 'Pending'`,
  ).run(commandId, batch, at, at, deploymentId, instanceId);
}

/** Sets the deployment InProgress with its start time. */
export function markStarted(db: Db, deploymentId: string, at: string): void {
  db.prepare(`UPDATE deployments SET status = 'InProgress', started_at = ? WHERE deployment_id = ?`).run(at, deploymentId);
}

/** Ends the deployment; on failure with its error information. */
export function markCompleted(
  db: Db,
  deploymentId: string,
  status: 'Succeeded' | 'Failed' | 'Stopped',
  at: string,
  error?: { code: DeploymentErrorCode; message: string },
): void {
  db.prepare(
    'UPDATE deployments SET status = ?, completed_at = ?, error_code = ?, error_message = ? WHERE deployment_id = ?',
  ).run(status, at, error?.code ?? null, error?.message ?? null, deploymentId);
}

/** Records the deployment as the group's last successful one. */
export function markGroupSuccess(db: Db, deploymentGroupId: string, deploymentId: string): void {
  db.prepare('UPDATE deployment_groups SET last_successful_deployment_id = ? WHERE deployment_group_id = ?').run(
    deploymentId,
    deploymentGroupId,
  );
}

/** Skips every target still Pending, and their events. */
export function skipPendingTargets(db: Db, deploymentId: string, at: string): void {
  db.prepare(
    `UPDATE target_events SET status = 'Skipped' WHERE deployment_id = ? AND status = 'Pending'
     AND instance_id IN (SELECT instance_id FROM deployment_targets WHERE deployment_id = ? AND status = 'Pending')`,
  ).run(deploymentId, deploymentId);
  db.prepare(`UPDATE deployment_targets SET status = 'Skipped', updated_at = ? WHERE deployment_id = ? AND status = 'Pending'`).run(
    at,
    deploymentId,
  );
}

/** What a new deployment row holds. */
export interface DeploymentInsert {
  deploymentId: string;
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  creator: string;
  fileExistsBehavior: string;
  ignoreApplicationStopFailures: boolean;
  parameters: Record<string, string>;
  description?: string;
  createdAt: string;
}

/** Stores a deployment in status Created. */
export function insertDeployment(db: Db, d: DeploymentInsert): void {
  db.prepare(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
       status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at)
     VALUES (?, ?, ?, ?, ?, 'Created', ?, ?, ?, ?, ?, ?)`,
  ).run(
    d.deploymentId,
    d.applicationId,
    d.deploymentGroupId,
    d.revisionId,
    d.deploymentConfigName,
    d.creator,
    d.fileExistsBehavior,
    d.ignoreApplicationStopFailures ? 1 : 0,
    JSON.stringify(d.parameters),
    d.description ?? null,
    d.createdAt,
  );
}

/** Targets of in-progress deployments whose command the host has not acknowledged yet. */
export function unackedTargets(db: Db): { instanceId: string; deploymentId: string; commandId: string }[] {
  const rows = db
    .prepare(
      `SELECT t.instance_id, t.deployment_id, t.command_id FROM deployment_targets t
       JOIN deployments d ON d.deployment_id = t.deployment_id
       WHERE d.status = 'InProgress' AND t.status = 'InProgress' AND t.command_id IS NOT NULL AND t.command_acked = 0
       ORDER BY t.started_at`,
    )
    .all() as { instance_id: string; deployment_id: string; command_id: string }[];
  return rows.map((r) => ({ instanceId: r.instance_id, deploymentId: r.deployment_id, commandId: r.command_id }));
}
