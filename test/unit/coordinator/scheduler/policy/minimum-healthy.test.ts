import assert from 'node:assert/strict';
import {
  canStartAnother,
  checkStartable,
  isSuccessful,
  minimumHealthyCount,
  minimumHealthyHostsFor,
  type MinimumHealthyHosts,
  type Progress,
} from '../../../../../coordinator/src/scheduler/policy/minimum-healthy.ts';
import { decideRollout, type RolloutDecision } from '../../../../../coordinator/src/scheduler/policy/decide-rollout.ts';
import { simulateRollout } from '../../../../../coordinator/src/scheduler/policy/simulate-rollout.ts';

/** The rollout decision for a plain one-step deployment with M = `m`. */
function decide(p: Progress, m: number): RolloutDecision {
  const snapshot = { kind: 'rule' as const, step: 1, steps: [{ ...p, segment: null }], gates: { paused: false, approval: 'NotRequired' as const } };
  return decideRollout(snapshot, { rule: { type: 'HOST_COUNT', value: m }, rollout: {} }, new Date(0));
}

/** The plan's waves for a plain one-step deployment of `n` hosts with M = `m`. */
function simulateBatches(n: number, m: number): number[] {
  const plan = { kind: 'rule' as const, sizes: [n], requireApproval: false };
  return simulateRollout(plan, { rule: { type: 'HOST_COUNT', value: m }, rollout: {} }).waves.map((w) => w.count);
}

interface Run {
  result: 'Succeeded' | 'Failed' | 'HEALTH_CONSTRAINTS';
  maxInFlight: number;
  started: number;
}

/**
 * Drives the rollout decision like the scheduler does: `fails` holds the start positions of hosts that fail;
 * in-flight hosts complete oldest first.
 */
function simulate(n: number, m: number, fails: readonly number[] = []): Run {
  const p: Progress = { total: n, pending: n, inFlight: 0, succeeded: 0, failed: 0 };
  const inFlight: number[] = [];
  let started = 0;
  let maxInFlight = 0;
  for (;;) {
    const d = decide(p, m);
    if (d.action === 'start') {
      for (let i = 0; i < d.count; i++) inFlight.push(started++);
      p.pending -= d.count;
      p.inFlight += d.count;
      maxInFlight = Math.max(maxInFlight, p.inFlight);
    } else if (d.action === 'wait') {
      const host = inFlight.shift() as number;
      p.inFlight -= 1;
      if (fails.includes(host)) p.failed += 1;
      else p.succeeded += 1;
    } else if (d.action === 'stop') {
      return { result: 'HEALTH_CONSTRAINTS', maxInFlight, started };
    } else if (d.action === 'abort' || d.action === 'pause') {
      throw new Error(`unexpected ${d.action}: no health verdict was given`);
    } else {
      return { result: d.status, maxInFlight, started };
    }
  }
}

function mOf(rule: MinimumHealthyHosts, n: number): number {
  return minimumHealthyCount(rule, n);
}

