import assert from 'node:assert/strict';
import { DEPLOYMENT_STATUSES, FINISHED_DEPLOYMENT_STATUSES, isTerminalDeploymentStatus } from '../../../../../protocol/src/index.ts';
import {
  assertTransition,
  canTransition,
  DEPLOYMENT_TRANSITIONS,
  INITIAL_DEPLOYMENT_STATUSES,
} from '../../../../../coordinator/src/scheduler/policy/deployment-status.ts';

describe('scheduler/policy/deployment-status', () => {
  it('leads nowhere from a finished status, and from every status a deployment can reach to a finished one', () => {
    const reachable = new Set(INITIAL_DEPLOYMENT_STATUSES);
    for (const status of reachable) for (const next of DEPLOYMENT_TRANSITIONS[status]) reachable.add(next);
    for (const status of DEPLOYMENT_STATUSES) {
      if (isTerminalDeploymentStatus(status)) assert.deepEqual(DEPLOYMENT_TRANSITIONS[status], [], status);
    }
    const dead = [...reachable].filter((s) => DEPLOYMENT_TRANSITIONS[s].length === 0);
    assert.deepEqual(dead.sort(), [...FINISHED_DEPLOYMENT_STATUSES].sort());
  });

  it('starts, queues, stops and ends deployments as the scheduler does', () => {
    assert.equal(canTransition('Created', 'InProgress'), true);
    assert.equal(canTransition('Queued', 'InProgress'), true);
    assert.equal(canTransition('Queued', 'Stopped'), true);
    assert.equal(canTransition('InProgress', 'Succeeded'), true);
    assert.equal(canTransition('Created', 'Succeeded'), false);
  });

  it('refuses to change a finished deployment, naming it', () => {
    assert.throws(() => assertTransition('d-FINISHED1', 'Succeeded', 'Failed'), /d-FINISHED1 cannot become Failed: Succeeded is finished/);
  });
});
