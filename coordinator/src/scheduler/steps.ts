/**
 * Rollout steps, as pure functions. A deployment's hosts are split, in the order they are
 * taken, into consecutive steps: one step for a plain minimum-healthy configuration (two when
 * an approval gate follows the first batch), one per entry of a batch list, or one per segment.
 * Inside a step, the minimum-healthy rule of health.ts paces the hosts; a step must be done
 * (nothing pending or in flight) before the next one starts, after its bake and approval.
 *
 * Batch lists are CUMULATIVE: entry k is how many hosts are done once batch k is done. A count
 * is taken as is, a percentage of the N hosts is rounded up (10 % of 5 hosts is 1 host, so a
 * canary is never empty); both are capped at N. An entry that adds no host (it resolves to no
 * more than the one before) is dropped, and hosts left after the last entry form one last batch.
 */
import type { BatchEntry } from '../../../protocol/src/index.ts';
import { canStartAnother, healthConstraintsMessage, isSuccessful, type Decision, type Progress } from './health.ts';

/** How the steps were made: the rule (one step, or two around an approval), a batch list, or segments. */
export type StepKind = 'rule' | 'list' | 'segment';

/** The cumulative host count after each batch of `entries`, for a deployment of `n` hosts. */
export function batchTargets(entries: readonly BatchEntry[], n: number): number[] {
  const out: number[] = [];
  for (const entry of entries) {
    const wanted = typeof entry === 'number' ? entry : Math.ceil((n * Number.parseInt(entry, 10)) / 100);
    const target = Math.min(wanted, n);
    if (target > (out.at(-1) ?? 0)) out.push(target);
  }
  if ((out.at(-1) ?? 0) < n) out.push(n);
  return out;
}

/** The size of each batch of `entries` for `n` hosts (differences of {@link batchTargets}). */
export function batchSizes(entries: readonly BatchEntry[], n: number): number[] {
  return batchTargets(entries, n).map((target, i, all) => target - (i === 0 ? 0 : (all[i - 1] as number)));
}

/** One segment: the hosts whose `segmentBy` tag has `value` (null: hosts without the tag). */
export interface Segment<T> {
  value: string | null;
  hosts: T[];
}

/**
 * Groups hosts by the value of their segment tag: segments ordered by value (code-point order,
 * so "rack-10" sorts before "rack-2": name segments with zero padding), hosts without the tag
 * last. Hosts keep their relative order inside a segment.
 */
export function segmentHosts<T>(hosts: readonly T[], valueOf: (host: T) => string | undefined): Segment<T>[] {
  const byValue = new Map<string | null, T[]>();
  for (const host of hosts) {
    const value = valueOf(host) ?? null;
    byValue.set(value, [...(byValue.get(value) ?? []), host]);
  }
  const values = [...byValue.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return values.map((value) => ({ value, hosts: byValue.get(value) ?? [] }));
}

/** Everything one scheduling decision looks at. */
export interface StepInput {
  kind: StepKind;
  /** The whole deployment. */
  all: Progress;
  /** The hosts of the current step. */
  step: Progress;
  /** The deployment's minimum healthy hosts. */
  m: number;
  /** The minimum healthy hosts inside the step (segments only). */
  stepM?: number;
  /** True for the deployment's last step. */
  last: boolean;
  /** Names the step in messages, e.g. `batch 2` or `segment rack-a`. */
  label: string;
}

/** What to do next: as {@link Decision}, plus `next` (the step is done; move to the following one). */
export type StepDecision = Decision | { action: 'next' };

function howManyMore(s: StepInput): number {
  let count = 0;
  const fits = (extra: number): boolean =>
    canStartAnother(s.all.total, s.all.failed, s.all.inFlight + extra, s.m) &&
    (s.stepM === undefined || canStartAnother(s.step.total, s.step.failed, s.step.inFlight + extra, s.stepM));
  while (count < s.step.pending && fits(count)) count += 1;
  return count;
}

/** Why a finished step does not let the rollout go on, or undefined when it does. */
function stepProblem(s: StepInput): string | undefined {
  if (s.kind === 'list' && !s.last && s.step.failed > 0) {
    return `${s.label}: ${s.step.failed} of ${s.step.total} instances failed; the next batch starts only after a batch succeeded.`;
  }
  if (s.kind === 'segment' && s.stepM !== undefined && !isSuccessful(s.step.succeeded, s.stepM)) {
    return `${s.label}: ${s.step.succeeded} of ${s.step.total} instances succeeded (minimum healthy per segment: ${s.stepM}).`;
  }
  return undefined;
}

function blockedMessage(s: StepInput): string {
  const overall = canStartAnother(s.all.total, s.all.failed, s.all.inFlight, s.m);
  if (overall && s.stepM !== undefined) {
    return `${s.label}: ${s.step.failed} of ${s.step.total} instances failed (minimum healthy per segment: ${s.stepM}).`;
  }
  return healthConstraintsMessage(s.all, s.m);
}

/**
 * One step of the batching loop. With one step and no segment minimum this is exactly
 * health.ts `decide`: the CodeDeploy rule is unchanged by the rollout controls.
 */
export function decideStep(s: StepInput): StepDecision {
  const more = howManyMore(s);
  if (more > 0) return { action: 'start', count: more };
  if (s.step.inFlight > 0) return { action: 'wait' };
  if (s.step.pending > 0) return { action: 'stop', message: blockedMessage(s) };
  const problem = stepProblem(s);
  if (problem !== undefined) return { action: 'stop', message: problem };
  if (!s.last) return { action: 'next' };
  if (isSuccessful(s.all.succeeded, s.m)) return { action: 'finish', status: 'Succeeded' };
  return { action: 'finish', status: 'Failed', message: healthConstraintsMessage(s.all, s.m) };
}
