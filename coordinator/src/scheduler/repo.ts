/**
 * SQL the scheduler runs against the deployments table (schema in store/migrations.ts); the
 * per-host rows are in target-rows.ts. Callers own the transactions.
 */
import { prepared } from '../store/statements.ts';
import type { Db } from '../store/db.ts';
import type { AutoRollbackConfiguration, DeploymentErrorCode, DeploymentStatus, FileExistsBehavior } from '../../../protocol/src/index.ts';
import { parseJsonColumn } from '../store/rows.ts';

/** A stored deployment, as the scheduler needs it. */
export interface DeploymentRow {
  deploymentId: string;
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  status: DeploymentStatus;
  creator: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  updateOutdatedOnly: boolean;
  /** The deployment's own override; undefined means the group's configuration. */
  autoRollback?: AutoRollbackConfiguration;
  /** Explicit hosts; undefined means the group's members when it starts. */
  targetInstances?: string[];
  rollbackOf?: string;
}

interface RawDeployment {
  deployment_id: string;
  application_id: string;
  deployment_group_id: string;
  revision_id: string;
  deployment_config_name: string;
  status: DeploymentStatus;
  creator: string;
  file_exists_behavior: FileExistsBehavior;
  ignore_application_stop_failures: number;
  update_outdated_only: number;
  auto_rollback: string | null;
  target_instances: string | null;
  rollback_of: string | null;
}

function toDeployment(r: RawDeployment): DeploymentRow {
  const row: DeploymentRow = {
    deploymentId: r.deployment_id,
    applicationId: r.application_id,
    deploymentGroupId: r.deployment_group_id,
    revisionId: r.revision_id,
    deploymentConfigName: r.deployment_config_name,
    status: r.status,
    creator: r.creator,
    fileExistsBehavior: r.file_exists_behavior,
    ignoreApplicationStopFailures: r.ignore_application_stop_failures !== 0,
    updateOutdatedOnly: r.update_outdated_only !== 0,
  };
  if (r.auto_rollback !== null) row.autoRollback = parseJsonColumn(r.auto_rollback, 'deployments.auto_rollback');
  if (r.target_instances !== null) row.targetInstances = parseJsonColumn(r.target_instances, 'deployments.target_instances');
  if (r.rollback_of !== null) row.rollbackOf = r.rollback_of;
  return row;
}

/** The deployment, or undefined. */
export function getDeployment(db: Db, deploymentId: string): DeploymentRow | undefined {
  const r = prepared(db, 'SELECT * FROM deployments WHERE deployment_id = ?').get(deploymentId) as RawDeployment | undefined;
  return r ? toDeployment(r) : undefined;
}

/** Every deployment with the given status, oldest first. */
export function listDeploymentsByStatus(db: Db, status: string): DeploymentRow[] {
  const rows = prepared(db, 'SELECT * FROM deployments WHERE status = ? ORDER BY created_at, deployment_id').all(status) as RawDeployment[];
  return rows.map(toDeployment);
}

function firstOfGroup(db: Db, deploymentGroupId: string, statuses: string): string | undefined {
  const r = prepared(db,
      `SELECT deployment_id FROM deployments WHERE deployment_group_id = ? AND status IN (${statuses})
       ORDER BY created_at, rowid LIMIT 1`,
    )
    .get(deploymentGroupId) as { deployment_id: string } | undefined;
  return r?.deployment_id;
}

/** The id of the group's active deployment (running or queued), if any. */
export function activeDeploymentOfGroup(db: Db, deploymentGroupId: string): string | undefined {
  return firstOfGroup(db, deploymentGroupId, `'Created','InProgress','Queued'`);
}

/** The id of the deployment running on the group, if any (queued ones do not count). */
export function runningDeploymentOfGroup(db: Db, deploymentGroupId: string): string | undefined {
  return firstOfGroup(db, deploymentGroupId, `'Created','InProgress'`);
}

/** The oldest deployment queued behind the group's running one, if any. */
export function nextQueuedDeployment(db: Db, deploymentGroupId: string): string | undefined {
  return firstOfGroup(db, deploymentGroupId, `'Queued'`);
}

/** Sets the deployment InProgress with its start time. */
export function markStarted(db: Db, deploymentId: string, at: string): void {
  prepared(db, `UPDATE deployments SET status = 'InProgress', started_at = ? WHERE deployment_id = ?`).run(at, deploymentId);
}

/**
 * Ends the deployment, on failure or stop with its error information, if it is still in status
 * `from`; false when it is not (nothing changes then).
 */
export function markCompleted(
  db: Db,
  deploymentId: string,
  from: DeploymentStatus,
  status: 'Succeeded' | 'Failed' | 'Stopped',
  at: string,
  error?: { code: DeploymentErrorCode; message: string },
): boolean {
  return prepared(db,
    'UPDATE deployments SET status = ?, completed_at = ?, error_code = ?, error_message = ? WHERE deployment_id = ? AND status = ?',
  ).run(status, at, error?.code ?? null, error?.message ?? null, deploymentId, from).changes === 1;
}

/** Records the deployment as the group's last successful one. */
export function markGroupSuccess(db: Db, deploymentGroupId: string, deploymentId: string): void {
  prepared(db, 'UPDATE deployment_groups SET last_successful_deployment_id = ? WHERE deployment_group_id = ?').run(
    deploymentId,
    deploymentGroupId,
  );
}

/** Links a deployment to the rollback it triggered (or says why there is none). */
export function setRollbackInfo(db: Db, deploymentId: string, info: { rollbackDeploymentId?: string; message: string }): void {
  prepared(db, 'UPDATE deployments SET rollback_deployment_id = ?, rollback_message = ? WHERE deployment_id = ?').run(
    info.rollbackDeploymentId ?? null,
    info.message,
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
  updateOutdatedOnly?: boolean;
  autoRollback?: AutoRollbackConfiguration;
  targetInstances?: readonly string[];
  rollbackOf?: string;
  createdAt: string;
}

/** Stores a deployment in status Created or Queued. */
export function insertDeployment(db: Db, d: DeploymentInsert, status: 'Created' | 'Queued' = 'Created'): void {
  prepared(db,
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
       status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at,
       update_outdated_only, auto_rollback, target_instances, rollback_of)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
  );
}

/** The stored parameters of a deployment (to copy them into a rollback). */
export function parametersOf(db: Db, deploymentId: string): Record<string, string> {
  const r = prepared(db, 'SELECT parameters FROM deployments WHERE deployment_id = ?').get(deploymentId) as { parameters: string } | undefined;
  return r ? parseJsonColumn<Record<string, string>>(r.parameters, 'deployments.parameters') : {};
}
