/**
 * Deployment rows in SQLite (store/deployments/deployments.ts has the repository's contract);
 * the rollout columns are in rollout.ts, the per-host rows in targets.ts.
 */
import { FINISHED_DEPLOYMENT_STATUSES, type DeploymentStatus } from '../../../../../protocol/src/index.ts';
import type { DeploymentError, DeploymentInsert, DeploymentRow } from '../../deployments/deployments.ts';
import { parseJsonColumn } from '../columns.ts';
import { toDeployment, type RawDeployment } from '../../rows/deployments.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';

/** The finished statuses as an SQL list; anything else is still active. */
export const FINISHED_SQL = FINISHED_DEPLOYMENT_STATUSES.map((s) => `'${s}'`).join(', ');

/** The deployment, or undefined. */
export function getDeployment(db: Db, deploymentId: string): DeploymentRow | undefined {
  const r = prepared(db, 'SELECT * FROM deployments WHERE deployment_id = ?').get(deploymentId) as RawDeployment | undefined;
  return r ? toDeployment(r) : undefined;
}

/** Every deployment with the given status, oldest first. */
export function listDeploymentsByStatus(db: Db, status: DeploymentStatus): DeploymentRow[] {
  const rows = prepared(db, 'SELECT * FROM deployments WHERE status = ? ORDER BY created_at, deployment_id').all(status) as RawDeployment[];
  return rows.map(toDeployment);
}

function firstOfGroup(db: Db, deploymentGroupId: string, condition: string): string | undefined {
  const r = prepared(db, `SELECT deployment_id FROM deployments WHERE deployment_group_id = ? AND ${condition} ORDER BY created_at, rowid LIMIT 1`)
    .get(deploymentGroupId) as { deployment_id: string } | undefined;
  return r?.deployment_id;
}

/** The id of the group's oldest unfinished deployment (running or queued), if any. */
export function activeDeploymentOfGroup(db: Db, deploymentGroupId: string): string | undefined {
  return firstOfGroup(db, deploymentGroupId, `status NOT IN (${FINISHED_SQL})`);
}

/** The id of the deployment running on the group, if any (queued ones do not count). */
export function runningDeploymentOfGroup(db: Db, deploymentGroupId: string): string | undefined {
  return firstOfGroup(db, deploymentGroupId, `status NOT IN (${FINISHED_SQL}, 'Queued')`);
}

/** The oldest deployment queued behind the group's running one, if any. */
export function nextQueuedDeployment(db: Db, deploymentGroupId: string): string | undefined {
  return firstOfGroup(db, deploymentGroupId, `status = 'Queued'`);
}

/** The explicit hosts of each deployment queued on the group; undefined: the whole group. */
export function queuedTargetsOfGroup(db: Db, deploymentGroupId: string): (string[] | undefined)[] {
  const rows = prepared(db, `SELECT target_instances FROM deployments WHERE deployment_group_id = ? AND status = 'Queued'`).all(deploymentGroupId) as {
    target_instances: string | null;
  }[];
  return rows.map((r) => (r.target_instances === null ? undefined : parseJsonColumn<string[]>(r.target_instances, 'deployments.target_instances')));
}

/** The group's latest Failed or Stopped deployment without a rollback, created since `sinceDeploymentId`. */
export function latestUnsuccessfulOfGroup(db: Db, deploymentGroupId: string, sinceDeploymentId: string | undefined): string | undefined {
  const r = prepared(db,
    `SELECT deployment_id FROM deployments WHERE deployment_group_id = ? AND status IN ('Failed', 'Stopped')
       AND rollback_deployment_id IS NULL
       AND created_at >= COALESCE((SELECT created_at FROM deployments WHERE deployment_id = ?), '')
     ORDER BY created_at DESC, rowid DESC LIMIT 1`,
  ).get(deploymentGroupId, sinceDeploymentId ?? null) as { deployment_id: string } | undefined;
  return r?.deployment_id;
}

/** Sets the deployment InProgress with its start time if it is still `from`. */
export function markStarted(db: Db, deploymentId: string, from: DeploymentStatus, at: string): boolean {
  return prepared(db, `UPDATE deployments SET status = 'InProgress', started_at = ? WHERE deployment_id = ? AND status = ?`).run(at, deploymentId, from).changes === 1;
}

/** Ends the deployment, on failure or stop with its error information, if it is still `from`. */
export function markCompleted(
  db: Db,
  deploymentId: string,
  from: DeploymentStatus,
  status: 'Succeeded' | 'Failed' | 'Stopped',
  at: string,
  error?: DeploymentError,
): boolean {
  return prepared(db,
    'UPDATE deployments SET status = ?, completed_at = ?, error_code = ?, error_message = ? WHERE deployment_id = ? AND status = ?',
  ).run(status, at, error?.code ?? null, error?.message ?? null, deploymentId, from).changes === 1;
}

/** Links a deployment to the rollback it triggered (or says why there is none). */
export function setRollbackInfo(db: Db, deploymentId: string, info: { rollbackDeploymentId?: string; message: string }): void {
  prepared(db, 'UPDATE deployments SET rollback_deployment_id = ?, rollback_message = ? WHERE deployment_id = ?').run(
    info.rollbackDeploymentId ?? null,
    info.message,
    deploymentId,
  );
}

/** Stores a deployment in status Created or Queued. */
export function insertDeployment(db: Db, d: DeploymentInsert, status: 'Created' | 'Queued'): void {
  prepared(db,
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
       status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at,
       update_outdated_only, auto_rollback, target_instances, rollback_of, require_approval)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    d.deploymentId,
    d.applicationId,
    d.deploymentGroupId,
    d.revisionId,
    d.deploymentConfigName,
    status,
    d.creator,
    d.fileExistsBehavior,
    d.ignoreApplicationStopFailures ? 1 : 0,
    JSON.stringify(d.parameters),
    d.description ?? null,
    d.createdAt,
    d.updateOutdatedOnly ? 1 : 0,
    d.autoRollback === undefined ? null : JSON.stringify(d.autoRollback),
    d.targetInstances === undefined ? null : JSON.stringify(d.targetInstances),
    d.rollbackOf ?? null,
    d.requireApproval === undefined ? null : d.requireApproval ? 1 : 0,
  );
}

/** The stored parameters of a deployment (to copy them into a rollback). */
export function parametersOf(db: Db, deploymentId: string): Record<string, string> {
  const r = prepared(db, 'SELECT parameters FROM deployments WHERE deployment_id = ?').get(deploymentId) as { parameters: string } | undefined;
  return r ? parseJsonColumn<Record<string, string>>(r.parameters, 'deployments.parameters') : {};
}

/** The event timeout (seconds) of the deployment's group: one column, one statement, per dispatch. */
export function eventTimeoutOf(db: Db, deploymentId: string): number | undefined {
  const r = prepared(db,
    `SELECT g.event_timeout_seconds FROM deployments d
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id WHERE d.deployment_id = ?`,
  ).get(deploymentId) as { event_timeout_seconds: number } | undefined;
  return r?.event_timeout_seconds;
}
