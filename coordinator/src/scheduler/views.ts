/**
 * Read models of deployments for the HTTP API: protocol api.ts DeploymentView, with per-host
 * targets and lifecycle events (diagnostics on failure), and DeploymentSummary without them.
 */
import { prepared } from '../store/statements.ts';
import type { Db } from '../store/db.ts';
import {
  isErrorCode,
  type DeploymentStatus,
  type DeploymentSummary,
  type DeploymentView,
  type DeploymentTargetView,
  type ErrorCode,
  type FileExistsBehavior,
  type InstanceStatus,
  type LifecycleEventStatus,
  type LifecycleEventView,
} from '../../../protocol/src/index.ts';
import { readRollout } from './rollout.ts';

/** Filters of {@link listDeploymentSummaries}; all optional, combined with AND. */
export interface DeploymentFilter {
  applicationName?: string;
  deploymentGroupName?: string;
  status?: string;
}

interface RawDeployment {
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
  step_count: number;
  step_kind: string;
  approval: string;
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

const SELECT_DEPLOYMENT = `
  SELECT d.*, a.name AS application_name, g.name AS group_name
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id`;

function asErrorCode(code: string, fallback: ErrorCode): ErrorCode {
  return isErrorCode(code) ? code : fallback;
}

function toEventView(e: RawEvent): LifecycleEventView {
  const view: LifecycleEventView = { lifecycleEventName: e.event, status: e.status };
  if (e.started_at !== null) view.startTime = e.started_at;
  if (e.ended_at !== null) view.endTime = e.ended_at;
  if (e.error_code !== null) {
    const diagnostics: NonNullable<LifecycleEventView['diagnostics']> = {
      errorCode: asErrorCode(e.error_code, 'UnknownError'),
      message: e.message ?? '',
    };
    if (e.script_name !== null) diagnostics.scriptName = e.script_name;
    if (e.log_tail !== null) diagnostics.logTail = e.log_tail;
    view.diagnostics = diagnostics;
  } else if (e.message !== null && e.status === 'InProgress') {
    view.message = e.message;
  }
  return view;
}

function targetsOf(db: Db, d: RawDeployment): DeploymentTargetView[] {
  const deploymentId = d.deployment_id;
  const targets = prepared(db,
      `SELECT t.instance_id, i.hostname, t.status, t.batch, t.step, t.segment, t.updated_at, t.error_code, t.message FROM deployment_targets t
       LEFT JOIN instances i ON i.instance_id = t.instance_id WHERE t.deployment_id = ? ORDER BY t.position`,
    )
    .all(deploymentId) as RawTarget[];
  const events = prepared(db, 'SELECT * FROM target_events WHERE deployment_id = ? ORDER BY instance_id, position')
    .all(deploymentId) as RawEvent[];
  // One pass over the events (ordered by host, then position), not one filter per host.
  const eventsByHost = new Map<string, LifecycleEventView[]>();
  for (const e of events) {
    const list = eventsByHost.get(e.instance_id);
    if (list) list.push(toEventView(e));
    else eventsByHost.set(e.instance_id, [toEventView(e)]);
  }
  return targets.map((t) => {
    const view: DeploymentTargetView = {
      instanceId: t.instance_id,
      hostname: t.hostname ?? '',
      status: t.status,
      lifecycleEvents: eventsByHost.get(t.instance_id) ?? [],
    };
    if (t.batch !== null) view.batch = t.batch;
    if (d.step_count > 1) view.step = t.step;
    if (d.step_kind === 'segment') view.segment = t.segment;
    if (t.updated_at !== null) view.lastUpdatedAt = t.updated_at;
    if (t.error_code !== null) view.errorCode = asErrorCode(t.error_code, 'UnknownError');
    if (t.message !== null) view.message = t.message;
    return view;
  });
}

/** CodeDeploy's overview counters from the number of targets in each status. */
function overviewOf(counts: ReadonlyMap<string, number>): DeploymentView['overview'] {
  const overview: DeploymentView['overview'] = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0 };
  const waiting = counts.get('WaitingForAgent') ?? 0;
  // Only shown when some host waits, so CodeDeploy-shaped consumers see CodeDeploy's counters.
  if (waiting > 0) overview.WaitingForAgent = waiting;
  for (const [status, n] of counts) {
    if (status !== 'WaitingForAgent' && Object.hasOwn(overview, status)) overview[status as 'Pending'] += n;
  }
  return overview;
}

function countTargets(targets: readonly DeploymentTargetView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of targets) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return counts;
}

