/**
 * Rows of the deployment tables as both store implementations read them, and their typed form:
 * the deployment, its rollout columns, what its commands carry, its live targets.
 */
import type { BundleType, DeploymentStatus, ExternalRevisionLocation, FileExistsBehavior, RevisionSignature, RolloutState, StepKind } from '../../../../protocol/src/index.ts';
import type { CommandSpec, DeploymentRow, RolloutRead, RolloutRecord, StepCounts } from '../deployments/deployments.ts';
import type { LiveTarget } from '../deployments/targets.ts';
import { toConfig, type RawConfig } from './catalog.ts';
import { parseJsonColumn } from './columns.ts';

/** A `deployments` row as stored (the columns toDeployment reads). */
export interface RawDeployment {
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

/** The row as the scheduler sees it. */
export function toDeployment(r: RawDeployment): DeploymentRow {
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

/** The rollout columns of a `deployments` row. */
export interface RawRollout {
  step_kind: StepKind;
  current_step: number;
  step_count: number;
  bake_until: string | null;
  paused: number;
  approval: RolloutState['approval'];
  approved_by: string | null;
  approved_at: string | null;
  require_approval: number | null;
}

/** The rollout columns as stored. */
export function toRollout(r: RawRollout): RolloutRecord {
  const rollout: RolloutRecord = { kind: r.step_kind, step: r.current_step, steps: r.step_count, paused: r.paused !== 0, approval: r.approval };
  if (r.bake_until !== null) rollout.bakeUntil = r.bake_until;
  if (r.approved_by !== null) rollout.approvedBy = r.approved_by;
  if (r.approved_at !== null) rollout.approvedAt = r.approved_at;
  if (r.require_approval !== null) rollout.requireApproval = r.require_approval !== 0;
  return rollout;
}

/** What a command carries, as read from the deployment, its group, application and revision. */
export interface SpecRow {
  deployment_id: string;
  deployment_group_id: string;
  file_exists_behavior: FileExistsBehavior;
  ignore_application_stop_failures: number;
  parameters: string;
  application_name: string;
  group_name: string;
  revision_id: string;
  sha256: string;
  size: number;
  bundle_type: BundleType;
  signature: string | null;
  location: string | null;
  event_timeout_seconds: number;
  agent_wait_seconds: number;
}

/** The command spec of a {@link SpecRow}. */
export function toSpec(row: SpecRow): CommandSpec {
  return {
    deploymentId: row.deployment_id,
    deploymentGroupId: row.deployment_group_id,
    deploymentGroupName: row.group_name,
    applicationName: row.application_name,
    fileExistsBehavior: row.file_exists_behavior,
    ignoreApplicationStopFailures: row.ignore_application_stop_failures !== 0,
    parameters: parseJsonColumn<Record<string, string>>(row.parameters, 'deployments.parameters'),
    revision: {
      revisionId: row.revision_id,
      // '' stands for "not known" (an S3 revision registered by its ETag alone).
      ...(row.sha256 === '' ? {} : { sha256: row.sha256 }),
      bundleType: row.bundle_type,
      size: row.size,
      ...(row.location === null ? {} : { location: parseJsonColumn<ExternalRevisionLocation>(row.location, 'revisions.location') }),
      ...(row.signature === null ? {} : { signature: parseJsonColumn<RevisionSignature>(row.signature, 'revisions.signature') }),
    },
  };
}

/** A live target as the deadline and presence logic sees it. */
export function toLive(r: { deployment_id: string; instance_id: string; status: LiveTarget['status']; command_id: string | null; deployment_status: string }): LiveTarget {
  return { deploymentId: r.deployment_id, instanceId: r.instance_id, status: r.status, commandId: r.command_id, deploymentStatus: r.deployment_status };
}

/** One step's counters as stored in `deployment_progress`. */
export interface RawStep {
  step: number;
  total: number;
  pending: number;
  in_flight: number;
  succeeded: number;
  segment: string | null;
}

/** A deployment row with the custom configuration it names, if any (c_ columns, NULL without one). */
export type RawDecision = RawDeployment & RawRollout & { [K in keyof RawConfig as `c_${K}`]: RawConfig[K] | null };

/** What the rollout decision reads: the deployment's row and its per-step counters. */
export function toRolloutRead(r: RawDecision, rows: readonly RawStep[]): RolloutRead {
  const steps: StepCounts[] = [];
  for (let i = 0; i < r.step_count; i++) steps.push({ total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0, segment: null });
  for (const p of rows) {
    if (p.step < 1 || p.step > r.step_count) continue;
    // Unknown, Skipped and Failed all mean the host did not end up healthy.
    const failed = p.total - p.pending - p.in_flight - p.succeeded;
    steps[p.step - 1] = { total: p.total, pending: p.pending, inFlight: p.in_flight, succeeded: p.succeeded, failed, segment: p.segment };
  }
  const read: RolloutRead = { deployment: toDeployment(r), rollout: toRollout(r), steps };
  if (r.c_name !== null && r.c_minimum_healthy_hosts !== null && r.c_rollout !== null && r.c_created_at !== null) {
    read.config = toConfig({ name: r.c_name, minimum_healthy_hosts: r.c_minimum_healthy_hosts, rollout: r.c_rollout, created_at: r.c_created_at });
  }
  return read;
}
