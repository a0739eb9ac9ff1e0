/**
 * Deployment groups in SQLite (store/groups.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { isUniqueViolation } from './columns.ts';
import { GROUP_DEFAULTS, type DeploymentGroupRow, type NewDeploymentGroup } from '../groups.ts';
import { toGroup as toRow, type RawGroup } from '../rows/catalog.ts';

/** Creates a group; throws CONFLICT when the application already has one of that name. */
export function insertDeploymentGroup(db: Db, input: NewDeploymentGroup): DeploymentGroupRow {
  const row: DeploymentGroupRow = { deploymentGroupId: newId('dg'), ...GROUP_DEFAULTS, ...input };
  try {
    prepared(db,
      `INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, tag_set, instance_names,
         deployment_config_name, auto_rollback, agent_wait_seconds, event_timeout_seconds, auto_deploy_new_instances, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.deploymentGroupId,
      row.applicationId,
      row.name,
      JSON.stringify(row.tagFilters),
      row.tagSet === undefined ? null : JSON.stringify(row.tagSet),
      JSON.stringify(row.instanceNames),
      row.deploymentConfigName,
      row.autoRollback === undefined ? null : JSON.stringify(row.autoRollback),
      row.agentWaitSeconds,
      row.eventTimeoutSeconds,
      row.autoDeployNewInstances ? 1 : 0,
      row.createdAt,
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', `deployment group ${input.name} already exists`, { cause: err });
    throw err;
  }
  return row;
}

/** The group with this id, if any. */
export function getDeploymentGroup(db: Db, deploymentGroupId: string): DeploymentGroupRow | undefined {
  const raw = prepared(db, 'SELECT * FROM deployment_groups WHERE deployment_group_id = ?').get(deploymentGroupId) as RawGroup | undefined;
  return raw && toRow(raw);
}

/** The group of this application with this name, if any. */
export function getDeploymentGroupByName(db: Db, applicationId: string, name: string): DeploymentGroupRow | undefined {
  const raw = prepared(db, 'SELECT * FROM deployment_groups WHERE application_id = ? AND name = ?').get(applicationId, name) as
    | RawGroup
    | undefined;
  return raw && toRow(raw);
}

/** Every group of an application, by name. */
export function listDeploymentGroups(db: Db, applicationId: string): DeploymentGroupRow[] {
  const raws = prepared(db, 'SELECT * FROM deployment_groups WHERE application_id = ? ORDER BY name').all(applicationId) as RawGroup[];
  return raws.map(toRow);
}

/** Every group of every application, oldest first. */
export function listAllDeploymentGroups(db: Db): DeploymentGroupRow[] {
  const raws = prepared(db, 'SELECT * FROM deployment_groups ORDER BY created_at, deployment_group_id').all() as RawGroup[];
  return raws.map(toRow);
}

/** Records the deployment as the group's last successful one. */
export function setLastSuccessfulDeployment(db: Db, deploymentGroupId: string, deploymentId: string): void {
  prepared(db, 'UPDATE deployment_groups SET last_successful_deployment_id = ? WHERE deployment_group_id = ?').run(deploymentId, deploymentGroupId);
}
