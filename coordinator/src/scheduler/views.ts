/**
 * Read models of deployments for the HTTP API: protocol api.ts DeploymentView, with per-host
 * targets and lifecycle events (diagnostics on failure), and DeploymentSummary without them.
 * Every view is read in one unit of work; `now` (the coordinator's clock) decides whether a
 * stored bake is still running.
 */
import {
  isErrorCode,
  type DeploymentSummary,
  type DeploymentTargetView,
  type DeploymentView,
  type ErrorCode,
  type HealthResultView,
  type InstanceStatus,
  type LifecycleEventView,
  type RolloutState,
} from '../../../protocol/src/index.ts';
import type { RolloutRecord } from '../store/deployments/deployments.ts';
import type { DeploymentHealth, HealthResult } from '../store/health.ts';
import type { DeploymentFilter, DeploymentRecord, EventRecord, TargetRecord } from '../store/deployments/views.ts';
import type { Repositories, Store } from '../store/store.ts';
import { gateOf } from './policy/decide-rollout.ts';

export type { DeploymentFilter } from '../store/deployments/views.ts';

/** A stored rollout as the API shows it: what it waits for at `now` included, with its health gates. */
export function rolloutState(r: RolloutRecord, now: Date, health: DeploymentHealth = {}): RolloutState {
  const state: RolloutState = { step: r.step, steps: r.steps, paused: r.paused, approval: r.approval };
  if (r.bakeUntil !== undefined) state.bakeUntil = r.bakeUntil;
  if (r.approvedBy !== undefined) state.approvedBy = r.approvedBy;
  if (r.approvedAt !== undefined) state.approvedAt = r.approvedAt;
  if (health.pauseReason !== undefined && r.paused) state.pauseReason = health.pauseReason;
  const a = health.analysis;
  if (a !== undefined) state.analysis = { step: a.step, status: a.status, startTime: a.startedAt, ...(a.message === undefined ? {} : { message: a.message }) };
  const waiting = gateOf(state, now.toISOString());
  if (waiting !== undefined) state.waitingFor = waiting;
  return state;
}

function asErrorCode(code: string, fallback: ErrorCode): ErrorCode {
  return isErrorCode(code) ? code : fallback;
}

function toEventView(e: EventRecord): LifecycleEventView {
  const view: LifecycleEventView = { lifecycleEventName: e.event, status: e.status };
  if (e.startedAt !== undefined) view.startTime = e.startedAt;
  if (e.endedAt !== undefined) view.endTime = e.endedAt;
  if (e.agentAt !== undefined) view.agentReportedTime = e.agentAt;
  if (e.errorCode !== undefined) {
    const diagnostics: NonNullable<LifecycleEventView['diagnostics']> = { errorCode: asErrorCode(e.errorCode, 'UnknownError'), message: e.message ?? '' };
    if (e.scriptName !== undefined) diagnostics.scriptName = e.scriptName;
    if (e.logTail !== undefined) diagnostics.logTail = e.logTail;
    view.diagnostics = diagnostics;
  } else if (e.message !== undefined && e.message !== '') {
    // Why it still runs (a reboot), why it was skipped, or a failure that was ignored.
    view.message = e.message;
  }
  return view;
}

function toTargetView(d: DeploymentRecord, t: TargetRecord, events: LifecycleEventView[]): DeploymentTargetView {
  const view: DeploymentTargetView = { instanceId: t.instanceId, hostname: t.hostname, status: t.status, lifecycleEvents: events };
  if (t.batch !== undefined) view.batch = t.batch;
  if (d.rollout.steps > 1) view.step = t.step;
  if (d.rollout.kind === 'segment') view.segment = t.segment;
  if (t.updatedAt !== undefined) view.lastUpdatedAt = t.updatedAt;
  if (t.errorCode !== undefined) view.errorCode = asErrorCode(t.errorCode, 'UnknownError');
  if (t.message !== undefined) view.message = t.message;
  return view;
}

async function targetsOf(store: Repositories, d: DeploymentRecord): Promise<DeploymentTargetView[]> {
  const targets = await store.deploymentViews.targets(d.deploymentId);
  // One pass over the events (ordered by host, then position), not one filter per host.
  const eventsByHost = new Map<string, LifecycleEventView[]>();
  for (const e of await store.deploymentViews.events(d.deploymentId)) {
    const list = eventsByHost.get(e.instanceId);
    if (list) list.push(toEventView(e));
    else eventsByHost.set(e.instanceId, [toEventView(e)]);
  }
  return targets.map((t) => toTargetView(d, t, eventsByHost.get(t.instanceId) ?? []));
}

/** CodeDeploy's overview counters from the number of targets in each status. */
function overviewOf(counts: ReadonlyMap<InstanceStatus, number>): DeploymentView['overview'] {
  const overview: DeploymentView['overview'] = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0 };
  const waiting = counts.get('WaitingForAgent') ?? 0;
  // Only shown when some host waits, so CodeDeploy-shaped consumers see CodeDeploy's counters.
  if (waiting > 0) overview.WaitingForAgent = waiting;
  for (const [status, n] of counts) {
    if (status !== 'WaitingForAgent' && Object.hasOwn(overview, status)) overview[status as 'Pending'] += n;
  }
  return overview;
}

function countTargets(targets: readonly DeploymentTargetView[]): Map<InstanceStatus, number> {
  const counts = new Map<InstanceStatus, number>();
  for (const t of targets) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return counts;
}