describe('health rule', () => {
  describe('#minimumHealthyHostsFor', () => {
    it('maps the three built-in configurations, short names included', () => {
      assert.deepEqual(minimumHealthyHostsFor('CodeDeployDefault.OneAtATime'), { type: 'ALL_BUT_ONE', value: 1 });
      assert.deepEqual(minimumHealthyHostsFor('HalfAtATime'), { type: 'FLEET_PERCENT', value: 50 });
      assert.deepEqual(minimumHealthyHostsFor('CodeDeployDefault.AllAtOnce'), { type: 'HOST_COUNT', value: 0 });
    });

    it('returns undefined for an unknown configuration', () => {
      assert.equal(minimumHealthyHostsFor('Custom.TwoAtATime'), undefined);
    });
  });

  describe('#minimumHealthyCount', () => {
    it('rounds fractional FLEET_PERCENT hosts up (N=9, 40% gives 4)', () => {
      assert.equal(mOf({ type: 'FLEET_PERCENT', value: 40 }, 9), 4);
    });

    it('gives M=5 for HalfAtATime on 9 hosts', () => {
      assert.equal(mOf({ type: 'FLEET_PERCENT', value: 50 }, 9), 5);
    });

    it('gives M=N-1 for OneAtATime and 0 for a single host', () => {
      assert.equal(mOf({ type: 'ALL_BUT_ONE', value: 1 }, 9), 8);
      assert.equal(mOf({ type: 'ALL_BUT_ONE', value: 1 }, 1), 0);
    });
  });

  describe('#checkStartable', () => {
    it('fails NO_INSTANCES when no host matches', () => {
      assert.equal(checkStartable(0, 0)?.code, 'NO_INSTANCES');
    });

    it('fails HEALTH_CONSTRAINTS_INVALID for N=10 at 95% (M=10), naming the numbers', () => {
      const problem = checkStartable(10, mOf({ type: 'FLEET_PERCENT', value: 95 }, 10));
      assert.equal(problem?.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.match(problem?.message ?? '', /\(10\).*\(10\)/);
    });

    it('accepts a one-host OneAtATime deployment', () => {
      assert.equal(checkStartable(1, mOf({ type: 'ALL_BUT_ONE', value: 1 }, 1)), undefined);
    });
  });

  describe('#canStartAnother', () => {
    it('allows one more host only while N - failed - inFlight - 1 >= M', () => {
      assert.equal(canStartAnother(10, 0, 1, 8), true);
      assert.equal(canStartAnother(10, 0, 2, 8), false);
      assert.equal(canStartAnother(10, 1, 1, 8), false);
    });
  });

  describe('#isSuccessful', () => {
    it('needs at least one success even when M is 0', () => {
      assert.equal(isSuccessful(0, 0), false);
      assert.equal(isSuccessful(1, 0), true);
    });
  });

  describe('#decideRollout (documented examples)', () => {
    it('AllAtOnce on 9 hosts deploys all 9 at once', () => {
      assert.equal(simulate(9, 0).maxInFlight, 9);
    });

    it('AllAtOnce on 9 hosts succeeds when only one host succeeds', () => {
      assert.equal(simulate(9, 0, [0, 1, 2, 3, 4, 5, 6, 7]).result, 'Succeeded');
    });

    it('AllAtOnce on 9 hosts fails when every host fails', () => {
      assert.equal(simulate(9, 0, [0, 1, 2, 3, 4, 5, 6, 7, 8]).result, 'Failed');
    });

    it('HalfAtATime on 9 hosts runs 4 at a time', () => {
      assert.equal(simulate(9, mOf({ type: 'FLEET_PERCENT', value: 50 }, 9)).maxInFlight, 4);
    });

    it('HalfAtATime on 9 hosts succeeds with 5 successes and fails with only 4', () => {
      const m = mOf({ type: 'FLEET_PERCENT', value: 50 }, 9);
      assert.equal(simulate(9, m, [5, 6, 7, 8]).result, 'Succeeded');
      assert.equal(simulate(9, m, [4, 5, 6, 7, 8]).result, 'HEALTH_CONSTRAINTS');
    });

    it('HalfAtATime on 9 hosts stops mid-way when its first 4 hosts fail', () => {
      const run = simulate(9, mOf({ type: 'FLEET_PERCENT', value: 50 }, 9), [0, 1, 2, 3]);
      assert.equal(run.result, 'HEALTH_CONSTRAINTS');
      assert.equal(run.started, 4);
    });

    it('HOST_COUNT 6 on 9 hosts runs 3 at a time and needs 6 successes', () => {
      assert.equal(simulate(9, 6).maxInFlight, 3);
      assert.equal(simulate(9, 6, [6, 7, 8]).result, 'Succeeded');
      assert.equal(simulate(9, 6, [0, 1, 2, 3]).result, 'HEALTH_CONSTRAINTS');
    });

    it('FLEET_PERCENT 40 on 9 hosts runs 5 at a time and needs 4 successes', () => {
      const m = mOf({ type: 'FLEET_PERCENT', value: 40 }, 9);
      assert.equal(simulate(9, m).maxInFlight, 5);
      assert.equal(simulate(9, m, [4, 5, 6, 7, 8]).result, 'Succeeded');
    });

    it('N=10 with M=9 runs one at a time', () => {
      assert.equal(simulate(10, 9).maxInFlight, 1);
    });

    it('N=10 with M=9 stops on a failure before the last host', () => {
      const run = simulate(10, 9, [4]);
      assert.equal(run.result, 'HEALTH_CONSTRAINTS');
      assert.equal(run.started, 5);
    });

    it('N=10 with M=9 still succeeds when only the last host fails', () => {
      assert.equal(simulate(10, 9, [9]).result, 'Succeeded');
    });

    it('N=10 with M=8 runs two at a time', () => {
      assert.equal(simulate(10, 8).maxInFlight, 2);
    });

    it('N=10 with M=8 stops after two failures', () => {
      assert.equal(simulate(10, 8, [0, 1]).result, 'HEALTH_CONSTRAINTS');
    });

    it('N=10 with M=8 succeeds when the second failure is the last host', () => {
      assert.equal(simulate(10, 8, [3, 9]).result, 'Succeeded');
    });

    it('N=10 with M=0 deploys all at once', () => {
      assert.equal(simulate(10, 0).maxInFlight, 10);
    });

    it('OneAtATime on 9 hosts never has two in flight and tolerates a failure on the last host', () => {
      const m = mOf({ type: 'ALL_BUT_ONE', value: 1 }, 9);
      assert.equal(simulate(9, m).maxInFlight, 1);
      assert.equal(simulate(9, m, [8]).result, 'Succeeded');
      assert.equal(simulate(9, m, [0]).result, 'HEALTH_CONSTRAINTS');
    });

    it('OneAtATime on one host succeeds only if that host succeeds', () => {
      assert.equal(simulate(1, 0).result, 'Succeeded');
      assert.equal(simulate(1, 0, [0]).result, 'Failed');
    });

    it('reports the failure count in the HEALTH_CONSTRAINTS message', () => {
      const d = decide({ total: 9, pending: 4, inFlight: 0, succeeded: 3, failed: 2 }, 8);
      assert.equal(d.action, 'stop');
      assert.match(d.action === 'stop' ? d.message : '', /2 of 9 instances failed/);
    });
  });
});

describe('#simulateRollout (plan preview)', () => {
  it('splits HalfAtATime on 9 hosts into batches of 4, 4 and 1', () => {
    assert.deepEqual(simulateBatches(9, 5), [4, 4, 1]);
  });

  it('runs OneAtATime on 3 hosts one by one', () => {
    assert.deepEqual(simulateBatches(3, 2), [1, 1, 1]);
  });

  it('runs AllAtOnce as a single batch', () => {
    assert.deepEqual(simulateBatches(5, 0), [5]);
  });

  it('plans nothing when the minimum leaves no host to take', () => {
    assert.deepEqual(simulateBatches(10, 10), []);
  });
});
