/**
 * `deckhand deploy --plan`: what a deployment would do, computed with the same host selection,
 * ordering and step split as a real one, and played forward with the same rollout decision
 * (policy/simulate-rollout.ts), without storing or starting anything.
 */
import { DeckhandError, type DeploymentPlan } from '../../../protocol/src/index.ts';
import type { Repositories } from '../store/store.ts';
import { configFor } from './configs.ts';
import { checkStartable, minimumHealthyCount } from './policy/minimum-healthy.ts';
import { planSteps } from './policy/rollout-steps.ts';
import { simulateRollout, type PlannedWave } from './policy/simulate-rollout.ts';
import { selectTargets, type PlannedHost } from './targets.ts';

/** What to plan. */
export interface PlanQuery {
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  updateOutdatedInstancesOnly: boolean;
  /** The deployment's own approval setting; undefined: the configuration's. */
  requireApproval?: boolean;
}

/** Cuts the ordered hosts into consecutive batches, one per wave. */
function cut(hosts: readonly PlannedHost[], waves: readonly PlannedWave[]): PlannedHost[][] {
  let next = 0;
  return waves.map((w) => hosts.slice(next, (next += w.count)));
}

/** The plan of a deployment if it started now and every host succeeded. */
export async function planDeployment(store: Repositories, query: PlanQuery, isConnected: (instanceId: string) => boolean): Promise<DeploymentPlan> {
  const group = await store.groups.get(query.deploymentGroupId);
  const config = await configFor(store, query.deploymentConfigName);
  if (!group || !config) throw new DeckhandError('VALIDATION_FAILED', `unknown deployment configuration "${query.deploymentConfigName}"`);
  const selected = await selectTargets(store, { ...query, updateOutdatedOnly: query.updateOutdatedInstancesOnly }, isConnected);
  const n = selected.hosts.length;
  const m = minimumHealthyCount(config.rule, n);
  const steps = planSteps(config, selected.hosts, query.requireApproval ?? config.rollout.requireApproval ?? false, selected.tagOf);
  const problem = checkStartable(n, m) ?? steps.problem;
  // Every wave the rollout would start, with the rollout's own decision (bakes waited out,
  // the approval given): the batches shown are the hosts it holds in flight together.
  const waves = problem ? [] : simulateRollout(steps, config).waves;
  const plan: DeploymentPlan = {
    deploymentGroupName: group.name,
    deploymentConfigName: query.deploymentConfigName,
    revisionId: query.revisionId,
    totalHosts: n,
    minimumHealthyHosts: m,
    maxConcurrent: Math.max(0, ...waves.map((w) => w.count)),
    failuresToStop: problem ? 0 : n - m,
    successesNeeded: Math.max(m, 1),
    batches: cut(steps.hosts, waves),
    batchKind: steps.kind,
  };
  if (problem) plan.problem = problem;
  if (steps.kind !== 'rule') plan.bakeSeconds = steps.bakeSeconds;
  if (steps.segments && !problem) plan.segments = waves.map((w) => steps.segments?.[w.step - 1] ?? null);
  if (steps.requireApproval) plan.requireApproval = true;
  return plan;
}
