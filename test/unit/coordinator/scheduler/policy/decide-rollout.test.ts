import assert from 'node:assert/strict';
import type { RolloutOptions } from '../../../../../protocol/src/index.ts';
import { decideRollout, type RolloutDecision, type StepSnapshot } from '../../../../../coordinator/src/scheduler/policy/decide-rollout.ts';
import type { Progress } from '../../../../../coordinator/src/scheduler/policy/minimum-healthy.ts';
import type { StepKind } from '../../../../../coordinator/src/scheduler/policy/rollout-steps.ts';

function progress(p: Partial<Progress> & { total: number }): Progress {
  return { pending: 0, inFlight: 0, succeeded: 0, failed: 0, ...p };
}

function minus(a: Progress, b: Progress): Progress {
  return { total: a.total - b.total, pending: a.pending - b.pending, inFlight: a.inFlight - b.inFlight, succeeded: a.succeeded - b.succeeded, failed: a.failed - b.failed };
}

/** What the former decideStep() took: the whole deployment, its current step and the rules. */
interface StepCase {
  kind: StepKind;
  all: Progress;
  step: Progress;
  m: number;
  stepM?: number;
  last: boolean;
  segment?: string;
}

/**
 * The decision for `c`: the current step is step 1 with the other hosts in a later step, or,
 * when it is the last, step 2 after a finished step 1 holding the other hosts.
 */
function decide(c: StepCase, rollout: RolloutOptions = {}): RolloutDecision {
  const current: StepSnapshot = { ...c.step, segment: c.segment ?? null };
  const rest: StepSnapshot = { ...minus(c.all, c.step), segment: null };
  const steps = c.last ? (rest.total > 0 ? [rest, current] : [current]) : [current, rest];
  const step = c.last ? steps.length : 1;
  const segmentRollout: RolloutOptions = c.stepM === undefined ? {} : { segmentBy: 'rack', minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: c.stepM } };
  const config = { rule: { type: 'HOST_COUNT' as const, value: c.m }, rollout: { ...segmentRollout, ...rollout } };
  return decideRollout({ kind: c.kind, step, steps, gates: { paused: false, approval: 'NotRequired' } }, config, new Date(0));
}

describe('scheduler/policy/decide-rollout', () => {
  const base = (over: Partial<StepCase>): StepCase => ({
    kind: 'list',
    all: progress({ total: 10, pending: 10 }),
    step: progress({ total: 1, pending: 1 }),
    m: 0,
    last: false,
    ...over,
  });

  it('starts only the hosts of the current batch even when the rule allows more', () => {
    assert.deepEqual(decide(base({})), { action: 'start', step: 1, count: 1 });
  });

  it('caps a batch by the minimum healthy hosts of the whole deployment', () => {
    // 10 hosts, at least 8 healthy: 2 may be offline at once, though the batch has 5.
    assert.deepEqual(decide(base({ m: 8, step: progress({ total: 5, pending: 5 }) })), { action: 'start', step: 1, count: 2 });
  });

  it('moves to the next batch once every host of a batch succeeded', () => {
    const d = decide(base({ all: progress({ total: 10, pending: 9, succeeded: 1 }), step: progress({ total: 1, succeeded: 1 }) }));
    assert.deepEqual(d.enter, { step: 2, approval: 'NotRequired' });
    assert.deepEqual({ ...d, enter: undefined }, { action: 'start', step: 2, count: 9, enter: undefined });
  });

  it('stops before the next batch when a host of a batch failed', () => {
    const d = decide(base({ all: progress({ total: 10, pending: 9, failed: 1 }), step: progress({ total: 1, failed: 1 }) }));
    assert.equal(d.action, 'stop');
    assert.match((d as { message: string }).message, /batch 1: 1 of 1 instances failed/);
  });

  it('judges the last batch by the minimum-healthy rule alone', () => {
    const d = decide(base({ m: 2, last: true, all: progress({ total: 4, succeeded: 3, failed: 1 }), step: progress({ total: 3, succeeded: 2, failed: 1 }) }));
    assert.deepEqual(d, { action: 'finish', status: 'Succeeded' });
  });

  it('limits a segment by its own minimum healthy hosts', () => {
    assert.deepEqual(decide(base({ kind: 'segment', stepM: 2, step: progress({ total: 4, pending: 4 }) })), { action: 'start', step: 1, count: 2 });
  });

  it('stops when a segment has fewer successes than its minimum', () => {
    const d = decide(base({ kind: 'segment', stepM: 1, segment: 'a', step: progress({ total: 2, succeeded: 0, failed: 2 }) }));
    assert.equal(d.action, 'stop');
    assert.match((d as { message: string }).message, /segment rack=a: 0 of 2 instances succeeded/);
  });

  it('starts the bake of the next batch when it enters it, and waits for it', () => {
    const d = decide(base({ all: progress({ total: 10, pending: 9, succeeded: 1 }), step: progress({ total: 1, succeeded: 1 }) }), { bakeSeconds: 30 });
    assert.deepEqual(d, { action: 'wait', reason: 'bake', enter: { step: 2, bakeUntil: '1970-01-01T00:00:30.000Z', approval: 'NotRequired' } });
  });

  it('turns a pending approval into a wait for it on leaving the first batch', () => {
    const snapshot = {
      kind: 'list' as const,
      step: 1,
      steps: [{ ...progress({ total: 1, succeeded: 1 }), segment: null }, { ...progress({ total: 3, pending: 3 }), segment: null }],
      gates: { paused: false, approval: 'Pending' as const },
    };
    const d = decideRollout(snapshot, { rule: { type: 'HOST_COUNT', value: 0 }, rollout: {} }, new Date(0));
    assert.deepEqual(d, { action: 'wait', reason: 'approval', enter: { step: 2, approval: 'Waiting' } });
  });

  it('holds new hosts back while paused, but still ends a run that cannot go on', () => {
    const gates = { paused: true, approval: 'NotRequired' as const };
    const config = { rule: { type: 'HOST_COUNT' as const, value: 1 }, rollout: {} };
    const waiting = decideRollout({ kind: 'rule', step: 1, steps: [{ ...progress({ total: 3, pending: 3 }), segment: null }], gates }, config, new Date(0));
    assert.deepEqual(waiting, { action: 'wait', reason: 'pause' });
    const stopped = decideRollout({ kind: 'rule', step: 1, steps: [{ ...progress({ total: 3, pending: 1, failed: 2 }), segment: null }], gates }, config, new Date(0));
    assert.equal(stopped.action, 'stop');
  });
});
