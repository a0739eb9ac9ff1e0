/**
 * Where a retried host starts (`deckhand deploy --retry-failed`): at the event its failed
 * deployment stopped at, with the revision that deployment unpacked and installed, while that
 * install is still the group's last successful one on this host. Anything else (another
 * revision installed since, its folder gone) and the host runs every event, as a new
 * deployment would. The events before the start are reported Skipped, saying why.
 */
import { existsSync } from 'node:fs';
import { AGENT_EVENT_ORDER } from '../../../protocol/src/lifecycle-events.ts';
import { archiveDirOf, type DeploymentContext } from './context.ts';

/** A retry's start, once this host has been found able to take it. */
export interface StartAt {
  event: string;
  fromDeploymentId: string;
}

const position = (event: string): number => (AGENT_EVENT_ORDER as readonly string[]).indexOf(event);

/**
 * Takes up the command's start when this host still has the failed deployment's install:
 * `ctx.archiveDir` becomes that deployment's unpacked revision. Leaves `ctx` as it is otherwise.
 */
export function applyStartAt(ctx: DeploymentContext): void {
  const wanted = ctx.spec.startAt;
  if (wanted === undefined) return;
  const group = ctx.deps.journal.getGroupRevisions(ctx.spec.deploymentGroupId);
  const archiveDir = group.lastSuccessfulDir === undefined ? undefined : archiveDirOf(group.lastSuccessfulDir);
  if (group.lastSuccessfulDeploymentId !== wanted.fromDeploymentId || archiveDir === undefined || !existsSync(archiveDir)) {
    ctx.log.info('retry runs every event: the failed deployment\'s install is no longer the current one here', {
      retryOf: wanted.fromDeploymentId,
      installed: group.lastSuccessfulDeploymentId,
    });
    return;
  }
  ctx.archiveDir = archiveDir;
  ctx.startAt = { event: wanted.lifecycleEvent, fromDeploymentId: wanted.fromDeploymentId };
  ctx.log.info('retry starts at its failed event', { retryOf: wanted.fromDeploymentId, lifecycleEvent: wanted.lifecycleEvent });
}

/** Whether `event` comes before the retry's start (an event outside the agent's order never does). */
export function isBeforeStart(start: StartAt, event: string): boolean {
  const at = position(event);
  return at >= 0 && at < position(start.event);
}
