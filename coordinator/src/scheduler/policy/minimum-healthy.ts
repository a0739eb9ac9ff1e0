/**
 * The minimum-healthy-hosts rule of CodeDeploy's in-place deployments, as pure functions.
 * Follows the batching pseudo-code of codedeploy-service.md §1.3: with N hosts and a minimum of
 * M healthy ones, a host is taken offline only while N - failed - inFlight - 1 >= M; the run
 * stops (HEALTH_CONSTRAINTS) when nothing is in flight and no more hosts may be started; and it
 * succeeds when at least max(M, 1) hosts succeeded.
 *
 * Concurrency is computed from N regardless of each host's earlier health (the "open point" of
 * §1.3): a brand-new group is not deployed all at once under OneAtATime.
 */
import { canonicalConfigName } from '../../../../protocol/src/index.ts';

/**
 * How the minimum is expressed. `ALL_BUT_ONE` is OneAtATime's rule, which CodeDeploy does not
 * let users set: M = N - 1, so one host is in flight at a time and a failure on the last host
 * still leaves the deployment successful (N - 1 >= M).
 */
export type MinimumHealthyHostsType = 'HOST_COUNT' | 'FLEET_PERCENT' | 'ALL_BUT_ONE';

/** A deployment configuration's minimum healthy hosts. */
export interface MinimumHealthyHosts {
  type: MinimumHealthyHostsType;
  value: number;
}

const BUILTIN_RULES: ReadonlyMap<string, MinimumHealthyHosts> = new Map([
  ['CodeDeployDefault.OneAtATime', { type: 'ALL_BUT_ONE', value: 1 }],
  ['CodeDeployDefault.HalfAtATime', { type: 'FLEET_PERCENT', value: 50 }],
  ['CodeDeployDefault.AllAtOnce', { type: 'HOST_COUNT', value: 0 }],
]);

/** The rule of a built-in configuration (short names accepted), or undefined for an unknown name. */
export function minimumHealthyHostsFor(configName: string): MinimumHealthyHosts | undefined {
  return BUILTIN_RULES.get(canonicalConfigName(configName));
}

/** M for a deployment of `n` hosts; FLEET_PERCENT rounds fractional hosts up, as CodeDeploy does. */
export function minimumHealthyCount(rule: MinimumHealthyHosts, n: number): number {
  switch (rule.type) {
    case 'HOST_COUNT':
      return rule.value;
    case 'FLEET_PERCENT':
      return Math.ceil((n * rule.value) / 100);
    case 'ALL_BUT_ONE':
      return Math.max(n - rule.value, 0);
  }
}

/** Why a deployment cannot start, or undefined when it can. */
export interface StartProblem {
  code: 'NO_INSTANCES' | 'HEALTH_CONSTRAINTS_INVALID';
  message: string;
}

/** Checks N and M before any host is touched. */
export function checkStartable(n: number, m: number): StartProblem | undefined {
  if (n === 0) {
    return { code: 'NO_INSTANCES', message: 'No instances match the deployment group\'s tag filters.' };
  }
  if (m >= n) {
    return {
      code: 'HEALTH_CONSTRAINTS_INVALID',
      message:
        `The minimum number of healthy instances (${m}) is not less than the number of instances ` +
        `in the deployment (${n}): no instance can be taken offline without going below it.`,
    };
  }
  return undefined;
}

/** True when taking one more host offline keeps at least `m` of `n` hosts healthy. */
export function canStartAnother(n: number, failed: number, inFlight: number, m: number): boolean {
  return n - failed - inFlight - 1 >= m;
}

/** True when the overall deployment counts as successful. */
export function isSuccessful(succeeded: number, m: number): boolean {
  return succeeded >= Math.max(m, 1);
}

/** Where a running deployment (or one step of it) stands, counted over its targets. */
export interface Progress {
  /** All hosts (fixed at start). */
  total: number;
  pending: number;
  /** Running, or taken while their agent is offline (WaitingForAgent): offline either way. */
  inFlight: number;
  succeeded: number;
  /** Failed, Skipped or Unknown: not healthy. */
  failed: number;
}

/**
 * How many more hosts may be taken offline now: the largest k for which
 * {@link canStartAnother} holds for each of them in turn (N - failed - inFlight - M, at least 0).
 */
export function freeSlots(p: Progress, m: number): number {
  return Math.max(0, p.total - p.failed - p.inFlight - m);
}

/** The message of a HEALTH_CONSTRAINTS failure, with the numbers. */
export function healthConstraintsMessage(p: Progress, m: number): string {
  return (
    'The overall deployment failed because too many individual instances failed deployment: ' +
    `${p.failed} of ${p.total} instances failed (minimum healthy hosts: ${m}, succeeded: ${p.succeeded}).`
  );
}
