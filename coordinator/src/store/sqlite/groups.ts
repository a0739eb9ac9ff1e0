/**
 * Deployment groups in SQLite (store/groups.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError, type AutoRollbackConfiguration, type TagFilter, type TagSet } from '../../../../protocol/src/index.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { isUniqueViolation, parseJsonColumn, setOptional } from './columns.ts';
import { GROUP_DEFAULTS, type DeploymentGroupRow, type NewDeploymentGroup } from '../groups.ts';

interface RawGroup {
  deployment_group_id: string;
  application_id: string;
  name: string;
  tag_filters: string;
  tag_set: string | null;
  instance_names: string;
  deployment_config_name: string;
  auto_rollback: string | null;
  agent_wait_seconds: number;
  event_timeout_seconds: number;
  auto_deploy_new_instances: number;
  last_successful_deployment_id: string | null;
  created_at: string;
}

function toRow(raw: RawGroup): DeploymentGroupRow {
  const row: DeploymentGroupRow = {
    deploymentGroupId: raw.deployment_group_id,
    applicationId: raw.application_id,
    name: raw.name,
    tagFilters: parseJsonColumn<TagFilter[]>(raw.tag_filters, 'deployment_groups.tag_filters'),
    instanceNames: parseJsonColumn<string[]>(raw.instance_names, 'deployment_groups.instance_names'),
    deploymentConfigName: raw.deployment_config_name,
    agentWaitSeconds: raw.agent_wait_seconds,
    eventTimeoutSeconds: raw.event_timeout_seconds,
    autoDeployNewInstances: raw.auto_deploy_new_instances !== 0,
    createdAt: raw.created_at,
  };
  if (raw.tag_set !== null) row.tagSet = parseJsonColumn<TagSet>(raw.tag_set, 'deployment_groups.tag_set');
  if (raw.auto_rollback !== null) {
    row.autoRollback = parseJsonColumn<AutoRollbackConfiguration>(raw.auto_rollback, 'deployment_groups.auto_rollback');
  }
  setOptional(row, 'lastSuccessfulDeploymentId', raw.last_successful_deployment_id);
  return row;
}

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
