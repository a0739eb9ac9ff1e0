/**
 * The rollout decision: one pure function from where a running deployment stands (a
 * {@link RolloutSnapshot}, read in one go) to what happens next. The scheduler's engine applies
 * the answer; the plan preview (simulate-rollout.ts) runs the very same function over a
 * simulated snapshot, so a plan and the rollout it previews cannot disagree.
 *
 * Inside the current step, CodeDeploy's minimum-healthy rule paces the hosts (a segment's own
 * minimum too); a finished step leads into the next one, whose bake and approval gate hold new
 * hosts back. Health verdicts (health.ts) come first: an alarm stops the deployment with its
 * hosts in flight, a failed analysis fails it, an inconclusive one pauses it; a failure
 * threshold (maxFailures) counts hosts in flight. Later inputs (traffic steps) become fields of
 * the snapshot and rules here, nowhere else.
 */
import type { AnalysisStatus, AutoRollbackEvent, DeploymentErrorCode, RolloutState } from '../../../../protocol/src/index.ts';
import { failureBudget, overBudgetMessage } from './failure-budget.ts';
import type { AlarmStop } from './health.ts';
import { canStartAnother, freeSlots, healthConstraintsMessage, isSuccessful, minimumHealthyCount, type Progress } from './minimum-healthy.ts';
import { bakeSecondsAfterStep, segmentLabel, stepMinimum, type StepKind } from './rollout-steps.ts';
import type { RunConfig } from './run-config.ts';

/** The approval gate's state (NotRequired, Pending until step 1 is done, Waiting, Approved). */
export type Approval = RolloutState['approval'];

/** One planned step's target counts, and the segment it deploys (segment plans). */
export interface StepSnapshot extends Progress {
  segment: string | null;
}

/** The analysis of a finished step, as the decision reads it. */
export interface AnalysisGate {
  /** The step whose hosts are judged. */
  step: number;
  status: AnalysisStatus;
  message?: string;
}

/** What holds new hosts back besides the minimum: a pause, a bake, an analysis, the approval gate. */
export interface RolloutGates {
  paused: boolean;
  /** The next step starts no host before this instant (ISO-8601). */
  bakeUntil?: string;
  approval: Approval;
  /** The analysis of the step before the current one; Running (or Inconclusive) holds the current one. */
  analysis?: AnalysisGate;
}

/** Everything the decision reads about one running deployment. */
export interface RolloutSnapshot {
  kind: StepKind;
  /** The current step, from 1. */
  step: number;
  /** Every planned step's counts, step 1 first (the deployment's totals are their sum). */
  steps: readonly StepSnapshot[];
  gates: RolloutGates;
  /** An alarm poll that says stop (health.ts judgeAlarms), read with this decision. */
  alarm?: AlarmStop;
}

/** Why nothing starts now. */
export type WaitReason = 'hosts in flight' | 'pause' | 'bake' | 'approval' | 'analysis';

/** What to do next. */
export type RolloutAction =
  /** Take the first `count` Pending hosts of `step`, in planned order. */
  | { action: 'start'; step: number; count: number }
  | { action: 'wait'; reason: WaitReason }
  /** End the deployment Failed with `code`: hosts not taken yet are Skipped. */
  | { action: 'stop'; code: DeploymentErrorCode; message: string }
  | { action: 'finish'; status: 'Succeeded' }
  | { action: 'finish'; status: 'Failed'; code: DeploymentErrorCode; message: string }
  /**
   * End the deployment now as a manual stop would: hosts not taken are Skipped, hosts in flight
   * are told to stop; the rollback follows if `rollbackEvent` is configured.
   */
  | { action: 'abort'; status: 'Stopped' | 'Failed'; code: DeploymentErrorCode; message: string; rollbackEvent: AutoRollbackEvent }
  /** Pause the deployment by itself, for a person to resume or stop it. */
  | { action: 'pause'; reason: string };

/** Moving into a later step: the step, and the gates it starts with. */
export interface StepEntry {
  step: number;
  /** Undefined: no bake. */
  bakeUntil?: string;
  approval: Approval;
  /** The finished step whose analysis now runs (the configuration has one). */
  analysisOf?: number;
}

/** The decision: an action, after entering a later step when the current one is done. */
export type RolloutDecision = RolloutAction & { enter?: StepEntry };