/** The same counts from the store, without reading the targets (a covering index scan). */
function countStoredTargets(db: Db, deploymentId: string): Map<string, number> {
  const rows = prepared(db, 'SELECT status, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY status').all(deploymentId) as {
    status: string;
    n: number;
  }[];
  return new Map(rows.map((r) => [r.status, r.n]));
}

function rollbackInfoOf(d: RawDeployment): DeploymentView['rollbackInfo'] {
  const info: NonNullable<DeploymentView['rollbackInfo']> = {};
  if (d.rollback_deployment_id !== null) info.rollbackDeploymentId = d.rollback_deployment_id;
  if (d.rollback_of !== null) info.rollbackTriggeringDeploymentId = d.rollback_of;
  if (d.rollback_message !== null) info.rollbackMessage = d.rollback_message;
  return Object.keys(info).length > 0 ? info : undefined;
}

function toSummary(db: Db, d: RawDeployment, now: Date, overview: DeploymentView['overview']): DeploymentSummary {
  const view: DeploymentSummary = {
    deploymentId: d.deployment_id,
    applicationName: d.application_name,
    deploymentGroupName: d.group_name,
    revisionId: d.revision_id,
    deploymentConfigName: d.deployment_config_name,
    status: d.status,
    creator: d.creator,
    fileExistsBehavior: d.file_exists_behavior,
    ignoreApplicationStopFailures: d.ignore_application_stop_failures !== 0,
    createTime: d.created_at,
    overview,
  };
  if (d.description !== null) view.description = d.description;
  if (d.error_code !== null) {
    view.errorInformation = { code: asErrorCode(d.error_code, 'INTERNAL_ERROR'), message: d.error_message ?? '' };
  }
  if (d.started_at !== null) view.startTime = d.started_at;
  if (d.completed_at !== null) view.completeTime = d.completed_at;
  if (d.update_outdated_only !== 0) view.updateOutdatedInstancesOnly = true;
  if (d.auto_rollback !== null) view.autoRollbackConfiguration = JSON.parse(d.auto_rollback) as DeploymentView['autoRollbackConfiguration'];
  const rollbackInfo = rollbackInfoOf(d);
  if (rollbackInfo) view.rollbackInfo = rollbackInfo;
  // Shown once there is something to tell beyond CodeDeploy's fields: steps, a gate, a pause.
  const rollout = readRollout(db, d.deployment_id, now.toISOString());
  if (rollout && d.status === 'InProgress') view.rollout = rollout.state;
  else if (rollout && (d.step_count > 1 || d.approval !== 'NotRequired')) view.rollout = rollout.state;
  return view;
}

function toView(db: Db, d: RawDeployment, now: Date): DeploymentView {
  const targets = targetsOf(db, d);
  return { ...toSummary(db, d, now, overviewOf(countTargets(targets))), targets };
}

function summaryOf(db: Db, d: RawDeployment, now: Date): DeploymentSummary {
  return toSummary(db, d, now, overviewOf(countStoredTargets(db, d.deployment_id)));
}

/**
 * The deployment with its targets and lifecycle events, or undefined when there is none.
 * `now` decides whether a stored bake is still running.
 */
export function getDeploymentView(db: Db, deploymentId: string, now: Date = new Date()): DeploymentView | undefined {
  const raw = prepared(db, `${SELECT_DEPLOYMENT} WHERE d.deployment_id = ?`).get(deploymentId) as RawDeployment | undefined;
  return raw && toView(db, raw, now);
}

/** The deployment without its targets (their counts are in `overview`), or undefined when there is none. */
export function getDeploymentSummary(db: Db, deploymentId: string, now: Date = new Date()): DeploymentSummary | undefined {
  const raw = prepared(db, `${SELECT_DEPLOYMENT} WHERE d.deployment_id = ?`).get(deploymentId) as RawDeployment | undefined;
  return raw && summaryOf(db, raw, now);
}

/**
 * Deployments matching the filter, newest first, without their targets: listing every host of
 * every deployment made this answer megabytes per deployment at 10,000 hosts.
 */
export function listDeploymentSummaries(db: Db, filter: DeploymentFilter, now: Date = new Date()): DeploymentSummary[] {
  const where: string[] = [];
  const args: string[] = [];
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
  const sql = `${SELECT_DEPLOYMENT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.created_at DESC, d.deployment_id DESC`;
  const rows = prepared(db, sql).all(...args) as RawDeployment[];
  return rows.map((r) => summaryOf(db, r, now));
}
