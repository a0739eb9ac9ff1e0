/**
 * Test helper: plays a rollout with the pure decision (decideRollout), as the scheduler's engine
 * does, over a simulated fleet whose hosts finish in a chosen order and fail where told; checks
 * CodeDeploy's invariants after every decision and returns what happened.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BatchEntry, RolloutOptions } from '../../../../../protocol/src/index.ts';
import { decideRollout, totalsOf, type RolloutGates, type StepSnapshot } from '../../../../../coordinator/src/scheduler/policy/decide-rollout.ts';
import { checkStartable, minimumHealthyCount, type MinimumHealthyHosts } from '../../../../../coordinator/src/scheduler/policy/minimum-healthy.ts';
import { planSteps, stepMinimum, type StepPlan } from '../../../../../coordinator/src/scheduler/policy/rollout-steps.ts';
import type { RunConfig } from '../../../../../coordinator/src/scheduler/policy/run-config.ts';

/** A fleet, a configuration, which hosts fail and in which order hosts in flight finish. */
export interface Scenario {
  n: number;
  config: RunConfig;
  requireApproval: boolean;
  /** Each host's segment tag (undefined: untagged). */
  racks: (string | undefined)[];
  /** Each host's fate. */
  fails: boolean[];
  /** Which host in flight finishes next: an index into the hosts in flight, taken modulo their number. */
  order: number[];
}

/** How the run went. */
export interface Run {
  end: 'refused' | 'stopped' | 'Succeeded' | 'Failed';
  /** The host count of each start decision. */
  starts: number[];
  /** Host indices in the order they were started. */
  started: number[];
  maxInFlight: number;
  plan: StepPlan<number> | undefined;
}

type HostState = 'Pending' | 'InFlight' | 'Succeeded' | 'Failed';

const ruleArb = (n: number): fc.Arbitrary<MinimumHealthyHosts> =>
  fc.oneof(
    fc.record({ type: fc.constant('HOST_COUNT' as const), value: fc.integer({ min: 0, max: n + 1 }) }),
    fc.record({ type: fc.constant('FLEET_PERCENT' as const), value: fc.integer({ min: 0, max: 99 }) }),
    fc.constant({ type: 'ALL_BUT_ONE' as const, value: 1 }),
  );

const sortedUnique = (min: number, max: number): fc.Arbitrary<number[]> =>
  fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map((a) => a.sort((x, y) => x - y));

const batchesArb: fc.Arbitrary<BatchEntry[]> = fc.oneof(
  sortedUnique(1, 40),
  sortedUnique(1, 100).map((a) => a.map((p) => `${p}%`)),
  fc.tuple(fc.integer({ min: 1, max: 3 }), sortedUnique(10, 100)).map(([canary, rest]) => [canary, ...rest.map((p) => `${p}%`)]),
);

const segmentMinimumArb = fc.oneof(
  fc.record({ type: fc.constant('HOST_COUNT' as const), value: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ type: fc.constant('FLEET_PERCENT' as const), value: fc.integer({ min: 0, max: 99 }) }),
);

const rolloutArb: fc.Arbitrary<RolloutOptions> = fc.oneof(
  fc.constant({}),
  fc.record({ batches: batchesArb, bakeSeconds: fc.integer({ min: 0, max: 30 }) }),
  fc.record(
    { segmentBy: fc.constant('rack'), segmentBakeSeconds: fc.integer({ min: 0, max: 30 }), minimumHealthyHostsPerSegment: segmentMinimumArb },
    { requiredKeys: ['segmentBy'] },
  ),
);

/** Random fleets of up to `maxHosts` hosts with random configurations, failures and finishing orders. */
export function scenarios(maxHosts: number, opts: { failures?: boolean } = {}): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 0, max: maxHosts }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      config: fc.record({ rule: ruleArb(n), rollout: rolloutArb }),
      requireApproval: fc.boolean(),
      racks: fc.array(fc.constantFrom('a', 'b', 'c', undefined), { minLength: n, maxLength: n }),
      fails: opts.failures === false ? fc.constant(Array.from({ length: n }, () => false)) : fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      order: fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
    }),
  );
}

/** Each step's counts from the hosts' states. */
function stepsOf(plan: StepPlan<number>, state: readonly HostState[]): StepSnapshot[] {
  let next = 0;
  return plan.sizes.map((size, i) => {
    const p: StepSnapshot = { total: size, pending: 0, inFlight: 0, succeeded: 0, failed: 0, segment: plan.segments?.[i] ?? null };
    for (const host of plan.hosts.slice(next, (next += size))) {
      const s = state[host];
      if (s === 'Pending') p.pending += 1;
      else if (s === 'InFlight') p.inFlight += 1;
      else if (s === 'Succeeded') p.succeeded += 1;
      else p.failed += 1;
    }
    return p;
  });
}

