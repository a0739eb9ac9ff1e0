/**
 * A unit of work whose every write for a deployment first passes the fence (leases.ts): the
 * deployment's row, its rollout, its hosts' dispatch and failures, its group's last success.
 * What agents report (events, acknowledgements) is not fenced: it is the host's fact, applied
 * exactly once wherever the agent is connected, and the deployment's driver acts on it.
 * Reads pass through untouched.
 */
import type { DeploymentRepository } from '../store/deployments/deployments.ts';
import type { TargetRepository } from '../store/deployments/targets.ts';
import type { DeploymentGroupRepository } from '../store/groups.ts';
import type { UnitOfWork } from '../store/store.ts';

/** What the wrapper asks of the fence. */
export interface FenceHooks {
  /** Throws unless this coordinator may write for the deployment (taking its lease if free). */
  guard(deploymentId: string): Promise<void>;
  /** The deployment ended: its lease is given up in this unit of work. */
  release(deploymentId: string): Promise<void>;
}

/** `tx` with its deployment writes fenced by `hooks`. */
export function fencedRepositories(tx: UnitOfWork, hooks: FenceHooks): UnitOfWork {
  const { guard } = hooks;
  const d = tx.deployments;
  const deployments: DeploymentRepository = {
    ...d,
    insert: async (row, status) => {
      await d.insert(row, status);
      // A queued deployment has nothing to drive until it starts, whoever starts it.
      if (status === 'Created') await guard(row.deploymentId);
    },
    markStarted: async (id, from, at) => (await guard(id), d.markStarted(id, from, at)),
    markCompleted: async (id, from, status, at, error) => {
      await guard(id);
      const done = await d.markCompleted(id, from, status, at, error);
      if (done) await hooks.release(id);
      return done;
    },
    setRollbackInfo: async (id, info) => (await guard(id), d.setRollbackInfo(id, info)),
    storeSteps: async (id, steps) => (await guard(id), d.storeSteps(id, steps)),
    enterStep: async (id, gates) => (await guard(id), d.enterStep(id, gates)),
    setPaused: async (id, paused) => (await guard(id), d.setPaused(id, paused)),
    approve: async (id, who, at) => (await guard(id), d.approve(id, who, at)),
    endBake: async (id) => (await guard(id), d.endBake(id)),
  };
  const t = tx.targets;
  const targets: TargetRepository = {
    ...t,
    insert: async (id, hosts) => (await guard(id), t.insert(id, hosts)),
    markDispatched: async (id, hosts, dispatch) => (await guard(id), t.markDispatched(id, hosts, dispatch)),
    markWaiting: async (id, hosts, dispatch) => (await guard(id), t.markWaiting(id, hosts, dispatch)),
    skipPending: async (id, at, reason) => (await guard(id), t.skipPending(id, at, reason)),
    fail: async (target, code, message, at) => (await guard(target.deploymentId), t.fail(target, code, message, at)),
  };
  const g = tx.groups;
  const groups: DeploymentGroupRepository = {
    ...g,
    setLastSuccessfulDeployment: async (groupId, deploymentId) => (await guard(deploymentId), g.setLastSuccessfulDeployment(groupId, deploymentId)),
  };
  return { ...tx, deployments, targets, groups };
}
