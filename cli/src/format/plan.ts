/**
 * `deckhand deploy --plan` output: the numbers of the minimum-healthy rule, then each batch
 * with its hosts in the order they are taken.
 */
import type { DeploymentPlan } from '../../../protocol/src/orchestration.ts';
import { safe } from './sanitize.ts';

/** Renders a plan for people. */
export function formatPlan(plan: DeploymentPlan): string {
  const lines = [
    safe`Plan for ${plan.deploymentGroupName} with ${plan.deploymentConfigName} (revision ${plan.revisionId})`,
    safe`  hosts: ${plan.totalHosts}, minimum healthy: ${plan.minimumHealthyHosts}, at most ${plan.maxConcurrent} at a time`,
  ];
  if (plan.problem) {
    lines.push(safe`  would fail at once: ${plan.problem.code}: ${plan.problem.message}`);
    return lines.join('\n');
  }
  lines.push(
    `  stops (HEALTH_CONSTRAINTS) after ${plan.failuresToStop} failure(s) while hosts remain; succeeds with ${plan.successesNeeded} success(es)`,
  );
  if (plan.batchKind === 'list' || plan.batchKind === 'segment') {
    const what = plan.batchKind === 'list' ? 'batch list' : 'one segment at a time';
    lines.push(`  ${what}, bake ${plan.bakeSeconds ?? 0}s between batches; each batch starts once the one before succeeded`);
  }
  if (plan.requireApproval) lines.push('  waits for approval (deckhand approve ID) after batch 1');
  plan.batches.forEach((batch, i) => {
    const hosts = batch.map((h) => safe`${h.hostname} (${h.instanceId}, ${h.revisionHealth}${h.connected ? '' : ', offline'})`);
    const segment = plan.segments?.[i];
    const label = segment === undefined ? '' : segment === null ? ' [untagged]' : safe` [${segment}]`;
    lines.push(`  batch ${i + 1}${label}: ${hosts.join(', ')}`);
  });
  return lines.join('\n');
}
