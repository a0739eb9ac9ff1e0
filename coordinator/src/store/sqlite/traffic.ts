/**
 * Traffic control in SQLite (store/traffic.ts has the repository's contract).
 */
import type { InstanceLabel } from '../../../../protocol/src/index.ts';
import type { BlueGreenRecord, GroupTraffic, HostTrafficRow, TrafficOp, TrafficOpRow, TrafficOutcome, TrafficTarget } from '../traffic.ts';
import { jsonOrNull as json, toBlueGreen, toGroupTraffic, toHostTraffic, toOp, toTrafficTarget, type RawGroupTraffic, type RawHostTraffic, type RawOp, type RawTrafficTarget } from '../rows/traffic.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

/** The group's traffic settings (none stored: all absent). */
export function groupTraffic(db: Db, deploymentGroupId: string): GroupTraffic {
  return toGroupTraffic(prepared(db, 'SELECT traffic_control, deployment_style, blue_green, live_fleet FROM group_traffic WHERE deployment_group_id = ?').get(deploymentGroupId) as RawGroupTraffic | undefined);
}

/** Replaces the group's traffic settings; its live fleet stays. */
export function setGroupTraffic(db: Db, deploymentGroupId: string, settings: Omit<GroupTraffic, 'liveFleet'>): void {
  prepared(db,
    `INSERT INTO group_traffic (deployment_group_id, traffic_control, deployment_style, blue_green) VALUES (?, ?, ?, ?)
     ON CONFLICT (deployment_group_id) DO UPDATE SET traffic_control = excluded.traffic_control,
       deployment_style = excluded.deployment_style, blue_green = excluded.blue_green`,
  ).run(deploymentGroupId, json(settings.trafficControl), json(settings.deploymentStyle), json(settings.blueGreen));
}

/** Records the fleet that serves now. */
export function setLiveFleet(db: Db, deploymentGroupId: string, fleet: string): void {
  prepared(db,
    `INSERT INTO group_traffic (deployment_group_id, live_fleet) VALUES (?, ?)
     ON CONFLICT (deployment_group_id) DO UPDATE SET live_fleet = excluded.live_fleet`,
  ).run(deploymentGroupId, fleet);
}

/** Starts an operation; false when it was already started (running or finished). */
export function startOp(db: Db, deploymentId: string, instanceId: string, op: TrafficOp, at: string): boolean {
  return prepared(db,
    `INSERT INTO traffic_ops (deployment_id, instance_id, op, status, started_at) VALUES (?, ?, ?, 'Running', ?)
     ON CONFLICT (deployment_id, instance_id, op) DO NOTHING`,
  ).run(deploymentId, instanceId, op, at).changes === 1;
}

/** Ends a running operation (a finished one keeps its first outcome). */
export function finishOp(db: Db, deploymentId: string, instanceId: string, op: TrafficOp, outcome: TrafficOutcome, at: string): void {
  prepared(db,
    `UPDATE traffic_ops SET status = ?, error_code = ?, message = ?, ended_at = ?
     WHERE deployment_id = ? AND instance_id = ? AND op = ? AND status = 'Running'`,
  ).run(outcome.status, outcome.errorCode ?? null, outcome.message ?? null, at, deploymentId, instanceId, op);
}

/** One operation, if it was started. */
export function getOp(db: Db, deploymentId: string, instanceId: string, op: TrafficOp): TrafficOpRow | undefined {
  const r = prepared(db, 'SELECT * FROM traffic_ops WHERE deployment_id = ? AND instance_id = ? AND op = ?').get(deploymentId, instanceId, op) as RawOp | undefined;
  return r && toOp(r);
}

/** Every operation of a deployment, oldest first. */
export function opsOf(db: Db, deploymentId: string): TrafficOpRow[] {
  return (prepared(db, 'SELECT * FROM traffic_ops WHERE deployment_id = ? ORDER BY started_at, instance_id').all(deploymentId) as RawOp[]).map(toOp);
}

/** Operations still running. */
export function runningOps(db: Db): TrafficOpRow[] {
  return (prepared(db, `SELECT * FROM traffic_ops WHERE status = 'Running' ORDER BY started_at`).all() as RawOp[]).map(toOp);
}

/** Records where a host was left on its group's balancer. */
export function setHostState(db: Db, row: HostTrafficRow): void {
  prepared(db,
    `INSERT INTO traffic_hosts (deployment_group_id, instance_id, state, detail, deployment_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (deployment_group_id, instance_id) DO UPDATE SET state = excluded.state, detail = excluded.detail,
       deployment_id = excluded.deployment_id, updated_at = excluded.updated_at`,
  ).run(row.deploymentGroupId, row.instanceId, row.state, row.detail ?? null, row.deploymentId ?? null, row.updatedAt);
}

/** Where each host of the group was last left. */
export function hostStatesOfGroup(db: Db, deploymentGroupId: string): HostTrafficRow[] {
  return (prepared(db, 'SELECT * FROM traffic_hosts WHERE deployment_group_id = ? ORDER BY instance_id').all(deploymentGroupId) as RawHostTraffic[]).map(toHostTraffic);
}

/** The blue/green state of a deployment, if it is one. */
export function blueGreenOf(db: Db, deploymentId: string): BlueGreenRecord | undefined {
  const r = prepared(db, 'SELECT state FROM blue_green_deployments WHERE deployment_id = ?').get(deploymentId) as { state: string } | undefined;
  return r && toBlueGreen(r.state);
}

/** Stores the blue/green state of a deployment. */
export function putBlueGreen(db: Db, deploymentId: string, record: BlueGreenRecord): void {
  prepared(db, 'INSERT INTO blue_green_deployments (deployment_id, state) VALUES (?, ?) ON CONFLICT (deployment_id) DO UPDATE SET state = excluded.state').run(
    deploymentId,
    JSON.stringify(record),
  );
}

/** The fleet label of each labelled host of a deployment. */
export function labelsOf(db: Db, deploymentId: string): Map<string, InstanceLabel> {
  const rows = prepared(db, 'SELECT instance_id, label FROM deployment_targets WHERE deployment_id = ? AND label IS NOT NULL').all(deploymentId) as {
    instance_id: string;
    label: InstanceLabel;
  }[];
  return new Map(rows.map((r) => [r.instance_id, r.label]));
}

/** One host's target of a deployment, with its deployment's group. */
export function targetOf(db: Db, deploymentId: string, instanceId: string): TrafficTarget | undefined {
  const r = prepared(db,
    `SELECT d.deployment_group_id, t.status, t.command_id, t.label FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id WHERE t.deployment_id = ? AND t.instance_id = ?`,
  ).get(deploymentId, instanceId) as RawTrafficTarget | undefined;
  return r && toTrafficTarget(r);
}
