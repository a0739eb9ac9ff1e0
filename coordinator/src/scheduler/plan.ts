/**
 * `deckhand deploy --plan`: what a deployment would do, computed with the same host selection,
 * ordering and minimum-healthy rule as a real one, without storing or starting anything.
 */
import { DeckhandError, type DeploymentPlan } from '../../../protocol/src/index.ts';
import type { Db } from '../store/db.ts';
import { getDeploymentGroup } from '../store/groups.ts';
import { configFor } from './configs.ts';
import { checkStartable, minimumHealthyCount, simulateBatches } from './health.ts';
import { planSteps } from './rollout.ts';
import { resolveTargets, type PlannedHost } from './targets.ts';

/** What to plan. */
export interface PlanQuery {
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  updateOutdatedInstancesOnly: boolean;
  /** The deployment's own approval setting; undefined: the configuration's. */
  requireApproval?: boolean;
}

/** Cuts the ordered hosts into consecutive batches of the given sizes. */
function cut(hosts: readonly PlannedHost[], sizes: readonly number[]): PlannedHost[][] {
  let next = 0;
  return sizes.map((size) => hosts.slice(next, (next += size)));
}

/** The plan of a deployment if it started now and every host succeeded. */
export function planDeployment(db: Db, query: PlanQuery, isConnected: (instanceId: string) => boolean): DeploymentPlan {
  const group = getDeploymentGroup(db, query.deploymentGroupId);
  const config = configFor(db, query.deploymentConfigName);
  if (!group || !config) throw new DeckhandError('VALIDATION_FAILED', `unknown deployment configuration "${query.deploymentConfigName}"`);
  const hosts = resolveTargets(db, { ...query, updateOutdatedOnly: query.updateOutdatedInstancesOnly }, isConnected);
  const n = hosts.length;
  const m = minimumHealthyCount(config.rule, n);
  const steps = planSteps(db, config, hosts, query.requireApproval ?? config.rollout.requireApproval ?? false);
  const problem = checkStartable(n, m) ?? steps.problem;
  // A plain rule shows its minimum-healthy batches; a batch list or segments show their steps.
  const sizes = problem ? [] : steps.kind === 'rule' ? simulateBatches(n, m) : steps.sizes;
  const batches = cut(steps.hosts, sizes);
  const plan: DeploymentPlan = {
    deploymentGroupName: group.name,
    deploymentConfigName: query.deploymentConfigName,
    revisionId: query.revisionId,
    totalHosts: n,
    minimumHealthyHosts: m,
    maxConcurrent: problem ? 0 : n - m,
    failuresToStop: problem ? 0 : n - m,
    successesNeeded: Math.max(m, 1),
    batches,
    batchKind: steps.kind,
  };
  if (problem) plan.problem = problem;
  if (steps.kind !== 'rule') plan.bakeSeconds = steps.bakeSeconds;
  if (steps.segments && !problem) plan.segments = steps.segments;
  if (steps.requireApproval) plan.requireApproval = true;
  return plan;
}
