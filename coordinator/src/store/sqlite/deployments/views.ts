/**
 * Read models of deployments in SQLite (store/deployments/views.ts has the contract): a
 * deployment with its application and group names, its targets and their lifecycle events,
 * each in one statement whatever the fleet size.
 */
import type { DeploymentStatus, FileExistsBehavior, InstanceStatus, LifecycleEventStatus } from '../../../../../protocol/src/index.ts';
import type { DeploymentFilter, DeploymentRecord, EventRecord, TargetRecord } from '../../deployments/views.ts';
import { parseJsonColumn, setOptional } from '../columns.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';
import { toRollout, type RawRollout } from './rollout.ts';

interface RawDeployment extends RawRollout {
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

const SELECT_DEPLOYMENT = `
  SELECT d.*, a.name AS application_name, g.name AS group_name
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id`;

function toRecord(d: RawDeployment): DeploymentRecord {
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

/** The deployment, or undefined. */
export function deploymentRecord(db: Db, deploymentId: string): DeploymentRecord | undefined {
  const raw = prepared(db, `${SELECT_DEPLOYMENT} WHERE d.deployment_id = ?`).get(deploymentId) as RawDeployment | undefined;
  return raw && toRecord(raw);
}

/** Deployments matching the filter, newest first. */
export function listDeploymentRecords(db: Db, filter: DeploymentFilter): DeploymentRecord[] {
  const where: string[] = [];
  const args: Array<string | number> = [];
  if (filter.before !== undefined) {
    where.push('(d.created_at < ? OR (d.created_at = ? AND d.deployment_id < ?))');
    args.push(filter.before.createdAt, filter.before.createdAt, filter.before.deploymentId);
  }
  if (filter.applicationName !== undefined) {
    where.push('a.name = ?');
    args.push(filter.applicationName);
  }
  if (filter.deploymentGroupName !== undefined) {
    where.push('g.name = ?');
    args.push(filter.deploymentGroupName);
  }
  if (filter.status !== undefined) {
    where.push('d.status = ?');
    args.push(filter.status);
  }
  const limit = filter.limit === undefined ? '' : ' LIMIT ?';
  if (filter.limit !== undefined) args.push(filter.limit);
  const sql = `${SELECT_DEPLOYMENT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.created_at DESC, d.deployment_id DESC${limit}`;
  return (prepared(db, sql).all(...args) as RawDeployment[]).map(toRecord);
}

interface RawTarget {
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

/** The deployment's targets in the order they are taken. */
export function targetRecords(db: Db, deploymentId: string): TargetRecord[] {
  const rows = prepared(db,
    `SELECT t.instance_id, i.hostname, t.status, t.batch, t.step, t.segment, t.updated_at, t.error_code, t.message FROM deployment_targets t
     LEFT JOIN instances i ON i.instance_id = t.instance_id WHERE t.deployment_id = ? ORDER BY t.position`,
  ).all(deploymentId) as RawTarget[];
  return rows.map((t) => {
    const r: TargetRecord = { instanceId: t.instance_id, hostname: t.hostname ?? '', status: t.status, step: t.step, segment: t.segment };
    setOptional(r, 'batch', t.batch);
    setOptional(r, 'updatedAt', t.updated_at);
    setOptional(r, 'errorCode', t.error_code);
    setOptional(r, 'message', t.message);
    return r;
  });
}

interface RawEvent {
  instance_id: string;
  event: string;
  status: LifecycleEventStatus;
  error_code: string | null;
  script_name: string | null;
  message: string | null;
  log_tail: string | null;
  started_at: string | null;
  ended_at: string | null;
}

/** The deployment's lifecycle events, by host, in lifecycle order. */
export function eventRecords(db: Db, deploymentId: string): EventRecord[] {
  const rows = prepared(db, 'SELECT * FROM target_events WHERE deployment_id = ? ORDER BY instance_id, position').all(deploymentId) as RawEvent[];
  return rows.map((e) => {
    const r: EventRecord = { instanceId: e.instance_id, event: e.event, status: e.status };
    setOptional(r, 'errorCode', e.error_code);
    setOptional(r, 'scriptName', e.script_name);
    setOptional(r, 'message', e.message);
    setOptional(r, 'logTail', e.log_tail);
    setOptional(r, 'startedAt', e.started_at);
    setOptional(r, 'endedAt', e.ended_at);
    return r;
  });
}

/** How many of the deployment's targets are in each status, from a covering index scan. */
export function countTargets(db: Db, deploymentId: string): Map<InstanceStatus, number> {
  const rows = prepared(db, 'SELECT status, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY status').all(deploymentId) as {
    status: InstanceStatus;
    n: number;
  }[];
  return new Map(rows.map((r) => [r.status, r.n]));
}
