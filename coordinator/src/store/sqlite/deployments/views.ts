/**
 * Read models of deployments in SQLite (store/deployments/views.ts has the contract): a
 * deployment with its application and group names, its targets and their lifecycle events,
 * each in one statement whatever the fleet size.
 */
import type { InstanceStatus, LifecycleEventStatus } from '../../../../../protocol/src/index.ts';
import type { DeploymentFilter, DeploymentRecord, EventCellRecord, EventRecord, TargetPlace, TargetRecord, TargetWindow } from '../../deployments/views.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';
import { toDeploymentRecord as toRecord, toEventRecord, toTargetRecord, type RawDeploymentRecord as RawDeployment, type RawEvent, type RawTarget } from '../../rows/views.ts';

const SELECT_DEPLOYMENT = `
  SELECT d.*, a.name AS application_name, g.name AS group_name
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id`;

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

/** The deployment's targets in the order they are taken. */
export function targetRecords(db: Db, deploymentId: string): TargetRecord[] {
  const rows = prepared(db,
    `SELECT t.instance_id, i.hostname, t.status, t.batch, t.step, t.segment, t.updated_at, t.error_code, t.message FROM deployment_targets t
     LEFT JOIN instances i ON i.instance_id = t.instance_id WHERE t.deployment_id = ? ORDER BY t.position`,
  ).all(deploymentId) as RawTarget[];
  return rows.map(toTargetRecord);
}

/** The deployment's lifecycle events, by host, in lifecycle order. */
export function eventRecords(db: Db, deploymentId: string): EventRecord[] {
  const rows = prepared(db, 'SELECT * FROM target_events WHERE deployment_id = ? ORDER BY instance_id, position').all(deploymentId) as RawEvent[];
  return rows.map(toEventRecord);
}

/** The deployment's events as the grid shows them (of `instanceIds` only, when given); the duration computed by SQLite, no sort. */
export function eventCellRecords(db: Db, deploymentId: string, instanceIds?: readonly string[]): EventCellRecord[] {
  const only = instanceIds === undefined ? '' : ' AND instance_id IN (SELECT value FROM json_each(?))';
  const args = instanceIds === undefined ? [deploymentId] : [deploymentId, JSON.stringify(instanceIds)];
  const rows = prepared(db,
    `SELECT instance_id, event, status, error_code,
            CAST(ROUND((julianday(ended_at) - julianday(started_at)) * 86400000) AS INTEGER) AS duration_ms
     FROM target_events WHERE deployment_id = ?${only}`,
  ).raw().all(...args) as Array<[string, string, LifecycleEventStatus, string | null, number | null]>;
  return rows.map(([instanceId, event, status, errorCode, durationMs]) => {
    const r: EventCellRecord = { instanceId, event, status };
    if (errorCode !== null) r.errorCode = errorCode;
    if (durationMs !== null) r.durationMs = Math.max(0, durationMs);
    return r;
  });
}

/** A window of the deployment's targets in the order they are taken (by status: from deployment_targets_by_status). */
export function targetWindow(db: Db, deploymentId: string, window: TargetWindow): TargetRecord[] {
  const byStatus = window.status === undefined ? '' : ' AND t.status = ?';
  const args = [deploymentId, ...(window.status === undefined ? [] : [window.status]), window.limit, window.offset];
  const rows = prepared(db,
    `SELECT t.instance_id, i.hostname, t.status, t.batch, t.step, t.segment, t.updated_at, t.error_code, t.message FROM deployment_targets t
     LEFT JOIN instances i ON i.instance_id = t.instance_id WHERE t.deployment_id = ?${byStatus} ORDER BY t.position LIMIT ? OFFSET ?`,
  ).all(...args) as RawTarget[];
  return rows.map(toTargetRecord);
}

/** Where the target stands: its status, and how many targets (of its status) are taken before it. */
export function targetPlace(db: Db, deploymentId: string, instanceId: string): TargetPlace | undefined {
  const row = prepared(db,
    `SELECT t.status,
            (SELECT COUNT(*) FROM deployment_targets b WHERE b.deployment_id = t.deployment_id AND b.position < t.position) AS before,
            (SELECT COUNT(*) FROM deployment_targets b WHERE b.deployment_id = t.deployment_id AND b.status = t.status AND b.position < t.position) AS before_in_status
     FROM deployment_targets t WHERE t.deployment_id = ? AND t.instance_id = ?`,
  ).get(deploymentId, instanceId) as { status: InstanceStatus; before: number; before_in_status: number } | undefined;
  return row && { status: row.status, before: row.before, beforeInStatus: row.before_in_status };
}

/** How many of the deployment's targets are in each status, from a covering index scan. */
export function countTargets(db: Db, deploymentId: string): Map<InstanceStatus, number> {
  const rows = prepared(db, 'SELECT status, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY status').all(deploymentId) as {
    status: InstanceStatus;
    n: number;
  }[];
  return new Map(rows.map((r) => [r.status, r.n]));
}
