/**
 * Rollout steps, as pure functions. A deployment's hosts are split, in the order they are
 * taken, into consecutive steps: one step for a plain minimum-healthy configuration (two when
 * an approval gate follows the first batch), one per entry of a batch list, or one per segment.
 * Inside a step, the minimum-healthy rule paces the hosts; a step must be done (nothing pending
 * or in flight) before the next one starts, after its bake and approval (decide-rollout.ts).
 *
 * Batch lists are CUMULATIVE: entry k is how many hosts are done once batch k is done. A count
 * is taken as is, a percentage of the N hosts is rounded up (10 % of 5 hosts is 1 host, so a
 * canary is never empty); both are capped at N. An entry that adds no host (it resolves to no
 * more than the one before) is dropped, and hosts left after the last entry form one last batch.
 */
import type { BatchEntry, StepKind } from '../../../../protocol/src/index.ts';
import { freeSlots, minimumHealthyCount, type StartProblem } from './minimum-healthy.ts';
import { segmentRule, type RunConfig } from './run-config.ts';

export type { StepKind } from '../../../../protocol/src/index.ts';

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

/** How a deployment's hosts are split into steps. */
export interface StepPlan<H> {
  kind: StepKind;
  /** Hosts in the order they are taken (segments regroup the CodeDeploy order). */
  hosts: H[];
  /** The size of each step, in order. */
  sizes: number[];
  /** The segment (tag value, null: untagged) of each step, for segment plans. */
  segments?: (string | null)[];
  bakeSeconds: number;
  requireApproval: boolean;
  problem?: StartProblem;
}

/** How a segment is named in messages. */
export function segmentLabel(key: string, value: string | null): string {
  return value === null ? `the hosts without tag ${key}` : `segment ${key}=${value}`;
}

/** The minimum healthy hosts inside a step of `size` hosts (segments only). */
export function stepMinimum(config: RunConfig, size: number): number | undefined {
  return config.rollout.segmentBy === undefined ? undefined : minimumHealthyCount(segmentRule(config), size);
}

function segmentPlan<H>(config: RunConfig, hosts: readonly H[], key: string, requireApproval: boolean, tagOf: (host: H, key: string) => string | undefined): StepPlan<H> {
  const segments = segmentHosts(hosts, (h) => tagOf(h, key));
  const plan: StepPlan<H> = {
    kind: 'segment',
    hosts: segments.flatMap((s) => s.hosts),
    sizes: segments.map((s) => s.hosts.length),
    segments: segments.map((s) => s.value),
    bakeSeconds: config.rollout.segmentBakeSeconds ?? 0,
    requireApproval,
  };
  for (const s of segments) {
    const m = stepMinimum(config, s.hosts.length) ?? 0;
    if (m < s.hosts.length) continue;
    plan.problem = {
      code: 'HEALTH_CONSTRAINTS_INVALID',
      message: `The minimum number of healthy instances per segment (${m}) is not less than the ${s.hosts.length} instance(s) of ${segmentLabel(key, s.value)}.`,
    };
    break;
  }
  return plan;
}

/**
 * Splits the ordered hosts of a deployment into its steps. `tagOf` gives a host's value of a
 * tag key (segment plans only).
 */
export function planSteps<H>(config: RunConfig, hosts: readonly H[], requireApproval: boolean, tagOf: (host: H, key: string) => string | undefined): StepPlan<H> {
  const n = hosts.length;
  const { batches, segmentBy } = config.rollout;
  if (segmentBy !== undefined) return segmentPlan(config, hosts, segmentBy, requireApproval, tagOf);
  if (batches !== undefined) {
    return { kind: 'list', hosts: [...hosts], sizes: n === 0 ? [] : batchSizes(batches, n), bakeSeconds: config.rollout.bakeSeconds ?? 0, requireApproval };
  }
  // A plain rule: one step, or the rule's first batch then the rest around an approval gate.
  const first = Math.min(n, freeSlots({ total: n, pending: n, inFlight: 0, succeeded: 0, failed: 0 }, minimumHealthyCount(config.rule, n)));
  const sizes = n === 0 ? [] : requireApproval && first > 0 && first < n ? [first, n - first] : [n];
  return { kind: 'rule', hosts: [...hosts], sizes, bakeSeconds: 0, requireApproval };
}

/** Seconds the rollout bakes once a step is done, before the next one starts. */
export function bakeSecondsAfterStep(kind: StepKind, config: RunConfig): number {
  if (kind === 'list') return config.rollout.bakeSeconds ?? 0;
  return kind === 'segment' ? (config.rollout.segmentBakeSeconds ?? 0) : 0;
}