const NOTHING: StepSnapshot = { total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0, segment: null };

/** The deployment's counts: the sum of its steps'. */
export function totalsOf(steps: readonly Progress[]): Progress {
  const all: Progress = { total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0 };
  for (const s of steps) {
    all.total += s.total;
    all.pending += s.pending;
    all.inFlight += s.inFlight;
    all.succeeded += s.succeeded;
    all.failed += s.failed;
  }
  return all;
}

/** What the step-level rules look at. */
interface StepView {
  kind: StepKind;
  all: Progress;
  step: Progress;
  m: number;
  /** The minimum healthy hosts inside the step (segments only). */
  stepM: number | undefined;
  last: boolean;
  label: string;
  /** Failed hosts tolerated (maxFailures), or undefined. */
  budget: number | undefined;
}

/** Why a finished step does not let the rollout go on, or undefined when it does. */
function stepProblem(s: StepView): string | undefined {
  // With a failure budget, failures count against it rather than stopping at the batch's end.
  if (s.kind === 'list' && !s.last && s.step.failed > 0 && s.budget === undefined) {
    return `${s.label}: ${s.step.failed} of ${s.step.total} instances failed; the next batch starts only after a batch succeeded.`;
  }
  if (s.kind === 'segment' && s.stepM !== undefined && !isSuccessful(s.step.succeeded, s.stepM)) {
    return `${s.label}: ${s.step.succeeded} of ${s.step.total} instances succeeded (minimum healthy per segment: ${s.stepM}).`;
  }
  return undefined;
}

function blockedMessage(s: StepView): string {
  const overall = canStartAnother(s.all.total, s.all.failed, s.all.inFlight, s.m);
  if (overall && s.stepM !== undefined) {
    return `${s.label}: ${s.step.failed} of ${s.step.total} instances failed (minimum healthy per segment: ${s.stepM}).`;
  }
  return healthConstraintsMessage(s.all, s.m);
}

/** Once failures exceed the budget: wait for the hosts in flight, then stop with the overshoot. */
function overBudget(s: StepView): RolloutAction | undefined {
  if (s.budget === undefined || s.all.failed <= s.budget) return undefined;
  if (s.all.inFlight > 0) return { action: 'wait', reason: 'hosts in flight' };
  const message = overBudgetMessage(s.all, s.budget);
  return s.all.pending > 0 ? { action: 'stop', code: 'HEALTH_CONSTRAINTS', message } : { action: 'finish', status: 'Failed', code: 'HEALTH_CONSTRAINTS', message };
}

/** Hosts that may start without failed plus in-flight hosts exceeding budget + 1 (the failure that crosses it). */
function budgetSlots(s: StepView): number {
  return s.budget === undefined ? Infinity : Math.max(0, s.budget + 1 - s.all.failed - s.all.inFlight);
}

/** The current step's decision, ignoring gates; `next` when the step is done and another follows. */
function decideStep(s: StepView, step: number): RolloutAction | { action: 'next' } {
  const over = overBudget(s);
  if (over) return over;
  const slots = Math.min(s.step.pending, freeSlots(s.all, s.m), s.stepM === undefined ? Infinity : freeSlots(s.step, s.stepM), budgetSlots(s));
  if (slots > 0) return { action: 'start', step, count: slots };
  if (s.step.inFlight > 0) return { action: 'wait', reason: 'hosts in flight' };
  if (s.step.pending > 0) return { action: 'stop', code: 'HEALTH_CONSTRAINTS', message: blockedMessage(s) };
  const problem = stepProblem(s);
  if (problem !== undefined) return { action: 'stop', code: 'HEALTH_CONSTRAINTS', message: problem };
  if (!s.last) return { action: 'next' };
  if (isSuccessful(s.all.succeeded, s.m)) return { action: 'finish', status: 'Succeeded' };
  return { action: 'finish', status: 'Failed', code: 'HEALTH_CONSTRAINTS', message: healthConstraintsMessage(s.all, s.m) };
}

