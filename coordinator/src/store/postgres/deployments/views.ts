/**
 * Read models of deployments in PostgreSQL (store/deployments/views.ts has the contract): a
 * deployment with its application and group names, its targets and their lifecycle events,
 * each in one statement whatever the fleet size.
 */
import type { InstanceStatus, LifecycleEventStatus } from '../../../../../protocol/src/index.ts';
import type { DeploymentFilter, DeploymentRecord, EventCellRecord, EventRecord, TargetPlace, TargetRecord, TargetWindow } from '../../deployments/views.ts';
import { toDeploymentRecord, toEventRecord, toTargetRecord, type RawDeploymentRecord, type RawEvent, type RawTarget } from '../../rows/views.ts';
import type { Param, Sql } from '../sql.ts';

const SELECT_DEPLOYMENT = `
  SELECT d.*, a.name AS application_name, g.name AS group_name
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id`;

/** The deployment, or undefined. */
export async function deploymentRecord(q: Sql, deploymentId: string): Promise<DeploymentRecord | undefined> {
  const raw = await q.one<RawDeploymentRecord>(`${SELECT_DEPLOYMENT} WHERE d.deployment_id = $1`, [deploymentId]);
  return raw && toDeploymentRecord(raw);
}

/** Deployments matching the filter, newest first. */
export async function listDeploymentRecords(q: Sql, filter: DeploymentFilter): Promise<DeploymentRecord[]> {
  const where: string[] = [];
  const args: Param[] = [];
  const add = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    args.push(value);
    where.push(`${column} = $${args.length}`);
  };
  add('a.name', filter.applicationName);
  add('g.name', filter.deploymentGroupName);
  add('d.status', filter.status);
  if (filter.before !== undefined) {
    args.push(filter.before.createdAt, filter.before.deploymentId);
    where.push(`(d.created_at, d.deployment_id) < ($${args.length - 1}, $${args.length})`);
  }
  let limit = '';
  if (filter.limit !== undefined) {
    args.push(filter.limit);
    limit = ` LIMIT $${args.length}`;
  }
  const sql = `${SELECT_DEPLOYMENT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.created_at DESC, d.deployment_id DESC${limit}`;
  return (await q.rows<RawDeploymentRecord>(sql, args)).map(toDeploymentRecord);
}

/** The deployment's targets in the order they are taken. */
export async function targetRecords(q: Sql, deploymentId: string): Promise<TargetRecord[]> {
  const rows = await q.rows<RawTarget>(
    `SELECT t.instance_id, i.hostname, t.status, t.batch, t.step, t.segment, t.updated_at, t.error_code, t.message FROM deployment_targets t
     LEFT JOIN instances i ON i.instance_id = t.instance_id WHERE t.deployment_id = $1 ORDER BY t.position`,
    [deploymentId],
  );
  return rows.map(toTargetRecord);
}

/** The deployment's lifecycle events, by host, in lifecycle order. */
export async function eventRecords(q: Sql, deploymentId: string): Promise<EventRecord[]> {
  return (await q.rows<RawEvent>('SELECT * FROM target_events WHERE deployment_id = $1 ORDER BY instance_id, position', [deploymentId])).map(toEventRecord);
}

/** The deployment's host × event cells (the dashboard's grid): status, error code and duration. */
export async function eventCellRecords(q: Sql, deploymentId: string, instanceIds?: readonly string[]): Promise<EventCellRecord[]> {
  type Row = { instance_id: string; event: string; status: LifecycleEventStatus; error_code: string | null; started_at: string | null; ended_at: string | null };
  const only = instanceIds === undefined ? '' : ' AND instance_id = ANY($2::text[])';
  const args: Param[] = instanceIds === undefined ? [deploymentId] : [deploymentId, [...instanceIds]];
  const rows = await q.rows<Row>(`SELECT instance_id, event, status, error_code, started_at, ended_at FROM target_events WHERE deployment_id = $1${only}`, args);
  return rows.map((row) => {
    const cell: EventCellRecord = { instanceId: row.instance_id, event: row.event, status: row.status };
    if (row.error_code !== null) cell.errorCode = row.error_code;
    if (row.started_at !== null && row.ended_at !== null) cell.durationMs = Math.max(0, Date.parse(row.ended_at) - Date.parse(row.started_at));
    return cell;
  });
}

/** A window of the deployment's targets in the order they are taken (by status: from deployment_targets_by_status). */
export async function targetWindow(q: Sql, deploymentId: string, window: TargetWindow): Promise<TargetRecord[]> {
  const args: Param[] = [deploymentId, window.limit, window.offset];
  let byStatus = '';
  if (window.status !== undefined) {
    args.push(window.status);
    byStatus = ' AND t.status = $4';
  }
  const rows = await q.rows<RawTarget>(
    `SELECT t.instance_id, i.hostname, t.status, t.batch, t.step, t.segment, t.updated_at, t.error_code, t.message FROM deployment_targets t
     LEFT JOIN instances i ON i.instance_id = t.instance_id WHERE t.deployment_id = $1${byStatus} ORDER BY t.position LIMIT $2 OFFSET $3`,
    args,
  );
  return rows.map(toTargetRecord);
}

/** Where the target stands: its status, and how many targets (of its status) are taken before it. */
export async function targetPlace(q: Sql, deploymentId: string, instanceId: string): Promise<TargetPlace | undefined> {
  const row = await q.one<{ status: InstanceStatus; before: string | number; before_in_status: string | number }>(
    `SELECT t.status,
            (SELECT COUNT(*) FROM deployment_targets b WHERE b.deployment_id = t.deployment_id AND b.position < t.position) AS before,
            (SELECT COUNT(*) FROM deployment_targets b WHERE b.deployment_id = t.deployment_id AND b.status = t.status AND b.position < t.position) AS before_in_status
     FROM deployment_targets t WHERE t.deployment_id = $1 AND t.instance_id = $2`,
    [deploymentId, instanceId],
  );
  return row && { status: row.status, before: Number(row.before), beforeInStatus: Number(row.before_in_status) };
}

/** How many of the deployment's targets are in each status. */
export async function countTargets(q: Sql, deploymentId: string): Promise<Map<InstanceStatus, number>> {
  const rows = await q.rows<{ status: InstanceStatus; n: number }>('SELECT status, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = $1 GROUP BY status', [
    deploymentId,
  ]);
  return new Map(rows.map((r) => [r.status, r.n]));
}
