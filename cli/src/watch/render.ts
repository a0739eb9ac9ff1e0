/**
 * What the live watcher prints, as pure functions of successive deployment views: the lines
 * describing what changed since the previous poll, and the done/total count of a progress bar.
 */
import type { DeploymentTargetView, DeploymentView, LifecycleEventView } from '../../../protocol/src/api.ts';
import { isTerminalDeploymentStatus, isTerminalInstanceStatus } from '../../../protocol/src/status.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { formatWaiting, hostOutcome } from '../format/status.ts';
import { durationMs, formatDuration } from '../format/time.ts';

/** Hosts whose part is over, out of all targets. */
export interface ProgressCount {
  done: number;
  total: number;
  failed: number;
}

/** Counts targets in a terminal status (Succeeded, Failed, Skipped). */
export function countProgress(view: DeploymentView): ProgressCount {
  const done = view.targets.filter((t) => isTerminalInstanceStatus(t.status)).length;
  const failed = view.targets.filter((t) => t.status === 'Failed').length;
  return { done, total: view.targets.length, failed };
}

function hostWidth(view: DeploymentView): number {
  return Math.max(8, ...view.targets.map((t) => sanitize(t.hostname).length));
}

function eventLine(host: string, event: LifecycleEventView): string {
  const took = event.status === 'InProgress' ? '' : formatDuration(durationMs(event.startTime, event.endTime));
  const d = event.diagnostics;
  const warning = d !== undefined && event.status === 'Succeeded' ? 'warning ' : '';
  const diag = d ? `  ${warning}${safe`${d.errorCode}: ${d.message}`}` : event.status === 'InProgress' && event.message ? safe`  ${event.message}` : '';
  return `${host}  ${sanitize(event.lifecycleEventName).padEnd(16)}  ${sanitize(event.status)}${took ? ` (${took})` : ''}${diag}`.trimEnd();
}

/** A Skipped event that says why (the traffic hooks without traffic control): shown by status, not live. */
function quietSkip(event: LifecycleEventView): boolean {
  return event.status === 'Skipped' && event.message !== undefined;
}

function targetChanges(prev: DeploymentTargetView | undefined, next: DeploymentTargetView, width: number): string[] {
  const host = sanitize(next.hostname).padEnd(width);
  const lines: string[] = [];
  // A skipped host gets one line, not one per skipped event.
  const hostSkipped = next.status === 'Skipped';
  for (const event of next.lifecycleEvents) {
    const before = prev?.lifecycleEvents.find((e) => e.lifecycleEventName === event.lifecycleEventName);
    const changed = before === undefined ? event.status !== 'Pending' : before.status !== event.status;
    if (changed && !(hostSkipped && event.status === 'Skipped') && !quietSkip(event)) lines.push(eventLine(host, event));
  }
  const hostChanged = prev === undefined ? next.status !== 'Pending' : prev.status !== next.status;
  if (hostChanged && isTerminalInstanceStatus(next.status)) lines.push(`${host}  host ${hostOutcome(next)}`.trimEnd());
  if (hostChanged && next.status === 'WaitingForAgent') lines.push(`${host}  host waiting for its agent to connect`);
  return lines;
}

/**
 * The lines describing what changed from `prev` to `next`: every lifecycle event whose status
 * changed (on the first view, every event that has left Pending), every host that finished,
 * and the deployment's own status when it changed to a non-final one (the final status is the
 * caller's closing line).
 */
export function describeChanges(prev: DeploymentView | undefined, next: DeploymentView): string[] {
  const lines: string[] = [];
  const statusChanged = prev === undefined || prev.status !== next.status;
  if (statusChanged && !isTerminalDeploymentStatus(next.status)) {
    lines.push(safe`deployment ${next.deploymentId} ${next.status}`);
  }
  const waiting = isTerminalDeploymentStatus(next.status) ? '' : formatWaiting(next);
  if (waiting !== '' && (prev === undefined || waiting !== formatWaiting(prev))) lines.push(`deployment ${sanitize(next.deploymentId)} ${waiting}`);
  const width = hostWidth(next);
  for (const target of next.targets) {
    const before = prev?.targets.find((t) => t.instanceId === target.instanceId);
    lines.push(...targetChanges(before, target, width));
  }
  return lines;
}
