/**
 * The guard rail against a large blast radius: a deployment without a batch plan (a plain
 * minimum-healthy configuration such as AllAtOnce or HalfAtATime) that would take more than a
 * group's share of hosts out of service in its first step must be confirmed.
 */
import type { LargeBlastRadius } from '../../../../protocol/src/index.ts';

/** The guard rail when the group sets none: more than 25 % of its hosts and more than 10 hosts. */
export const DEFAULT_LARGE_BLAST_RADIUS: Readonly<LargeBlastRadius> = { percent: 25, hosts: 10 };

/** True when taking `firstStep` hosts of a group of `groupSize` at once needs a confirmation. */
export function exceedsBlastRadius(firstStep: number, groupSize: number, limit: LargeBlastRadius): boolean {
  return firstStep > limit.hosts && firstStep * 100 > limit.percent * groupSize;
}
