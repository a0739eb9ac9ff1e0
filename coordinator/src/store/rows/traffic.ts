/**
 * Traffic control's stored rows as both engines return them, and their typed forms.
 */
import type { BlueGreenRecord, GroupTraffic, HostTrafficRow, TrafficOp, TrafficOpRow, TrafficTarget } from '../traffic.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

/** A group_traffic row. */
export interface RawGroupTraffic {
  traffic_control: string | null;
  deployment_style: string | null;
  blue_green: string | null;
  live_fleet: string | null;
}

/** A group's traffic settings from its row (none stored: all absent). */
export function toGroupTraffic(raw: RawGroupTraffic | undefined): GroupTraffic {
  const out: GroupTraffic = {};
  if (!raw) return out;
  if (raw.traffic_control !== null) out.trafficControl = parseJsonColumn(raw.traffic_control, 'group_traffic.traffic_control');
  if (raw.deployment_style !== null) out.deploymentStyle = parseJsonColumn(raw.deployment_style, 'group_traffic.deployment_style');
  if (raw.blue_green !== null) out.blueGreen = parseJsonColumn(raw.blue_green, 'group_traffic.blue_green');
  setOptional(out, 'liveFleet', raw.live_fleet);
  return out;
}

/** A JSON column's text for a value, NULL for none. */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** A traffic_ops row. */
export interface RawOp {
  deployment_id: string;
  instance_id: string;
  op: TrafficOp;
  status: TrafficOpRow['status'];
  error_code: string | null;
  message: string | null;
  started_at: string;
  ended_at: string | null;
}

/** A traffic operation from its row. */
export function toOp(r: RawOp): TrafficOpRow {
  const row: TrafficOpRow = { deploymentId: r.deployment_id, instanceId: r.instance_id, op: r.op, status: r.status, startedAt: r.started_at };
  setOptional(row, 'errorCode', r.error_code as TrafficOpRow['errorCode'] | null);
  setOptional(row, 'message', r.message);
  setOptional(row, 'endedAt', r.ended_at);
  return row;
}

/** A traffic_hosts row. */
export interface RawHostTraffic {
  deployment_group_id: string;
  instance_id: string;
  state: HostTrafficRow['state'];
  detail: string | null;
  deployment_id: string | null;
  updated_at: string;
}

/** Where a host was left, from its row. */
export function toHostTraffic(r: RawHostTraffic): HostTrafficRow {
  const row: HostTrafficRow = { deploymentGroupId: r.deployment_group_id, instanceId: r.instance_id, state: r.state, updatedAt: r.updated_at };
  setOptional(row, 'detail', r.detail);
  setOptional(row, 'deploymentId', r.deployment_id);
  return row;
}

/** A blue/green record from its JSON column. */
export function toBlueGreen(state: string): BlueGreenRecord {
  return parseJsonColumn<BlueGreenRecord>(state, 'blue_green_deployments.state');
}

/** A target joined with its deployment's group, as traffic steps read it. */
export interface RawTrafficTarget {
  deployment_group_id: string;
  status: TrafficTarget['status'];
  command_id: string | null;
  label: TrafficTarget['label'] | null;
}

/** A target as traffic steps need it, from its row. */
export function toTrafficTarget(r: RawTrafficTarget): TrafficTarget {
  const target: TrafficTarget = { deploymentGroupId: r.deployment_group_id, status: r.status };
  setOptional(target, 'commandId', r.command_id);
  setOptional(target, 'label', r.label);
  return target;
}
