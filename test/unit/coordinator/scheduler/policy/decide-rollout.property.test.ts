import assert from 'node:assert/strict';
import fc from 'fast-check';
import { minimumHealthyCount } from '../../../../../coordinator/src/scheduler/policy/minimum-healthy.ts';
import { simulateRollout } from '../../../../../coordinator/src/scheduler/policy/simulate-rollout.ts';
import { play, scenarios, type Scenario } from './rollout-driver.ts';

/**
 * CodeDeploy's batching pseudo-code (codedeploy-service.md §1.3), written out independently of
 * the policy: the reference a plain one-step rollout must follow exactly.
 */
function reference(sc: Scenario): { end: string; starts: number[] } {
  const n = sc.n;
  const m = minimumHealthyCount(sc.config.rule, n);
  if (n === 0 || m >= n) return { end: 'refused', starts: [] };
  const inFlight: number[] = [];
  const starts: number[] = [];
  let next = 0;
  let failed = 0;
  let succeeded = 0;
  for (let pick = 0; ; ) {
    let count = 0;
    while (next < n && n - failed - inFlight.length - 1 >= m) {
      inFlight.push(next++);
      count += 1;
    }
    if (count > 0) starts.push(count);
    if (inFlight.length === 0) {
      if (next < n) return { end: 'stopped', starts };
      return { end: succeeded >= Math.max(m, 1) ? 'Succeeded' : 'Failed', starts };
    }
    const [host] = inFlight.splice((sc.order[pick++ % sc.order.length] ?? 0) % inFlight.length, 1);
    if (sc.fails[host as number]) failed += 1;
    else succeeded += 1;
  }
}

describe('scheduler/policy/decide-rollout properties', () => {
  it('never takes more hosts offline than the minimum allows, and stops only when it cannot go on', () => {
    // play() asserts after every decision: healthy hosts (deployment and segment) never below
    // the minimum, hosts start only in the current step through open gates, a stop comes only
    // when one more host would break a minimum or a step broke its rule, and the result follows
    // the minimum.
    fc.assert(fc.property(scenarios(40), (sc) => void play(sc)), { numRuns: 300 });
  });

  it('finishes Succeeded whenever no host fails: a rollout that may still succeed never stops', () => {
    fc.assert(
      fc.property(scenarios(40, { failures: false }), (sc) => {
        const run = play(sc);
        if (run.end !== 'refused') assert.equal(run.end, 'Succeeded');
      }),
      { numRuns: 300 },
    );
  });

  it('decides a plain minimum-healthy rollout exactly as CodeDeploy\'s pseudo-code, whatever fails and in whichever order hosts finish', () => {
    fc.assert(
      fc.property(scenarios(40), (sc) => {
        const plain: Scenario = { ...sc, config: { rule: sc.config.rule, rollout: {} }, requireApproval: false };
        const run = play(plain);
        assert.deepEqual({ end: run.end, starts: run.starts }, reference(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('plans the waves a rollout runs when each wave finishes before the next decision', () => {
    fc.assert(
      fc.property(scenarios(40, { failures: false }), (sc) => {
        const run = play(sc, true);
        if (!run.plan || run.end === 'refused') return;
        assert.deepEqual(simulateRollout(run.plan, sc.config).waves.map((w) => w.count), run.starts);
      }),
      { numRuns: 300 },
    );
  });

  it('takes hosts in the planned order and holds no more in flight than the plan says, whatever order they finish in', () => {
    fc.assert(
      fc.property(scenarios(40, { failures: false }), (sc) => {
        const run = play(sc);
        if (!run.plan || run.end === 'refused') return;
        const waves = simulateRollout(run.plan, sc.config).waves;
        assert.deepEqual(run.started, run.plan.hosts);
        assert.equal(run.maxInFlight, Math.max(0, ...waves.map((w) => w.count)));
      }),
      { numRuns: 300 },
    );
  });
});