function rollbackInfoOf(d: DeploymentRecord): DeploymentView['rollbackInfo'] {
  const info: NonNullable<DeploymentView['rollbackInfo']> = {};
  if (d.rollbackDeploymentId !== undefined) info.rollbackDeploymentId = d.rollbackDeploymentId;
  if (d.rollbackOf !== undefined) info.rollbackTriggeringDeploymentId = d.rollbackOf;
  if (d.rollbackMessage !== undefined) info.rollbackMessage = d.rollbackMessage;
  return Object.keys(info).length > 0 ? info : undefined;
}

function toSummary(d: DeploymentRecord, now: Date, overview: DeploymentView['overview'], health: DeploymentHealth): DeploymentSummary {
  const view: DeploymentSummary = {
    deploymentId: d.deploymentId,
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    revisionId: d.revisionId,
    deploymentConfigName: d.deploymentConfigName,
    status: d.status,
    creator: d.creator,
    fileExistsBehavior: d.fileExistsBehavior,
    ignoreApplicationStopFailures: d.ignoreApplicationStopFailures,
    createTime: d.createdAt,
    overview,
  };
  if (d.description !== undefined) view.description = d.description;
  if (d.errorCode !== undefined) view.errorInformation = { code: asErrorCode(d.errorCode, 'INTERNAL_ERROR'), message: d.errorMessage ?? '' };
  if (d.startedAt !== undefined) view.startTime = d.startedAt;
  if (d.completedAt !== undefined) view.completeTime = d.completedAt;
  if (d.updateOutdatedOnly) view.updateOutdatedInstancesOnly = true;
  if (d.autoRollback !== undefined) view.autoRollbackConfiguration = d.autoRollback;
  const rollbackInfo = rollbackInfoOf(d);
  if (rollbackInfo) view.rollbackInfo = rollbackInfo;
  // Shown once there is something to tell beyond CodeDeploy's fields: steps, a gate, a pause.
  if (d.status === 'InProgress' || d.rollout.steps > 1 || d.rollout.approval !== 'NotRequired' || health.analysis !== undefined) {
    view.rollout = rolloutState(d.rollout, now, health);
  }
  if (health.alarmOverride !== undefined) view.overrideAlarmConfiguration = health.alarmOverride;
  if (health.retryOf !== undefined) view.retryOf = health.retryOf;
  return view;
}

function toResultView(r: HealthResult): HealthResultView {
  const view: HealthResultView = { at: r.at, check: r.check, purpose: r.purpose, verdict: r.verdict, message: r.message };
  if (r.step !== undefined) view.step = r.step;
  if (r.value !== undefined) view.value = r.value;
  if (r.dryRun) view.dryRun = true;
  return view;
}

async function summaryOf(store: Repositories, d: DeploymentRecord, now: Date): Promise<DeploymentSummary> {
  return toSummary(d, now, overviewOf(await store.deploymentViews.countTargets(d.deploymentId)), await store.health.getDeploymentHealth(d.deploymentId));
}

/** The deployment with its targets and lifecycle events, or undefined when there is none. */
export function getDeploymentView(store: Store, deploymentId: string, now: Date): Promise<DeploymentView | undefined> {
  return store.read(async (tx) => {
    const d = await tx.deploymentViews.deployment(deploymentId);
    if (!d) return undefined;
    const targets = await targetsOf(tx, d);
    const summary = toSummary(d, now, overviewOf(countTargets(targets)), await tx.health.getDeploymentHealth(deploymentId));
    const results = await tx.health.resultsOf(deploymentId);
    const view: DeploymentView = { ...summary, targets, ...(results.length > 0 ? { health: results.map(toResultView) } : {}) };
    await addTraffic(tx, deploymentId, view);
    return view;
  });
}

/** The traffic fields of a view: each host's fleet and balancer state, and where a blue/green stands. */
async function addTraffic(tx: Repositories, deploymentId: string, view: DeploymentView): Promise<void> {
  const row = await tx.deployments.get(deploymentId);
  if (!row) return;
  const group = await tx.traffic.groupTraffic(row.deploymentGroupId);
  if (!group.trafficControl) return;
  const labels = await tx.traffic.labelsOf(deploymentId);
  const states = new Map((await tx.traffic.hostStatesOfGroup(row.deploymentGroupId)).map((h) => [h.instanceId, h]));
  for (const t of view.targets) {
    const label = labels.get(t.instanceId);
    if (label !== undefined) t.instanceLabel = label;
    const state = states.get(t.instanceId);
    if (state) t.balancer = { state: state.state, ...(state.detail === undefined ? {} : { detail: state.detail }) };
  }
  const bg = await tx.traffic.blueGreenOf(deploymentId);
  if (!bg) return;
  view.deploymentType = 'BLUE_GREEN';
  view.blueGreen = { phase: bg.phase, blueFleet: bg.blueFleet, greenFleet: bg.greenFleet, step: bg.step, steps: bg.steps.length, trafficMoved: bg.trafficMoved, ...(bg.until === undefined ? {} : { until: bg.until }) };
}

/** The deployment without its targets (their counts are in `overview`), or undefined when there is none. */
export function getDeploymentSummary(store: Store, deploymentId: string, now: Date): Promise<DeploymentSummary | undefined> {
  return store.read(async (tx) => {
    const d = await tx.deploymentViews.deployment(deploymentId);
    return d && summaryOf(tx, d, now);
  });
}

/**
 * Deployments matching the filter, newest first, without their targets: listing every host of
 * every deployment made this answer megabytes per deployment at 10,000 hosts.
 */
export function listDeploymentSummaries(store: Store, filter: DeploymentFilter, now: Date): Promise<DeploymentSummary[]> {
  return store.read(async (tx) => {
    const out: DeploymentSummary[] = [];
    for (const d of await tx.deploymentViews.list(filter)) out.push(await summaryOf(tx, d, now));
    return out;
  });
}
