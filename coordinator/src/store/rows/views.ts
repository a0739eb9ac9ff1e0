/**
 * Rows of the deployment read models (store/deployments/views.ts) as both store
 * implementations read them, and their typed form.
 */
import type { DeploymentStatus, FileExistsBehavior, InstanceStatus, LifecycleEventStatus } from '../../../../protocol/src/index.ts';
import type { DeploymentRecord, EventRecord, TargetRecord } from '../deployments/views.ts';
import { parseJsonColumn, setOptional } from './columns.ts';
import { toRollout, type RawRollout } from './deployments.ts';

/** A `deployments` row with its application and group names, as the API view reads it. */
export interface RawDeploymentRecord extends RawRollout {
  deployment_id: string;
  application_name: string;
  group_name: string;
  revision_id: string;
  deployment_config_name: string;
  status: DeploymentStatus;
  creator: string;
  file_exists_behavior: FileExistsBehavior;
  ignore_application_stop_failures: number;
  description: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  update_outdated_only: number;
  auto_rollback: string | null;
  rollback_of: string | null;
  rollback_deployment_id: string | null;
  rollback_message: string | null;
}

/** The deployment as the API view shows it. */
export function toDeploymentRecord(d: RawDeploymentRecord): DeploymentRecord {
  const r: DeploymentRecord = {
    deploymentId: d.deployment_id,
    applicationName: d.application_name,
    deploymentGroupName: d.group_name,
    revisionId: d.revision_id,
    deploymentConfigName: d.deployment_config_name,
    status: d.status,
    creator: d.creator,
    fileExistsBehavior: d.file_exists_behavior,
    ignoreApplicationStopFailures: d.ignore_application_stop_failures !== 0,
    createdAt: d.created_at,
    updateOutdatedOnly: d.update_outdated_only !== 0,
    rollout: toRollout(d),
  };
  setOptional(r, 'description', d.description);
  setOptional(r, 'errorCode', d.error_code);
  setOptional(r, 'errorMessage', d.error_message);
  setOptional(r, 'startedAt', d.started_at);
  setOptional(r, 'completedAt', d.completed_at);
  if (d.auto_rollback !== null) r.autoRollback = parseJsonColumn(d.auto_rollback, 'deployments.auto_rollback');
  setOptional(r, 'rollbackOf', d.rollback_of);
  setOptional(r, 'rollbackDeploymentId', d.rollback_deployment_id);
  setOptional(r, 'rollbackMessage', d.rollback_message);
  return r;
}

/** A target row with its hostname, as the API view reads it. */
export interface RawTarget {
  instance_id: string;
  hostname: string | null;
  status: InstanceStatus;
  batch: number | null;
  step: number;
  segment: string | null;
  updated_at: string | null;
  error_code: string | null;
  message: string | null;
}

/** A `target_events` row as stored. */
export interface RawEvent {
  instance_id: string;
  event: string;
  status: LifecycleEventStatus;
  error_code: string | null;
  script_name: string | null;
  message: string | null;
  log_tail: string | null;
  started_at: string | null;
  ended_at: string | null;
  agent_at: string | null;
}

/** A target row as the API view reads it. */
export function toTargetRecord(t: RawTarget): TargetRecord {
  const r: TargetRecord = { instanceId: t.instance_id, hostname: t.hostname ?? '', status: t.status, step: t.step, segment: t.segment };
  setOptional(r, 'batch', t.batch);
  setOptional(r, 'updatedAt', t.updated_at);
  setOptional(r, 'errorCode', t.error_code);
  setOptional(r, 'message', t.message);
  return r;
}

/** A `target_events` row as the API view reads it. */
export function toEventRecord(e: RawEvent): EventRecord {
  const r: EventRecord = { instanceId: e.instance_id, event: e.event, status: e.status };
  setOptional(r, 'errorCode', e.error_code);
  setOptional(r, 'scriptName', e.script_name);
  setOptional(r, 'message', e.message);
  setOptional(r, 'logTail', e.log_tail);
  setOptional(r, 'startedAt', e.started_at);
  setOptional(r, 'endedAt', e.ended_at);
  setOptional(r, 'agentAt', e.agent_at);
  return r;
}
