/**
 * Timed no-op deployments to the one real agent: from the command's arrival in the agent's
 * journal to the host's Succeeded as reported to the coordinator, with its RSS sampled meanwhile.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { openSqlite } from '../../common/src/sqlite.ts';
import type { DeploymentSummary, DeploymentView } from '../../protocol/src/index.ts';
import { memoryKb } from '../lib/proc.ts';
import type { AgentSetup } from './real-agent.ts';

/** What one deployment measured. */
export interface AgentDeployment {
  /** Command journaled by the agent → the host's final Succeeded event time, ms. */
  agentMs: number;
  /** POST /v1/deployments → Succeeded seen by polling every 10 ms, ms. */
  endToEndMs: number;
  /** Highest VmRSS sampled during the deployment, kB. */
  peakRssKb: number;
  /** Each lifecycle event's duration (agent timestamps, ms), plus `gaps`: time between events and around them. */
  events: Record<string, number>;
}

/** Per-event durations of the host's run, and the time outside events (received → first event, between events, last → outcome). */
function eventBreakdown(host: DeploymentView['targets'][number], receivedAt: string): Record<string, number> {
  const out: Record<string, number> = {};
  let cursor = Date.parse(receivedAt);
  let gaps = 0;
  for (const e of host.lifecycleEvents) {
    if (e.startTime === undefined || e.endTime === undefined) continue;
    gaps += Date.parse(e.startTime) - cursor;
    out[e.lifecycleEventName] = Date.parse(e.endTime) - Date.parse(e.startTime);
    cursor = Date.parse(e.endTime);
  }
  out['gaps'] = gaps + (Date.parse(host.lastUpdatedAt ?? '') - cursor);
  return out;
}

/** When the agent journaled the command of `deploymentId` (ISO time). */
function commandReceivedAt(root: string, deploymentId: string): string {
  const db = openSqlite(path.join(root, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT received_at FROM commands WHERE deployment_id = ?').get(deploymentId) as { received_at: string } | undefined;
    if (!row) throw new Error(`the agent's journal has no command for ${deploymentId}`);
    return row.received_at;
  } finally {
    db.close();
  }
}

async function waitTerminal(setup: AgentSetup, deploymentId: string): Promise<DeploymentView> {
  for (let waited = 0; waited < 600_000; waited += 10) {
    const view = await setup.coordinator.call<DeploymentView>('GET', `/v1/deployments/${deploymentId}`);
    if (['Succeeded', 'Failed', 'Stopped'].includes(view.status)) return view;
    await delay(10);
  }
  throw new Error(`deployment ${deploymentId} did not finish within 600 s`);
}

/** Deploys `revisionId` (default: the no-op revision) once and measures it; throws unless it succeeded. */
export async function timedAgentDeployment(setup: AgentSetup, revisionId = setup.target.revisionId): Promise<AgentDeployment> {
  let peakRssKb = 0;
  const sampler = setInterval(() => {
    peakRssKb = Math.max(peakRssKb, memoryKb(setup.agentPid).rss);
  }, 5);
  const start = performance.now();
  try {
    const created = await setup.coordinator.call<DeploymentSummary>('POST', '/v1/deployments', {
      applicationName: setup.target.application,
      deploymentGroupName: setup.target.group,
      revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      fileExistsBehavior: 'OVERWRITE',
    });
    const view = await waitTerminal(setup, created.deploymentId);
    const endToEndMs = performance.now() - start;
    const host = view.targets[0];
    if (view.status !== 'Succeeded' || host?.lastUpdatedAt === undefined) {
      throw new Error(`deployment ${created.deploymentId} ended ${view.status}: ${JSON.stringify(view.errorInformation ?? host)}`);
    }
    const receivedAt = commandReceivedAt(setup.root, created.deploymentId);
    const agentMs = Date.parse(host.lastUpdatedAt) - Date.parse(receivedAt);
    return { agentMs, endToEndMs, peakRssKb: Math.max(peakRssKb, memoryKb(setup.agentPid).rss), events: eventBreakdown(host, receivedAt) };
  } finally {
    clearInterval(sampler);
  }
}
