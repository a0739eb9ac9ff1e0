/**
 * The guard rail at creation: a deployment without a batch plan that would take more of its
 * group out of service in its first step than the group's largeBlastRadius allows is refused,
 * saying how many hosts it would take at once, unless confirmLargeBlastRadius is set. The first
 * step is the one the rollout decision would start (the plan preview's simulation).
 */
import { DeckhandError } from '../../../protocol/src/index.ts';
import { configFor } from './configs.ts';
import type { Engine } from './engine.ts';
import { DEFAULT_LARGE_BLAST_RADIUS, exceedsBlastRadius } from './policy/blast-radius.ts';
import { checkStartable, minimumHealthyCount } from './policy/minimum-healthy.ts';
import { planSteps } from './policy/rollout-steps.ts';
import { simulateRollout } from './policy/simulate-rollout.ts';
import { selectTargets } from './targets.ts';

/** What the guard rail looks at in a new deployment. */
export interface BlastRadiusQuery {
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  updateOutdatedInstancesOnly?: boolean;
  targetInstances?: readonly string[];
  requireApproval?: boolean;
}

/** Throws VALIDATION_FAILED naming confirmLargeBlastRadius when the deployment needs a confirmation. */
export async function checkBlastRadius(e: Engine, q: BlastRadiusQuery): Promise<void> {
  const config = await configFor(e.tx, q.deploymentConfigName);
  // A batch plan is the operator's own choice of how much goes at once.
  if (!config || config.rollout.batches !== undefined || config.rollout.segmentBy !== undefined) return;
  const isConnected = (id: string): boolean => e.presence.isConnected(id);
  const query = { deploymentGroupId: q.deploymentGroupId, revisionId: q.revisionId, updateOutdatedOnly: q.updateOutdatedInstancesOnly ?? false };
  const selected = await selectTargets(e.tx, q.targetInstances ? { ...query, instanceIds: q.targetInstances } : query, isConnected);
  const n = selected.hosts.length;
  const steps = planSteps(config, selected.hosts, q.requireApproval ?? config.rollout.requireApproval ?? false, selected.tagOf);
  // A deployment that cannot start fails at once with its own reason; nothing is taken down.
  if (checkStartable(n, minimumHealthyCount(config.rule, n)) ?? steps.problem) return;
  const first = simulateRollout(steps, config).waves[0]?.count ?? 0;
  const whole = q.targetInstances === undefined && !query.updateOutdatedOnly ? n : (await selectTargets(e.tx, { ...query, updateOutdatedOnly: false }, isConnected)).hosts.length;
  const limit = (await e.tx.health.getGroupHealth(q.deploymentGroupId)).largeBlastRadius ?? DEFAULT_LARGE_BLAST_RADIUS;
  if (!exceedsBlastRadius(first, whole, limit)) return;
  const group = await e.tx.groups.get(q.deploymentGroupId);
  throw new DeckhandError(
    'VALIDATION_FAILED',
    `confirmLargeBlastRadius: this deployment would take ${first} of the ${whole} hosts of deployment group ${group?.name ?? q.deploymentGroupId} ` +
      `out of service at once in its first step (more than ${limit.percent} % and more than ${limit.hosts} hosts) with ${q.deploymentConfigName} ` +
      'and no batch plan; confirm it (deckhand deploy --confirm, or confirmLargeBlastRadius: true) or use a configuration with batches',
    { details: { field: 'confirmLargeBlastRadius', hosts: first, groupHosts: whole } },
  );
}
