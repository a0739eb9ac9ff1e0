/**
 * A deployment configuration's failure threshold (maxFailures N or "P%", requireAllSucceed) as
 * pure functions. The rollout starts no host while the failed and in-flight hosts together
 * could exceed the threshold by more than the one failure that crosses it, so at most one
 * failure beyond it ever happens, however many hosts run at once otherwise (Salt's and Nomad's
 * overshoot: every host in flight when the limit was reached could fail too).
 */
import type { Progress } from './minimum-healthy.ts';
import type { RunConfig } from './run-config.ts';

/** Failed hosts a deployment of `total` hosts tolerates, or undefined when there is no threshold. */
export function failureBudget(config: RunConfig, total: number): number | undefined {
  if (config.rollout.requireAllSucceed === true) return 0;
  const max = config.rollout.maxFailures;
  if (max === undefined) return undefined;
  // A share rounds down: "10%" of 25 hosts tolerates 2 failures, never more than 10 %.
  return typeof max === 'number' ? max : Math.floor((total * Number.parseInt(max, 10)) / 100);
}

/** How the threshold is named in messages. */
export function budgetLabel(config: RunConfig): string {
  if (config.rollout.requireAllSucceed === true) return 'requireAllSucceed';
  return `maxFailures ${String(config.rollout.maxFailures)}`;
}

/** The message of a deployment stopped by its threshold: by how much it was exceeded. */
export function overBudgetMessage(p: Progress, budget: number): string {
  return (
    `The deployment failed because ${p.failed} of ${p.total} instances failed, ` +
    `more than the ${budget} it tolerates (exceeded by ${p.failed - budget}).`
  );
}
