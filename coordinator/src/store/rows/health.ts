/**
 * Rows of the health tables as both store implementations read them, and their typed form.
 */
import type { Inventory, RolloutOptions, StepKind, Tags } from '../../../../protocol/src/index.ts';
import type { AnalysisRecord, DeploymentHealth, GroupHealth, HealthCheckRow, HealthHost, HealthResult, MonitoredDeployment } from '../health.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

/** A `health_checks` row as stored. */
export interface RawCheck {
  name: string;
  type: HealthCheckRow['type'];
  spec: string;
  created_at: string;
  created_by: string | null;
}

/** A `health_checks` row as the repository returns it. */
export function toCheck(r: RawCheck): HealthCheckRow {
  const row: HealthCheckRow = { name: r.name, type: r.type, spec: parseJsonColumn(r.spec, 'health_checks.spec'), createdAt: r.created_at };
  setOptional(row, 'createdBy', r.created_by);
  return row;
}

/** JSON text of an optional value, NULL when absent. */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** A `group_health` row as stored. */
export interface RawGroupHealth {
  alarm_configuration: string | null;
  large_blast_radius: string | null;
}

/** A group's health settings; none stored: no settings. */
export function toGroupHealth(r: RawGroupHealth | undefined): GroupHealth {
  const out: GroupHealth = {};
  if (r?.alarm_configuration) out.alarmConfiguration = parseJsonColumn(r.alarm_configuration, 'group_health.alarm_configuration');
  if (r?.large_blast_radius) out.largeBlastRadius = parseJsonColumn(r.large_blast_radius, 'group_health.large_blast_radius');
  return out;
}

/** The analysis columns of `deployment_health`. */
export interface RawAnalysis {
  analysis_step: number | null;
  analysis_status: AnalysisRecord['status'] | null;
  analysis_started_at: string | null;
  analysis_message: string | null;
}

/** The analysis a row holds, if one was started. */
export function toAnalysis(r: RawAnalysis): AnalysisRecord | undefined {
  if (r.analysis_step === null || r.analysis_status === null || r.analysis_started_at === null) return undefined;
  const a: AnalysisRecord = { step: r.analysis_step, status: r.analysis_status, startedAt: r.analysis_started_at };
  setOptional(a, 'message', r.analysis_message);
  return a;
}

/** A `deployment_health` row as stored. */
export interface RawDeploymentHealth extends RawAnalysis {
  alarm_override: string | null;
  retry_of: string | null;
  bake_seconds: number | null;
  pause_reason: string | null;
}

/** A deployment's health state; no row: none. */
export function toDeploymentHealth(r: RawDeploymentHealth | undefined): DeploymentHealth {
  if (!r) return {};
  const out: DeploymentHealth = {};
  if (r.alarm_override) out.alarmOverride = parseJsonColumn(r.alarm_override, 'deployment_health.alarm_override');
  setOptional(out, 'retryOf', r.retry_of);
  setOptional(out, 'bakeSeconds', r.bake_seconds);
  setOptional(out, 'pauseReason', r.pause_reason);
  const analysis = toAnalysis(r);
  if (analysis) out.analysis = analysis;
  return out;
}

/** A `health_results` row as stored. */
export interface RawResult {
  at: string;
  check_name: string;
  purpose: HealthResult['purpose'];
  step: number | null;
  verdict: HealthResult['verdict'];
  value: number | null;
  message: string;
  dry_run: number;
}

/** A result as the repository returns it. */
export function toResult(r: RawResult): HealthResult {
  const out: HealthResult = { at: r.at, check: r.check_name, purpose: r.purpose, verdict: r.verdict, message: r.message, dryRun: r.dry_run !== 0 };
  setOptional(out, 'step', r.step);
  setOptional(out, 'value', r.value);
  return out;
}

/** The columns of a result, in the order of {@link RESULT_COLUMNS}. */
export function resultValues(r: HealthResult): (string | number | null)[] {
  return [r.at, r.check, r.purpose, r.step ?? null, r.verdict, r.value ?? null, r.message, r.dryRun ? 1 : 0];
}

/** The columns {@link resultValues} fills, after deployment_id and seq. */
export const RESULT_COLUMNS = 'at, check_name, purpose, step, verdict, value, message, dry_run';

/** What {@link MONITORED_SQL} returns per deployment. */
export interface RawMonitored extends RawAnalysis {
  deployment_id: string;
  deployment_group_id: string;
  group_name: string;
  application_name: string;
  creator: string;
  step_kind: StepKind;
  group_alarms: string | null;
  alarm_override: string | null;
  rollout: string | null;
}

/** Running deployments with alarms or a running analysis, oldest first (the same SQL on both engines). */
export const MONITORED_SQL = `SELECT d.deployment_id, d.deployment_group_id, g.name AS group_name, a.name AS application_name, d.creator, d.step_kind,
       gh.alarm_configuration AS group_alarms, dh.alarm_override, dh.analysis_step, dh.analysis_status, dh.analysis_started_at,
       dh.analysis_message, c.rollout
FROM deployments d
JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
JOIN applications a ON a.application_id = d.application_id
LEFT JOIN group_health gh ON gh.deployment_group_id = d.deployment_group_id
LEFT JOIN deployment_health dh ON dh.deployment_id = d.deployment_id
LEFT JOIN deployment_configs c ON c.name = d.deployment_config_name
WHERE d.status = 'InProgress'
  AND (gh.alarm_configuration IS NOT NULL OR dh.alarm_override IS NOT NULL OR dh.analysis_status = 'Running')
ORDER BY d.created_at, d.deployment_id`;

/** A monitored deployment as the repository returns it. */
export function toMonitored(r: RawMonitored): MonitoredDeployment {
  const out: MonitoredDeployment = {
    deploymentId: r.deployment_id,
    deploymentGroupId: r.deployment_group_id,
    groupName: r.group_name,
    applicationName: r.application_name,
    creator: r.creator,
    kind: r.step_kind,
  };
  const alarms = r.alarm_override ?? r.group_alarms;
  if (alarms !== null) out.alarms = parseJsonColumn(alarms, 'alarm configuration');
  const analysis = toAnalysis(r);
  if (analysis) out.analysis = analysis;
  if (r.rollout !== null) out.rollout = parseJsonColumn<RolloutOptions>(r.rollout, 'deployment_configs.rollout');
  return out;
}

/** A host of a deployment, as {@link HealthRepository.hostsOf} reads it. */
export interface RawHost {
  instance_id: string;
  hostname: string;
  tags: string;
  inventory: string | null;
  step: number;
  segment: string | null;
  status: HealthHost['status'];
}

/** A host as a check sees it: its first inventory address, if it reported one. */
export function toHost(r: RawHost): HealthHost {
  const host: HealthHost = {
    instanceId: r.instance_id,
    hostname: r.hostname,
    tags: parseJsonColumn<Tags>(r.tags, 'instances.tags'),
    step: r.step,
    segment: r.segment,
    status: r.status,
  };
  const address = r.inventory === null ? undefined : parseJsonColumn<Inventory>(r.inventory, 'instances.inventory').addresses[0];
  if (address !== undefined) host.address = address;
  return host;
}
