/**
 * The `deckhand status` report: a header (with what the rollout waits for), a table of targets ×
 * lifecycle events, then why: each failed or skipped host's code and message, the diagnostics
 * of every failed event with its log tail, and warnings (OutputsLeftOpen).
 */
import type { DeploymentTargetView, DeploymentView } from '../../../protocol/src/api.ts';
import { formatAnalysis, formatHealth } from './health.ts';
import { formatRollout } from './rollout.ts';
import { formatBalancer, formatBlueGreen } from './traffic.ts';
import { renderTable } from './table.ts';
import { safe, sanitize, sanitizeLines } from './sanitize.ts';
import { durationMs, formatDuration } from './time.ts';

/** The overview counts in words, WaitingForAgent included. */
export function formatCounts(view: DeploymentView): string {
  const o = view.overview;
  const waiting = o.WaitingForAgent ?? 0;
  const parts = [`${o.Succeeded} succeeded`, `${o.Failed} failed`, `${o.InProgress} in progress`];
  if (waiting > 0) parts.push(`${waiting} waiting for their agent`);
  parts.push(`${o.Pending} pending`, `${o.Skipped} skipped`);
  return parts.join(', ');
}

/**
 * What keeps a running deployment from starting hosts, in words ('' when nothing does): an
 * approval (and who may give it), a pause, a bake, an analysis, agents not connected.
 */
export function formatWaiting(view: DeploymentView): string {
  const r = view.rollout;
  const id = sanitize(view.deploymentId);
  const parts: string[] = [];
  if (r?.approval === 'Waiting') parts.push(`waiting for approval: deckhand approve ${id} (any admin token may approve)`);
  if (r?.paused) parts.push(`paused: deckhand resume ${id}`);
  if (r?.waitingFor === 'bake' && r.bakeUntil !== undefined) parts.push(safe`baking until ${r.bakeUntil}`);
  if (r?.waitingFor === 'analysis') parts.push(`waiting for its analysis (deckhand promote ${id} ends it now)`);
  const agents = view.overview.WaitingForAgent ?? 0;
  if (agents > 0) parts.push(`waiting for ${agents} agent${agents === 1 ? '' : 's'} to connect`);
  return parts.join('; ');
}

/** A host's status with its code and message, e.g. `Failed  AGENT_OFFLINE: The agent ...`. */
export function hostOutcome(t: DeploymentTargetView): string {
  const why = t.errorCode !== undefined ? safe`  ${t.errorCode}: ${t.message ?? ''}` : t.message ? safe`  ${t.message}` : '';
  return `${sanitize(t.status)}${why}`;
}

/** The header lines: id, application/group, revision, config, status, counts, rollout, times. */
export function formatDeploymentHeader(view: DeploymentView): string[] {
  const lines = [
    safe`Deployment ${view.deploymentId}  ${view.status}`,
    safe`  application ${view.applicationName}, group ${view.deploymentGroupName}, revision ${view.revisionId}`,
    safe`  config ${view.deploymentConfigName}, created ${view.createTime} by ${view.creator}`,
    `  hosts: ${formatCounts(view)}`,
  ];
  const total = durationMs(view.startTime ?? view.createTime, view.completeTime);
  if (total !== undefined) lines.push(`  took ${formatDuration(total)}`);
  if (view.rollout) lines.push(`  rollout: ${formatRollout(view.rollout)}`, ...formatAnalysis(view.rollout).map((l) => `  ${l}`));
  lines.push(...formatBlueGreen(view));
  const waiting = formatWaiting(view);
  if (waiting !== '' && view.completeTime === undefined) lines.push(`  now: ${waiting}`);
  if (view.errorInformation) lines.push(safe`  error: ${view.errorInformation.code}: ${view.errorInformation.message}`);
  return lines;
}

function eventNote(e: DeploymentTargetView['lifecycleEvents'][number]): string {
  if (e.diagnostics) return `${e.status === 'Succeeded' ? 'warning ' : ''}${e.diagnostics.errorCode}: ${e.diagnostics.message}`;
  return e.message ?? '';
}

function targetRows(target: DeploymentTargetView): string[][] {
  const head = [target.hostname, target.instanceId, target.status];
  if (target.lifecycleEvents.length === 0) return [[...head, '', '', '', '']];
  return target.lifecycleEvents.map((e, i) => [
    ...(i === 0 ? head : ['', '', '']),
    e.lifecycleEventName,
    e.status,
    formatDuration(durationMs(e.startTime, e.endTime)),
    eventNote(e),
  ]);
}

/** Each failed, skipped or waiting host with its code and message. */
export function formatHostReasons(view: DeploymentView): string[] {
  return view.targets
    .filter((t) => (t.status === 'Failed' || t.status === 'Skipped' || t.status === 'WaitingForAgent') && (t.errorCode !== undefined || t.message))
    .map((t) => safe`host ${t.hostname} (${t.instanceId}) ` + hostOutcome(t));
}

/** Diagnostics of every failed lifecycle event, with its log tail indented. */
export function formatFailures(view: DeploymentView): string[] {
  const lines: string[] = [];
  for (const t of view.targets) {
    for (const e of t.lifecycleEvents) {
      const d = e.diagnostics;
      if (e.status !== 'Failed' || d === undefined) continue;
      const script = d.scriptName === undefined ? '' : safe` (script ${d.scriptName})`;
      lines.push(safe`failed: ${t.hostname} (${t.instanceId}) ${e.lifecycleEventName}: ${d.errorCode}: ${d.message}${script}`);
      if (d.logTail !== undefined && d.logTail.trim() !== '') {
        lines.push('  log tail:', ...sanitizeLines(d.logTail.trimEnd()).map((l) => `    | ${l}`));
      }
    }
  }
  return lines;
}

/** Warnings of events that succeeded anyway (a script left its output open). */
export function formatWarnings(view: DeploymentView): string[] {
  return view.targets.flatMap((t) =>
    t.lifecycleEvents
      .filter((e) => e.status === 'Succeeded' && e.diagnostics !== undefined)
      .map((e) => safe`warning: ${t.hostname} (${t.instanceId}) ${e.lifecycleEventName}: ${e.diagnostics?.errorCode ?? ''}: ${e.diagnostics?.message ?? ''}`),
  );
}

/** Which hosts a report shows: only failed ones, or one host (instance id or hostname). */
export interface StatusFilter {
  failedOnly?: boolean;
  host?: string;
}

/** The view with only the targets the filter keeps (the header's counts stay the deployment's). */
export function filterTargets(view: DeploymentView, filter: StatusFilter): DeploymentView {
  const targets = view.targets.filter(
    (t) => (!filter.failedOnly || t.status === 'Failed') && (filter.host === undefined || t.instanceId === filter.host || t.hostname === filter.host),
  );
  return { ...view, targets };
}

/** The whole readable report of one deployment. */
export function formatStatus(view: DeploymentView): string {
  const rows = [...view.targets]
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.instanceId.localeCompare(b.instanceId))
    .flatMap(targetRows);
  const table =
    rows.length === 0
      ? 'no targets'
      : renderTable(['HOST', 'INSTANCE', 'HOST STATUS', 'EVENT', 'STATUS', 'DURATION', 'ERROR OR NOTE'], rows);
  const why = [...formatHostReasons(view), ...formatFailures(view), ...formatWarnings(view)];
  const health = formatHealth(view);
  return [...formatDeploymentHeader(view), '', table, ...formatBalancer(view), ...(why.length ? ['', ...why] : []), ...(health.length ? ['', ...health] : [])].join('\n');
}
