/**
 * The demo's closing summary: outcome, per-host events and durations, where everything lives,
 * and how to look further.
 */
import * as path from 'node:path';
import type { DeploymentTargetView, DeploymentView } from '../../../protocol/src/api.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { durationMs, formatDuration } from '../format/time.ts';
import type { DemoAgent, DemoCoordinator } from './cluster.ts';

/** Everything the summary reports. */
export interface DemoSummaryInput {
  view: DeploymentView;
  /** Wall time of the whole demo so far. */
  totalMs: number;
  adminToken: string;
  tmpDir: string;
  coordinator: DemoCoordinator;
  agents: readonly DemoAgent[];
  deploymentGroupId: string;
  /** True when everything stays up after the summary (`--keep`). */
  keep: boolean;
  /** True when the folder is left behind for inspection (the deployment failed). */
  filesKept: boolean;
}

/** Where an agent keeps the hook output of one deployment. */
export function scriptsLogPath(agent: DemoAgent, deploymentGroupId: string, deploymentId: string): string {
  return path.join(agent.root, 'deployments', deploymentGroupId, deploymentId, 'logs', 'scripts.log');
}

function hostLines(target: DeploymentTargetView): string[] {
  const took = formatDuration(durationMs(target.lifecycleEvents[0]?.startTime, target.lastUpdatedAt));
  const events = target.lifecycleEvents.map((e) => {
    const d = formatDuration(durationMs(e.startTime, e.endTime));
    const status = e.status === 'Succeeded' ? '' : ` ${e.status}`;
    return `${sanitize(e.lifecycleEventName)}${sanitize(status)}${d ? ` ${d}` : ''}`;
  });
  return [safe`  ${target.hostname} (${target.instanceId}): ${target.status}${took ? ` in ${took}` : ''}`, `    ${events.join(', ')}`];
}

function whereLines(input: DemoSummaryInput): string[] {
  const { view, agents, coordinator } = input;
  const lines = ['Where things are:'];
  for (const a of agents) {
    lines.push(`  ${a.hostname}: files in ${path.join(a.destRoot, 'srv', 'demo-app')}`);
    lines.push(`    hook output ${scriptsLogPath(a, input.deploymentGroupId, view.deploymentId)}`);
    lines.push(`    agent log ${path.join(a.root, 'logs', 'agent.log')} (process output ${a.logFile})`);
  }
  lines.push(`  coordinator: data ${coordinator.dataDir}, log ${path.join(coordinator.dataDir, 'logs', 'coordinator.log')}`);
  lines.push(`    process output ${coordinator.logFile}`);
  if (input.filesKept) lines.push(`  (all under ${input.tmpDir}, kept for inspection)`);
  else if (!input.keep) lines.push(`  (all under ${input.tmpDir}, removed on exit; run 'npm run demo -- --keep' to keep them)`);
  return lines;
}

/** Environment assignments that point the CLI at the demo coordinator. */
export function demoEnv(coordinator: { url: string; caSha256: string }, adminToken: string): string {
  return `DECKHAND_URL=${coordinator.url} DECKHAND_CA_SHA256=${coordinator.caSha256} DECKHAND_TOKEN=${adminToken}`;
}

/** The full summary text. */
export function formatDemoSummary(input: DemoSummaryInput): string {
  const { view } = input;
  const env = demoEnv(input.coordinator, input.adminToken);
  const took = formatDuration(durationMs(view.startTime ?? view.createTime, view.completeTime));
  const lines = [
    '',
    safe`Deployment ${view.deploymentId}: ${view.status}${took ? ` in ${took}` : ''} (${view.deploymentConfigName}), demo total ${formatDuration(input.totalMs)}`,
    ...[...view.targets].sort((a, b) => a.hostname.localeCompare(b.hostname)).flatMap(hostLines),
    '',
    ...whereLines(input),
    '',
    input.keep ? 'Look further (everything keeps running until Ctrl-C):' : 'Look further (with --keep):',
    `  ${env} node bin/deckhand.js status ${sanitize(view.deploymentId)}`,
    `  ${env} node bin/deckhand.js instances`,
  ];
  return lines.join('\n');
}
