/**
 * Deployment groups in PostgreSQL (store/groups.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { GROUP_DEFAULTS, type DeploymentGroupRow, type NewDeploymentGroup } from '../groups.ts';
import { toGroup, type RawGroup } from '../rows/catalog.ts';
import type { Sql } from './sql.ts';

/** Creates a group; throws CONFLICT when the application already has one of that name. */
export async function insertDeploymentGroup(q: Sql, input: NewDeploymentGroup): Promise<DeploymentGroupRow> {
  const row: DeploymentGroupRow = { deploymentGroupId: newId('dg'), ...GROUP_DEFAULTS, ...input };
  const n = await q.run(
    `INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, tag_set, instance_names,
       deployment_config_name, auto_rollback, agent_wait_seconds, event_timeout_seconds, auto_deploy_new_instances, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
    [
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
    ],
  );
  if (n === 0) throw new DeckhandError('CONFLICT', `deployment group ${input.name} already exists`);
  return row;
}

/** The group with this id, if any. */
export async function getDeploymentGroup(q: Sql, deploymentGroupId: string): Promise<DeploymentGroupRow | undefined> {
  const raw = await q.one<RawGroup>('SELECT * FROM deployment_groups WHERE deployment_group_id = $1', [deploymentGroupId]);
  return raw && toGroup(raw);
}

/** The group of this application with this name, if any. */
export async function getDeploymentGroupByName(q: Sql, applicationId: string, name: string): Promise<DeploymentGroupRow | undefined> {
  const raw = await q.one<RawGroup>('SELECT * FROM deployment_groups WHERE application_id = $1 AND name = $2', [applicationId, name]);
  return raw && toGroup(raw);
}

/** Every group of an application, by name. */
export async function listDeploymentGroups(q: Sql, applicationId: string): Promise<DeploymentGroupRow[]> {
  return (await q.rows<RawGroup>('SELECT * FROM deployment_groups WHERE application_id = $1 ORDER BY name', [applicationId])).map(toGroup);
}

/** Every group of every application, oldest first. */
export async function listAllDeploymentGroups(q: Sql): Promise<DeploymentGroupRow[]> {
  return (await q.rows<RawGroup>('SELECT * FROM deployment_groups ORDER BY created_at, deployment_group_id')).map(toGroup);
}

/** Records the deployment as the group's last successful one. */
export async function setLastSuccessfulDeployment(q: Sql, deploymentGroupId: string, deploymentId: string): Promise<void> {
  await q.run('UPDATE deployment_groups SET last_successful_deployment_id = $1 WHERE deployment_group_id = $2', [deploymentId, deploymentGroupId]);
}
