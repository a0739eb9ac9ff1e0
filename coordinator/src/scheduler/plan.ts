/**
 * `deckhand deploy --plan`: what a deployment would do, computed with the same host selection,
 * ordering and minimum-healthy rule as a real one, without storing or starting anything.
 */
import { DeckhandError, type DeploymentPlan } from '../../../protocol/src/index.ts';
import type { Db } from '../store/db.ts';
import { getDeploymentGroup } from '../store/groups.ts';
import { ruleFor } from './configs.ts';
import { checkStartable, minimumHealthyCount, simulateBatches } from './health.ts';
import { resolveTargets } from './targets.ts';

/** What to plan. */
export interface PlanQuery {
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  updateOutdatedInstancesOnly: boolean;
}

/** The plan of a deployment if it started now and every host succeeded. */
export function planDeployment(db: Db, query: PlanQuery, isConnected: (instanceId: string) => boolean): DeploymentPlan {
  const group = getDeploymentGroup(db, query.deploymentGroupId);
  const rule = ruleFor(db, query.deploymentConfigName);
  if (!group || !rule) throw new DeckhandError('VALIDATION_FAILED', `unknown deployment configuration "${query.deploymentConfigName}"`);
  const hosts = resolveTargets(db, { ...query, updateOutdatedOnly: query.updateOutdatedInstancesOnly }, isConnected);
  const n = hosts.length;
  const m = minimumHealthyCount(rule, n);
  const problem = checkStartable(n, m);
  const batches: DeploymentPlan['batches'] = [];
  let next = 0;
  for (const size of problem ? [] : simulateBatches(n, m)) {
    batches.push(hosts.slice(next, next + size));
    next += size;
  }
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
  };
  if (problem) plan.problem = problem;
  return plan;
}
