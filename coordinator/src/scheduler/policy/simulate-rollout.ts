/**
 * The plan preview's simulation: {@link decideRollout} run over a snapshot of a deployment that
 * has not started, with every host succeeding. Each `start` is one wave of the plan; a wave's
 * hosts all report before the next decision (so the next wave is what the rollout holds in
 * flight once they are done), bakes are waited out and the approval gate is opened. Nothing
 * here knows the rules: it only plays the decision forward.
 */
import { decideRollout, type RolloutAction, type RolloutSnapshot, type StepSnapshot } from './decide-rollout.ts';
import type { StepPlan } from './rollout-steps.ts';
import type { RunConfig } from './run-config.ts';

/** One wave of the plan: how many hosts of which step start together. */
export interface PlannedWave {
  step: number;
  count: number;
}

/** The waves of a rollout in which every host succeeds, and how it ends. */
export interface RolloutSimulation {
  waves: PlannedWave[];
  end: Extract<RolloutAction, { action: 'stop' | 'finish' }> | { action: 'wait'; reason: 'pause' };
}

/** The snapshot of a deployment with the given steps, before any host is taken. */
export function initialSnapshot(plan: Pick<StepPlan<unknown>, 'kind' | 'sizes' | 'segments' | 'requireApproval'>): RolloutSnapshot {
  const steps: StepSnapshot[] = plan.sizes.map((size, i) => ({ total: size, pending: size, inFlight: 0, succeeded: 0, failed: 0, segment: plan.segments?.[i] ?? null }));
  return { kind: plan.kind, step: 1, steps, gates: { paused: false, approval: plan.requireApproval ? 'Pending' : 'NotRequired' } };
}

function withStep(s: RolloutSnapshot, index: number, change: (p: StepSnapshot) => StepSnapshot): RolloutSnapshot {
  return { ...s, steps: s.steps.map((p, i) => (i === index ? change(p) : p)) };
}

/** Every host in flight reports success. */
function completeInFlight(s: RolloutSnapshot): RolloutSnapshot {
  return { ...s, steps: s.steps.map((p) => ({ ...p, inFlight: 0, succeeded: p.succeeded + p.inFlight })) };
}

/** Every measurement of a running analysis passes. */
function passAnalysis(s: RolloutSnapshot, config: RunConfig): RolloutSnapshot {
  const analysis = s.gates.analysis;
  if (config.rollout.analysis === undefined || analysis === undefined) return s;
  return { ...s, gates: { ...s.gates, analysis: { ...analysis, status: 'Successful' } } };
}

/**
 * Plays the rollout of `plan` forward with every host succeeding, from `start` (the instant the
 * first decision is taken; bakes move the simulated clock on).
 */
export function simulateRollout(plan: Pick<StepPlan<unknown>, 'kind' | 'sizes' | 'segments' | 'requireApproval'>, config: RunConfig, start = new Date(0)): RolloutSimulation {
  let s = initialSnapshot(plan);
  let now = start;
  const waves: PlannedWave[] = [];
  // Each round starts a wave, ends a wait or ends the run; a host is started at most once.
  for (let round = 0; round <= 4 * (plan.sizes.reduce((a, b) => a + b, 0) + plan.sizes.length) + 4; round++) {
    const d = decideRollout(s, config, now);
    if (d.enter) {
      const analysis = d.enter.analysisOf === undefined ? {} : { analysis: { step: d.enter.analysisOf, status: 'Running' as const } };
      s = { ...s, step: d.enter.step, gates: { paused: s.gates.paused, approval: d.enter.approval, ...(d.enter.bakeUntil ? { bakeUntil: d.enter.bakeUntil } : {}), ...analysis } };
    }
    switch (d.action) {
      case 'start':
        waves.push({ step: d.step, count: d.count });
        s = withStep(s, d.step - 1, (p) => ({ ...p, pending: p.pending - d.count, inFlight: p.inFlight + d.count }));
        break;
      case 'wait':
        if (d.reason === 'hosts in flight') s = completeInFlight(s);
        else if (d.reason === 'bake') now = new Date(Date.parse(s.gates.bakeUntil ?? now.toISOString()));
        else if (d.reason === 'approval') s = { ...s, gates: { ...s.gates, approval: 'Approved' } };
        else if (d.reason === 'analysis') s = passAnalysis(s, config);
        else return { waves, end: { action: 'wait', reason: 'pause' } };
        break;
      case 'pause':
        return { waves, end: { action: 'wait', reason: 'pause' } };
      case 'abort':
        throw new Error('the rollout simulation aborted: it has no health verdicts');
      default:
        return { waves, end: d };
    }
  }
  throw new Error('the rollout simulation did not end: the decision is looping');
}
