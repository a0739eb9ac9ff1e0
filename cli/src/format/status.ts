/**
 * The `deckhand status` report: a header, a table of targets × lifecycle events, and the
 * diagnostics of every failed event.
 */
import type { DeploymentTargetView, DeploymentView } from '../../../protocol/src/api.ts';
import { formatAnalysis, formatHealth } from './health.ts';
import { formatRollout } from './rollout.ts';
import { renderTable } from './table.ts';
import { safe, sanitizeLines } from './sanitize.ts';
import { durationMs, formatDuration } from './time.ts';

/** The header lines: id, application/group, revision, config, status, times. */
export function formatDeploymentHeader(view: DeploymentView): string[] {
  const o = view.overview;
  const lines = [
    safe`Deployment ${view.deploymentId}  ${view.status}`,
    safe`  application ${view.applicationName}, group ${view.deploymentGroupName}, revision ${view.revisionId}`,
    safe`  config ${view.deploymentConfigName}, created ${view.createTime} by ${view.creator}`,
    safe`  hosts: ${o.Succeeded} succeeded, ${o.Failed} failed, ${o.InProgress} in progress, ${o.Pending} pending, ${o.Skipped} skipped`,
  ];
  const total = durationMs(view.startTime ?? view.createTime, view.completeTime);
  if (total !== undefined) lines.push(`  took ${formatDuration(total)}`);
  if (view.rollout) lines.push(`  rollout: ${formatRollout(view.rollout)}`, ...formatAnalysis(view.rollout).map((l) => `  ${l}`));
  if (view.errorInformation) lines.push(safe`  error: ${view.errorInformation.code}: ${view.errorInformation.message}`);
  return lines;
}

function targetRows(target: DeploymentTargetView): string[][] {
  const head = [target.hostname, target.instanceId, target.status];
  if (target.lifecycleEvents.length === 0) return [[...head, '', '', '', '']];
  return target.lifecycleEvents.map((e, i) => [
    ...(i === 0 ? head : ['', '', '']),
    e.lifecycleEventName,
    e.status,
    formatDuration(durationMs(e.startTime, e.endTime)),
    e.diagnostics ? `${e.diagnostics.errorCode}: ${e.diagnostics.message}` : '',
  ]);
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

/** The whole readable report of one deployment. */
export function formatStatus(view: DeploymentView): string {
  const rows = [...view.targets]
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.instanceId.localeCompare(b.instanceId))
    .flatMap(targetRows);
  const table =
    rows.length === 0
      ? 'no targets'
      : renderTable(['HOST', 'INSTANCE', 'HOST STATUS', 'EVENT', 'STATUS', 'DURATION', 'ERROR'], rows);
  const failures = formatFailures(view);
  const health = formatHealth(view);
  return [...formatDeploymentHeader(view), '', table, ...(failures.length ? ['', ...failures] : []), ...(health.length ? ['', ...health] : [])].join('\n');
}
