/**
 * Rerun only what failed (`deckhand deploy --retry-failed ID`): a new deployment of the same
 * revision, configuration and settings to the hosts that failed or were skipped in ID. A host
 * whose Install succeeded there (the revision is installed) and that failed at a later event
 * starts at that event, with the revision unpacked by ID; any other starts from the beginning.
 */
import { AGENT_EVENT_ORDER, DeckhandError, isTerminalDeploymentStatus } from '../../../protocol/src/index.ts';
import { createDeployment } from './create-and-stop.ts';
import type { Engine } from './engine.ts';

/** How a retry is asked for. */
export interface RetryOptions {
  who: string;
  queue: boolean;
  description?: string;
  confirmLargeBlastRadius: boolean;
}

/** An event's place in the agent's order (-1: not one of them). */
const position = (event: string): number => (AGENT_EVENT_ORDER as readonly string[]).indexOf(event);
const INSTALL = position('Install');

/** Where each failed host of `deploymentId` starts again: its failed event, when after an Install that succeeded. */
async function startEvents(e: Engine, deploymentId: string, hosts: ReadonlySet<string>): Promise<Map<string, string>> {
  const earlier = await e.tx.health.retryStartsOf(deploymentId);
  const byHost = new Map<string, { installed: boolean; failed?: string }>();
  for (const ev of await e.tx.deploymentViews.events(deploymentId)) {
    if (!hosts.has(ev.instanceId)) continue;
    const h = byHost.get(ev.instanceId) ?? { installed: false };
    if (ev.event === 'Install' && ev.status === 'Succeeded') h.installed = true;
    if ((ev.status === 'Failed' || ev.status === 'Unknown') && h.failed === undefined) h.failed = ev.event;
    byHost.set(ev.instanceId, h);
  }
  const starts = new Map<string, string>();
  for (const [instanceId, h] of byHost) {
    // A host this deployment itself started after Install has the revision installed too.
    const installed = h.installed || position(earlier.get(instanceId) ?? '') > INSTALL;
    if (installed && h.failed !== undefined && position(h.failed) > INSTALL) starts.set(instanceId, h.failed);
  }
  return starts;
}

/** Creates the retry of `deploymentId`; returns its id. */
export async function retryFailed(e: Engine, deploymentId: string, opts: RetryOptions): Promise<string> {
  const d = await e.tx.deployments.get(deploymentId);
  if (!d) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  if (!isTerminalDeploymentStatus(d.status)) throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is ${d.status}: retry its failed hosts once it has ended`);
  const targets = await e.tx.deploymentViews.targets(deploymentId);
  const hosts = targets.filter((t) => t.status === 'Failed' || t.status === 'Skipped' || t.status === 'Unknown').map((t) => t.instanceId);
  if (hosts.length === 0) throw new DeckhandError('CONFLICT', `deployment ${deploymentId} has no failed or skipped host to retry`);
  const starts = await startEvents(e, deploymentId, new Set(hosts));
  const health = await e.tx.health.getDeploymentHealth(deploymentId);
  const id = await createDeployment(e, {
    applicationId: d.applicationId,
    deploymentGroupId: d.deploymentGroupId,
    revisionId: d.revisionId,
    deploymentConfigName: d.deploymentConfigName,
    fileExistsBehavior: d.fileExistsBehavior,
    ignoreApplicationStopFailures: d.ignoreApplicationStopFailures,
    parameters: await e.tx.deployments.parametersOf(deploymentId),
    description: opts.description ?? `Retry of the ${hosts.length} failed and skipped host(s) of ${deploymentId}`,
    creator: opts.who,
    queue: opts.queue,
    targetInstances: hosts,
    retryOf: deploymentId,
    confirmLargeBlastRadius: opts.confirmLargeBlastRadius,
    ...(d.autoRollback ? { autoRollback: d.autoRollback } : {}),
    ...(health.alarmOverride ? { overrideAlarmConfiguration: health.alarmOverride } : {}),
    startEvents: starts,
  });
  e.log.info('retry created', { deploymentId: id, retryOf: deploymentId, hosts: hosts.length, fromFailedEvent: starts.size });
  return id;
}
