/**
 * Rows of the catalog tables (applications, deployment configurations, groups, revisions,
 * registration tokens) as both store implementations read them, and their typed form.
 */
import type { AutoRollbackConfiguration, BundleType, ExternalRevisionLocation, MinimumHealthyHosts, RevisionSignature, RolloutOptions, TagFilter, TagSet } from '../../../../protocol/src/index.ts';
import type { ApplicationRow } from '../applications.ts';
import type { DeploymentConfigRow } from '../configs.ts';
import type { DeploymentGroupRow } from '../groups.ts';
import type { RevisionRow } from '../revisions.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

/** An `applications` row as stored. */
export interface RawApplication {
  application_id: string;
  name: string;
  created_at: string;
}

/** An `applications` row as the repository returns it. */
export function toApplication(raw: RawApplication): ApplicationRow {
  return { applicationId: raw.application_id, name: raw.name, createdAt: raw.created_at };
}

/** A `deployment_configs` row as stored. */
export interface RawConfig {
  name: string;
  minimum_healthy_hosts: string;
  rollout: string;
  created_at: string;
}

/** A `deployment_configs` row as the repository returns it. */
export function toConfig(raw: RawConfig): DeploymentConfigRow {
  return {
    name: raw.name,
    minimumHealthyHosts: parseJsonColumn<MinimumHealthyHosts>(raw.minimum_healthy_hosts, 'deployment_configs.minimum_healthy_hosts'),
    rollout: parseJsonColumn<RolloutOptions>(raw.rollout, 'deployment_configs.rollout'),
    createdAt: raw.created_at,
  };
}

/** A `deployment_groups` row as stored. */
export interface RawGroup {
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

/** A `deployment_groups` row as the repository returns it. */
export function toGroup(raw: RawGroup): DeploymentGroupRow {
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

/** A `revisions` row as stored. */
export interface RawRevision {
  revision_id: string;
  application_id: string;
  sha256: string;
  size: number;
  bundle_type: BundleType;
  description: string | null;
  created_at: string;
  deleted_at: string | null;
  signature: string | null;
  location: string | null;
}

/** A `revisions` row as the repository returns it. */
export function toRevision(raw: RawRevision): RevisionRow {
  const row: RevisionRow = {
    revisionId: raw.revision_id,
    applicationId: raw.application_id,
    size: raw.size,
    bundleType: raw.bundle_type,
    createdAt: raw.created_at,
  };
  // '' stands for "not known" (an S3 revision registered by its ETag alone).
  if (raw.sha256 !== '') row.sha256 = raw.sha256;
  setOptional(row, 'description', raw.description);
  if (raw.location !== null) row.location = parseJsonColumn<ExternalRevisionLocation>(raw.location, 'revisions.location');
  setOptional(row, 'deletedAt', raw.deleted_at);
  if (raw.signature !== null) row.signature = parseJsonColumn<RevisionSignature>(raw.signature, 'revisions.signature');
  return row;
}
