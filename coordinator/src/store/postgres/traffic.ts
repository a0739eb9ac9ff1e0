/**
 * Traffic control in PostgreSQL (store/traffic.ts has the repository's contract; sqlite/traffic.ts
 * the same steps). An operation is started by one insert that does nothing when it is there
 * (two coordinators asked at once start it once) and finished only while Running (its first
 * outcome stays).
 */
import type { InstanceLabel } from '../../../../protocol/src/index.ts';
import { jsonOrNull, toBlueGreen, toGroupTraffic, toHostTraffic, toOp, toTrafficTarget, type RawGroupTraffic, type RawHostTraffic, type RawOp, type RawTrafficTarget } from '../rows/traffic.ts';
import type { BlueGreenRecord, GroupTraffic, HostTrafficRow, TrafficOp, TrafficOpRow, TrafficOutcome, TrafficTarget } from '../traffic.ts';
import type { Sql } from './sql.ts';

/** {@inheritDoc TrafficRepository.groupTraffic} */
export async function groupTraffic(q: Sql, deploymentGroupId: string): Promise<GroupTraffic> {
  return toGroupTraffic(await q.one<RawGroupTraffic>('SELECT traffic_control, deployment_style, blue_green, live_fleet FROM group_traffic WHERE deployment_group_id = $1', [deploymentGroupId]));
}

/** {@inheritDoc TrafficRepository.setGroupTraffic} */
export async function setGroupTraffic(q: Sql, deploymentGroupId: string, settings: Omit<GroupTraffic, 'liveFleet'>): Promise<void> {
  await q.run(
    `INSERT INTO group_traffic (deployment_group_id, traffic_control, deployment_style, blue_green) VALUES ($1, $2, $3, $4)
     ON CONFLICT (deployment_group_id) DO UPDATE SET traffic_control = EXCLUDED.traffic_control,
       deployment_style = EXCLUDED.deployment_style, blue_green = EXCLUDED.blue_green`,
    [deploymentGroupId, jsonOrNull(settings.trafficControl), jsonOrNull(settings.deploymentStyle), jsonOrNull(settings.blueGreen)],
  );
}

/** {@inheritDoc TrafficRepository.setLiveFleet} */
export async function setLiveFleet(q: Sql, deploymentGroupId: string, fleet: string): Promise<void> {
  await q.run(
    `INSERT INTO group_traffic (deployment_group_id, live_fleet) VALUES ($1, $2)
     ON CONFLICT (deployment_group_id) DO UPDATE SET live_fleet = EXCLUDED.live_fleet`,
    [deploymentGroupId, fleet],
  );
}

/** {@inheritDoc TrafficRepository.startOp} */
export async function startOp(q: Sql, deploymentId: string, instanceId: string, op: TrafficOp, at: string): Promise<boolean> {
  const n = await q.run(
    `INSERT INTO traffic_ops (deployment_id, instance_id, op, status, started_at) VALUES ($1, $2, $3, 'Running', $4)
     ON CONFLICT (deployment_id, instance_id, op) DO NOTHING`,
    [deploymentId, instanceId, op, at],
  );
  return n === 1;
}

/** {@inheritDoc TrafficRepository.finishOp} */
export async function finishOp(q: Sql, deploymentId: string, instanceId: string, op: TrafficOp, outcome: TrafficOutcome, at: string): Promise<void> {
  await q.run(
    `UPDATE traffic_ops SET status = $1, error_code = $2, message = $3, ended_at = $4
     WHERE deployment_id = $5 AND instance_id = $6 AND op = $7 AND status = 'Running'`,
    [outcome.status, outcome.errorCode ?? null, outcome.message ?? null, at, deploymentId, instanceId, op],
  );
}

/** {@inheritDoc TrafficRepository.getOp} */
export async function getOp(q: Sql, deploymentId: string, instanceId: string, op: TrafficOp): Promise<TrafficOpRow | undefined> {
  const r = await q.one<RawOp>('SELECT * FROM traffic_ops WHERE deployment_id = $1 AND instance_id = $2 AND op = $3', [deploymentId, instanceId, op]);
  return r && toOp(r);
}

/** {@inheritDoc TrafficRepository.opsOf} */
export async function opsOf(q: Sql, deploymentId: string): Promise<TrafficOpRow[]> {
  return (await q.rows<RawOp>('SELECT * FROM traffic_ops WHERE deployment_id = $1 ORDER BY started_at, instance_id', [deploymentId])).map(toOp);
}

/** {@inheritDoc TrafficRepository.runningOps} */
export async function runningOps(q: Sql): Promise<TrafficOpRow[]> {
  return (await q.rows<RawOp>(`SELECT * FROM traffic_ops WHERE status = 'Running' ORDER BY started_at`)).map(toOp);
}

/** {@inheritDoc TrafficRepository.setHostState} */
export async function setHostState(q: Sql, row: HostTrafficRow): Promise<void> {
  await q.run(
    `INSERT INTO traffic_hosts (deployment_group_id, instance_id, state, detail, deployment_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (deployment_group_id, instance_id) DO UPDATE SET state = EXCLUDED.state, detail = EXCLUDED.detail,
       deployment_id = EXCLUDED.deployment_id, updated_at = EXCLUDED.updated_at`,
    [row.deploymentGroupId, row.instanceId, row.state, row.detail ?? null, row.deploymentId ?? null, row.updatedAt],
  );
}

/** {@inheritDoc TrafficRepository.hostStatesOfGroup} */
export async function hostStatesOfGroup(q: Sql, deploymentGroupId: string): Promise<HostTrafficRow[]> {
  return (await q.rows<RawHostTraffic>('SELECT * FROM traffic_hosts WHERE deployment_group_id = $1 ORDER BY instance_id', [deploymentGroupId])).map(toHostTraffic);
}

/** {@inheritDoc TrafficRepository.blueGreenOf} */
export async function blueGreenOf(q: Sql, deploymentId: string): Promise<BlueGreenRecord | undefined> {
  const r = await q.one<{ state: string }>('SELECT state FROM blue_green_deployments WHERE deployment_id = $1', [deploymentId]);
  return r && toBlueGreen(r.state);
}

/** {@inheritDoc TrafficRepository.putBlueGreen} */
export async function putBlueGreen(q: Sql, deploymentId: string, record: BlueGreenRecord): Promise<void> {
  await q.run('INSERT INTO blue_green_deployments (deployment_id, state) VALUES ($1, $2) ON CONFLICT (deployment_id) DO UPDATE SET state = EXCLUDED.state', [
    deploymentId,
    JSON.stringify(record),
  ]);
}

/** {@inheritDoc TrafficRepository.labelsOf} */
export async function labelsOf(q: Sql, deploymentId: string): Promise<Map<string, InstanceLabel>> {
  const rows = await q.rows<{ instance_id: string; label: InstanceLabel }>('SELECT instance_id, label FROM deployment_targets WHERE deployment_id = $1 AND label IS NOT NULL', [deploymentId]);
  return new Map(rows.map((r) => [r.instance_id, r.label]));
}

/** {@inheritDoc TrafficRepository.targetOf} */
export async function targetOf(q: Sql, deploymentId: string, instanceId: string): Promise<TrafficTarget | undefined> {
  const r = await q.one<RawTrafficTarget>(
    `SELECT d.deployment_group_id, t.status, t.command_id, t.label FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id WHERE t.deployment_id = $1 AND t.instance_id = $2`,
    [deploymentId, instanceId],
  );
  return r && toTrafficTarget(r);
}
