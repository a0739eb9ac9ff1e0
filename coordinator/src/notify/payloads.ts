/**
 * What a webhook says: which CodeDeploy trigger events a change of a deployment or host makes,
 * and their JSON bodies, in CodeDeploy's trigger payload shape (timestamps as epoch-second
 * strings, counters as strings, as its SNS messages have them) under Standard Webhooks'
 * `{type, timestamp, data}`.
 */
import type { TriggerEvent } from '../../../protocol/src/index.ts';
import type { DeploymentRecord, EventRecord, TargetRecord } from '../store/deployments/views.ts';
import type { HealthResult } from '../store/health.ts';
import type { Unannounced } from '../store/webhooks.ts';

const NOT_STARTED = new Set([null, 'Created', 'Queued']);

/** The events a deployment's change makes, in the order a receiver should see them. */
export function deploymentEvents(change: Unannounced, started: boolean): { before: TriggerEvent[]; after: TriggerEvent[] } {
  const before: TriggerEvent[] = [];
  const after: TriggerEvent[] = [];
  // Blue/green: traffic began to move to the replacement hosts (CodeDeploy's DeploymentReady).
  if (change.ready === true) after.push('DeploymentReady');
  if (NOT_STARTED.has(change.announced) && started && change.status !== change.announced) before.push('DeploymentStart');
  if (change.status !== change.announced) {
    if (change.status === 'Succeeded') after.push('DeploymentSuccess');
    if (change.status === 'Failed') after.push('DeploymentFailure');
    if (change.status === 'Stopped') after.push('DeploymentStop');
  }
  if (change.rollback) after.push('DeploymentRollback');
  return { before, after };
}

/** The events a host's change makes: its start (once), ready (a blue/green replacement host, once), then its outcome. */
export function instanceEvents(change: Unannounced): TriggerEvent[] {
  const out: TriggerEvent[] = [];
  if (change.announced === null) out.push('InstanceStart');
  // Blue/green: a replacement host reached AllowTraffic, ready for traffic.
  if (change.ready === true) out.push('InstanceReady');
  if (change.status === 'Succeeded') out.push('InstanceSuccess');
  if (change.status === 'Failed') out.push('InstanceFailure');
  return out;
}

function epoch(iso: string | undefined): string {
  return iso === undefined ? '' : String(Math.floor(Date.parse(iso) / 1000));
}

/** Health results a deployment payload carries at most: the newest. */
export const PAYLOAD_HEALTH_RESULTS = 20;

/**
 * The body of a deployment event. `health`: the deployment's newest check results (alarm polls
 * that changed a state, analysis measurements), oldest first, as `healthChecks` (Deckhand's
 * addition to CodeDeploy's shape); none: no key.
 */
export function deploymentPayload(event: TriggerEvent, name: string, d: DeploymentRecord, counts: ReadonlyMap<string, number>, at: string, health: readonly HealthResult[] = []): string {
  const n = (s: string): string => String(counts.get(s) ?? 0);
  const data: Record<string, unknown> = {
    region: 'deckhand',
    accountId: 'deckhand',
    eventTriggerName: name,
    applicationName: d.applicationName,
    deploymentId: d.deploymentId,
    deploymentGroupName: d.deploymentGroupName,
    createTime: epoch(d.createdAt),
    completeTime: epoch(d.completedAt),
    deploymentOverview: { Failed: n('Failed'), InProgress: n('InProgress'), Pending: n('Pending'), Skipped: n('Skipped'), Succeeded: n('Succeeded') },
    status: d.status,
  };
  if (d.errorCode !== undefined) data['errorInformation'] = { ErrorCode: d.errorCode, ErrorMessage: d.errorMessage ?? '' };
  if (d.rollbackDeploymentId !== undefined) data['rollbackDeploymentId'] = d.rollbackDeploymentId;
  if (health.length > 0) {
    data['healthChecks'] = health.slice(-PAYLOAD_HEALTH_RESULTS).map((r) => ({
      at: r.at,
      check: r.check,
      purpose: r.purpose,
      ...(r.step === undefined ? {} : { step: r.step }),
      verdict: r.verdict,
      ...(r.value === undefined ? {} : { value: r.value }),
      message: r.message,
      ...(r.dryRun ? { dryRun: true } : {}),
    }));
  }
  return JSON.stringify({ type: event, timestamp: at, data });
}

/** The body of an instance event. */
export function instancePayload(event: TriggerEvent, name: string, deploymentId: string, t: TargetRecord, events: readonly EventRecord[], at: string): string {
  const data = {
    region: 'deckhand',
    accountId: 'deckhand',
    eventTriggerName: name,
    deploymentId,
    instanceId: t.instanceId,
    hostname: t.hostname,
    lastUpdatedAt: epoch(t.updatedAt),
    instanceStatus: t.status,
    ...(t.errorCode === undefined ? {} : { errorCode: t.errorCode, message: t.message ?? '' }),
    lifecycleEvents: events.map((e) => ({ LifecycleEvent: e.event, LifecycleEventStatus: e.status, StartTime: epoch(e.startedAt), EndTime: epoch(e.endedAt) })),
  };
  return JSON.stringify({ type: event, timestamp: at, data });
}