/** Why the rollout could not go on when it stopped: the invariant "a run that may still succeed never stops". */
function assertMayNotGoOn(sc: Scenario, plan: StepPlan<number>, steps: readonly StepSnapshot[], step: number, m: number): void {
  const all = totalsOf(steps);
  const current = steps[step - 1];
  assert.ok(current, 'the stop names a step');
  assert.equal(all.inFlight, 0, 'stopped while hosts were in flight');
  const stepM = plan.kind === 'segment' ? stepMinimum(sc.config, current.total) : undefined;
  if (current.pending > 0) {
    const overall = all.total - all.failed - 1 < m;
    const segment = stepM !== undefined && current.total - current.failed - 1 < stepM;
    assert.ok(overall || segment, `stopped though one more host keeps the minimum (${JSON.stringify({ all, current, m, stepM })})`);
    return;
  }
  const last = step >= steps.length;
  const badBatch = plan.kind === 'list' && !last && current.failed > 0;
  const badSegment = plan.kind === 'segment' && current.succeeded < Math.max(stepM ?? 0, 1);
  assert.ok(badBatch || badSegment, `stopped after a step that met its rule (${JSON.stringify({ current, kind: plan.kind })})`);
}

/** Checks a start decision against the minimums; returns the hosts it takes. */
function takeHosts(sc: Scenario, plan: StepPlan<number>, state: HostState[], step: number, count: number, m: number): number[] {
  let first = 0;
  for (let i = 0; i < step - 1; i++) first += plan.sizes[i] ?? 0;
  const pending = plan.hosts.slice(first, first + (plan.sizes[step - 1] ?? 0)).filter((h) => state[h] === 'Pending');
  assert.ok(count >= 1 && count <= pending.length, `start ${count} of ${pending.length} pending hosts`);
  const taken = pending.slice(0, count);
  for (const h of taken) state[h] = 'InFlight';
  const steps = stepsOf(plan, state);
  const all = totalsOf(steps);
  assert.ok(all.total - all.failed - all.inFlight >= m, `healthy hosts fell below the minimum ${m}: ${JSON.stringify(all)}`);
  const current = steps[step - 1] as StepSnapshot;
  const stepM = plan.kind === 'segment' ? stepMinimum(sc.config, current.total) : undefined;
  if (stepM !== undefined) assert.ok(current.total - current.failed - current.inFlight >= stepM, `segment fell below its minimum ${stepM}`);
  return taken;
}

/**
 * Plays `sc` with decideRollout. When `wholeWaves`, every host in flight finishes before the next
 * decision (as the plan assumes); otherwise one host at a time, in `sc.order`.
 */
export function play(sc: Scenario, wholeWaves = false): Run {
  const hosts = Array.from({ length: sc.n }, (_, i) => i);
  const plan = planSteps(sc.config, hosts, sc.requireApproval, (h) => sc.racks[h]);
  const m = minimumHealthyCount(sc.config.rule, sc.n);
  const run: Run = { end: 'refused', starts: [], started: [], maxInFlight: 0, plan };
  if (checkStartable(sc.n, m) ?? plan.problem) return run;
  const state: HostState[] = hosts.map(() => 'Pending');
  let step = 1;
  let gates: RolloutGates = { paused: false, approval: sc.requireApproval ? 'Pending' : 'NotRequired' };
  let now = new Date(0);
  const inFlight: number[] = [];
  for (let turn = 0, pick = 0; turn < 10 * sc.n + 20; turn++) {
    const steps = stepsOf(plan, state);
    const d = decideRollout({ kind: plan.kind, step, steps, gates }, sc.config, now);
    if (d.enter) {
      step = d.enter.step;
      gates = { paused: false, approval: d.enter.approval, ...(d.enter.bakeUntil ? { bakeUntil: d.enter.bakeUntil } : {}) };
    }
    if (d.action === 'start') {
      assert.equal(d.step, step, 'hosts start only in the current step');
      assert.ok(!(gates.bakeUntil !== undefined && gates.bakeUntil > now.toISOString()) && gates.approval !== 'Waiting', 'started through a closed gate');
      const taken = takeHosts(sc, plan, state, step, d.count, m);
      inFlight.push(...taken);
      run.started.push(...taken);
      run.starts.push(d.count);
      run.maxInFlight = Math.max(run.maxInFlight, inFlight.length);
    } else if (d.action === 'wait') {
      assert.notEqual(d.reason, 'pause', 'waits for a pause nobody asked for');
      if (d.reason === 'bake') now = new Date(Date.parse(gates.bakeUntil ?? ''));
      else if (d.reason === 'approval') gates = { ...gates, approval: 'Approved' };
      else {
        assert.ok(inFlight.length > 0, 'waits for hosts in flight when there are none');
        const done = wholeWaves ? inFlight.splice(0) : inFlight.splice((sc.order[pick++ % sc.order.length] ?? 0) % inFlight.length, 1);
        for (const h of done) state[h] = sc.fails[h] ? 'Failed' : 'Succeeded';
      }
    } else if (d.action === 'stop') {
      assertMayNotGoOn(sc, plan, steps, step, m);
      return { ...run, end: 'stopped' };
    } else if (d.action === 'abort' || d.action === 'pause') {
      throw new Error(`unexpected ${d.action}: no health verdict was given`);
    } else {
      const all = totalsOf(steps);
      assert.equal(all.pending + all.inFlight, 0, 'finished with hosts left');
      assert.equal(d.status === 'Succeeded', all.succeeded >= Math.max(m, 1), 'the result follows the minimum');
      return { ...run, end: d.status };
    }
  }
  throw new Error('the rollout did not end');
}
