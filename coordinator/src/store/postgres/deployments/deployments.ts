/**
 * Deployment rows in PostgreSQL (store/deployments/deployments.ts has the repository's
 * contract); the rollout columns are in rollout.ts, the per-host rows in targets.ts.
 */
import { FINISHED_DEPLOYMENT_STATUSES, type DeploymentStatus } from '../../../../../protocol/src/index.ts';
import type { DeploymentError, DeploymentInsert, DeploymentRow } from '../../deployments/deployments.ts';
import { parseJsonColumn } from '../../rows/columns.ts';
import { toDeployment, type RawDeployment } from '../../rows/deployments.ts';
import type { Sql } from '../sql.ts';

/** The finished statuses as an SQL list; anything else is still active. */
export const FINISHED_SQL = FINISHED_DEPLOYMENT_STATUSES.map((s) => `'${s}'`).join(', ');

/** The deployment, or undefined. */
export async function getDeployment(q: Sql, deploymentId: string): Promise<DeploymentRow | undefined> {
  const r = await q.one<RawDeployment>('SELECT * FROM deployments WHERE deployment_id = $1', [deploymentId]);
  return r && toDeployment(r);
}

/** Every deployment with the given status, oldest first. */
export async function listDeploymentsByStatus(q: Sql, status: DeploymentStatus): Promise<DeploymentRow[]> {
  return (await q.rows<RawDeployment>('SELECT * FROM deployments WHERE status = $1 ORDER BY created_at, deployment_id', [status])).map(toDeployment);
}

async function firstOfGroup(q: Sql, deploymentGroupId: string, condition: string): Promise<string | undefined> {
  const r = await q.one<{ deployment_id: string }>(
    `SELECT deployment_id FROM deployments WHERE deployment_group_id = $1 AND ${condition} ORDER BY created_at, rowid LIMIT 1`,
    [deploymentGroupId],
  );
  return r?.deployment_id;
}

/** The id of the group's oldest unfinished deployment (running or queued), if any. */
export function activeDeploymentOfGroup(q: Sql, deploymentGroupId: string): Promise<string | undefined> {
  return firstOfGroup(q, deploymentGroupId, `status NOT IN (${FINISHED_SQL})`);
}

/** The id of the deployment running on the group, if any (queued ones do not count). */
export function runningDeploymentOfGroup(q: Sql, deploymentGroupId: string): Promise<string | undefined> {
  return firstOfGroup(q, deploymentGroupId, `status NOT IN (${FINISHED_SQL}, 'Queued')`);
}

/** The oldest deployment queued behind the group's running one, if any. */
export function nextQueuedDeployment(q: Sql, deploymentGroupId: string): Promise<string | undefined> {
  return firstOfGroup(q, deploymentGroupId, `status = 'Queued'`);
}

/** The explicit hosts of each deployment queued on the group; undefined: the whole group. */
export async function queuedTargetsOfGroup(q: Sql, deploymentGroupId: string): Promise<(string[] | undefined)[]> {
  const rows = await q.rows<{ target_instances: string | null }>(
    `SELECT target_instances FROM deployments WHERE deployment_group_id = $1 AND status = 'Queued' ORDER BY created_at, rowid`,
    [deploymentGroupId],
  );
  return rows.map((r) => (r.target_instances === null ? undefined : parseJsonColumn<string[]>(r.target_instances, 'deployments.target_instances')));
}

/** The group's latest Failed or Stopped deployment without a rollback, created since `sinceDeploymentId`. */
export async function latestUnsuccessfulOfGroup(q: Sql, deploymentGroupId: string, sinceDeploymentId: string | undefined): Promise<string | undefined> {
  const r = await q.one<{ deployment_id: string }>(
    `SELECT deployment_id FROM deployments WHERE deployment_group_id = $1 AND status IN ('Failed', 'Stopped')
       AND rollback_deployment_id IS NULL
       AND created_at >= COALESCE((SELECT created_at FROM deployments WHERE deployment_id = $2), '')
     ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    [deploymentGroupId, sinceDeploymentId ?? null],
  );
  return r?.deployment_id;
}

/** Sets the deployment InProgress with its start time if it is still `from`. */
export async function markStarted(q: Sql, deploymentId: string, from: DeploymentStatus, at: string): Promise<boolean> {
  return (await q.run(`UPDATE deployments SET status = 'InProgress', started_at = $1 WHERE deployment_id = $2 AND status = $3`, [at, deploymentId, from])) === 1;
}

/** Ends the deployment, on failure or stop with its error information, if it is still `from`. */
export async function markCompleted(
  q: Sql,
  deploymentId: string,
  from: DeploymentStatus,
  status: 'Succeeded' | 'Failed' | 'Stopped',
  at: string,
  error?: DeploymentError,
): Promise<boolean> {
  const n = await q.run('UPDATE deployments SET status = $1, completed_at = $2, error_code = $3, error_message = $4 WHERE deployment_id = $5 AND status = $6', [
    status,
    at,
    error?.code ?? null,
    error?.message ?? null,
    deploymentId,
    from,
  ]);
  return n === 1;
}

/** Links a deployment to the rollback it triggered (or says why there is none). */
export async function setRollbackInfo(q: Sql, deploymentId: string, info: { rollbackDeploymentId?: string; message: string }): Promise<void> {
  await q.run('UPDATE deployments SET rollback_deployment_id = $1, rollback_message = $2 WHERE deployment_id = $3', [
    info.rollbackDeploymentId ?? null,
    info.message,
    deploymentId,
  ]);
}

/** Stores a deployment in status Created or Queued. */
export async function insertDeployment(q: Sql, d: DeploymentInsert, status: 'Created' | 'Queued'): Promise<void> {
  await q.run(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
       status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at,
       update_outdated_only, auto_rollback, target_instances, rollback_of, require_approval)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
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
    ],
  );
}

/** The stored parameters of a deployment (to copy them into a rollback). */
export async function parametersOf(q: Sql, deploymentId: string): Promise<Record<string, string>> {
  const r = await q.one<{ parameters: string }>('SELECT parameters FROM deployments WHERE deployment_id = $1', [deploymentId]);
  return r ? parseJsonColumn<Record<string, string>>(r.parameters, 'deployments.parameters') : {};
}

/** The event timeout (seconds) of the deployment's group. */
export async function eventTimeoutOf(q: Sql, deploymentId: string): Promise<number | undefined> {
  const r = await q.one<{ event_timeout_seconds: number }>(
    `SELECT g.event_timeout_seconds FROM deployments d
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id WHERE d.deployment_id = $1`,
    [deploymentId],
  );
  return r?.event_timeout_seconds;
}
