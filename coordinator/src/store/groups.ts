/**
 * Deployment groups: a named set of instances (selected by tag filters) within an application.
 */
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type TagFilter } from '../../../protocol/src/index.ts';
import type { Db } from './db.ts';
import { isUniqueViolation, parseJsonColumn, setOptional } from './rows.ts';

/** One row of `deployment_groups`. */
export interface DeploymentGroupRow {
  deploymentGroupId: string;
  applicationId: string;
  name: string;
  tagFilters: TagFilter[];
  deploymentConfigName: string;
  lastSuccessfulDeploymentId?: string;
  createdAt: string;
}

/** What a caller supplies to create a group. */
export interface NewDeploymentGroup {
  applicationId: string;
  name: string;
  tagFilters: TagFilter[];
  deploymentConfigName: string;
  createdAt: string;
}

interface RawGroup {
  deployment_group_id: string;
  application_id: string;
  name: string;
  tag_filters: string;
  deployment_config_name: string;
  last_successful_deployment_id: string | null;
  created_at: string;
}

const COLUMNS =
  'deployment_group_id, application_id, name, tag_filters, deployment_config_name, last_successful_deployment_id, created_at';

function toRow(raw: RawGroup): DeploymentGroupRow {
  const row: DeploymentGroupRow = {
    deploymentGroupId: raw.deployment_group_id,
    applicationId: raw.application_id,
    name: raw.name,
    tagFilters: parseJsonColumn<TagFilter[]>(raw.tag_filters, 'deployment_groups.tag_filters'),
    deploymentConfigName: raw.deployment_config_name,
    createdAt: raw.created_at,
  };
  setOptional(row, 'lastSuccessfulDeploymentId', raw.last_successful_deployment_id);
  return row;
}

/** Creates a group; throws CONFLICT when the application already has one of that name. */
export function insertDeploymentGroup(db: Db, input: NewDeploymentGroup): DeploymentGroupRow {
  const row: DeploymentGroupRow = { deploymentGroupId: newId('dg'), ...input };
  try {
    db.prepare(
      `INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(row.deploymentGroupId, row.applicationId, row.name, JSON.stringify(row.tagFilters), row.deploymentConfigName, row.createdAt);
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', `deployment group ${input.name} already exists`, { cause: err });
    throw err;
  }
  return row;
}

/** The group with this id, if any. */
export function getDeploymentGroup(db: Db, deploymentGroupId: string): DeploymentGroupRow | undefined {
  const raw = db.prepare(`SELECT ${COLUMNS} FROM deployment_groups WHERE deployment_group_id = ?`).get(deploymentGroupId) as
    | RawGroup
    | undefined;
  return raw && toRow(raw);
}

/** The group of this application with this name, if any. */
export function getDeploymentGroupByName(db: Db, applicationId: string, name: string): DeploymentGroupRow | undefined {
  const raw = db
    .prepare(`SELECT ${COLUMNS} FROM deployment_groups WHERE application_id = ? AND name = ?`)
    .get(applicationId, name) as RawGroup | undefined;
  return raw && toRow(raw);
}

/** Every group of an application, by name. */
export function listDeploymentGroups(db: Db, applicationId: string): DeploymentGroupRow[] {
  const raws = db
    .prepare(`SELECT ${COLUMNS} FROM deployment_groups WHERE application_id = ? ORDER BY name`)
    .all(applicationId) as RawGroup[];
  return raws.map(toRow);
}