/** What keeps the deployment from starting hosts at `nowIso`, if anything. */
export function gateOf(
  gates: Pick<RolloutState, 'paused' | 'bakeUntil' | 'approval'> & { analysis?: { status: AnalysisStatus } | undefined },
  nowIso: string,
): Exclude<WaitReason, 'hosts in flight'> | undefined {
  if (gates.paused) return 'pause';
  if (gates.bakeUntil !== undefined && gates.bakeUntil > nowIso) return 'bake';
  const analysis = gates.analysis?.status;
  if (analysis === 'Running' || analysis === 'Inconclusive') return 'analysis';
  return gates.approval === 'Waiting' ? 'approval' : undefined;
}

/** What the health verdicts make of the deployment, before anything else is looked at. */
function healthAction(s: RolloutSnapshot, config: RunConfig): RolloutAction | undefined {
  if (s.alarm) return { action: 'abort', status: 'Stopped', code: 'ALARM_ACTIVE', message: s.alarm.message, rollbackEvent: 'DEPLOYMENT_STOP_ON_ALARM' };
  const a = s.gates.analysis;
  if (a === undefined) return undefined;
  const what = s.kind === 'segment' ? `the analysis of step ${a.step}` : `the analysis of batch ${a.step}`;
  if (a.status === 'Failed') {
    const message = `The deployment failed because ${what} failed: ${a.message ?? 'no message'}.`;
    return { action: 'abort', status: 'Failed', code: 'ANALYSIS_FAILED', message, rollbackEvent: 'DEPLOYMENT_FAILURE' };
  }
  if (a.status === 'Inconclusive' && !s.gates.paused) {
    const limit = config.rollout.analysis?.inconclusiveLimit ?? 0;
    return { action: 'pause', reason: `${what} was inconclusive (more than ${limit} inconclusive measurement(s)): ${a.message ?? 'no message'}; resume to go on, or stop` };
  }
  return undefined;
}

function viewOf(s: RolloutSnapshot, config: RunConfig, step: number, all: Progress, m: number): StepView {
  const current = s.steps[step - 1] ?? NOTHING;
  const label = s.kind === 'segment' ? segmentLabel(config.rollout.segmentBy ?? '', current.segment) : `batch ${step}`;
  const stepM = s.kind === 'segment' ? stepMinimum(config, current.total) : undefined;
  return { kind: s.kind, all, step: current, m, stepM, last: step >= s.steps.length, label, budget: failureBudget(config, all.total) };
}

/**
 * What a running deployment does next, at `now`. An alarm or a failed analysis ends it, an
 * inconclusive analysis pauses it. Otherwise moves through steps that are done (their bake and
 * analysis start now; leaving step 1 turns a Pending approval into Waiting); a `start` becomes
 * a `wait` while the deployment is paused, baking, analysing or waiting for approval. With one
 * step, no segment minimum and no failure budget this is exactly CodeDeploy's rule: the rollout
 * controls do not change it.
 */
export function decideRollout(snapshot: RolloutSnapshot, config: RunConfig, now: Date): RolloutDecision {
  const health = healthAction(snapshot, config);
  if (health) return health;
  const nowIso = now.toISOString();
  const all = totalsOf(snapshot.steps);
  const m = minimumHealthyCount(config.rule, all.total);
  let step = snapshot.step;
  let gates = snapshot.gates;
  let enter: StepEntry | undefined;
  for (;;) {
    const decided = decideStep(viewOf(snapshot, config, step, all, m), step);
    if (decided.action !== 'next') {
      const gate = decided.action === 'start' ? gateOf(gates, nowIso) : undefined;
      const action: RolloutAction = gate === undefined ? decided : { action: 'wait', reason: gate };
      return enter === undefined ? action : { ...action, enter };
    }
    const bake = bakeSecondsAfterStep(snapshot.kind, config);
    const approval: Approval = gates.approval === 'Pending' && step === 1 ? 'Waiting' : gates.approval;
    const analysis: AnalysisGate | undefined = config.rollout.analysis === undefined ? undefined : { step, status: 'Running' };
    step += 1;
    enter = { step, approval, ...(bake > 0 ? { bakeUntil: new Date(now.getTime() + bake * 1000).toISOString() } : {}), ...(analysis ? { analysisOf: analysis.step } : {}) };
    gates = { paused: gates.paused, approval, ...(enter.bakeUntil === undefined ? {} : { bakeUntil: enter.bakeUntil }), ...(analysis ? { analysis } : {}) };
  }
}
