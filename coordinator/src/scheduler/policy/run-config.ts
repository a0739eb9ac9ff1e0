/**
 * A deployment configuration as the rollout decision uses it: CodeDeploy's minimum healthy
 * hosts plus Deckhand's rollout options (batch lists, segments, bakes, approval).
 */
import type { RolloutOptions } from '../../../../protocol/src/index.ts';
import type { MinimumHealthyHosts } from './minimum-healthy.ts';

/** A built-in or custom configuration, reduced to what the rollout decision reads. */
export interface RunConfig {
  rule: MinimumHealthyHosts;
  rollout: RolloutOptions;
}

const NO_MINIMUM: MinimumHealthyHosts = { type: 'HOST_COUNT', value: 0 };

/** The minimum healthy hosts inside a segment (segment plans only); none by default. */
export function segmentRule(config: RunConfig): MinimumHealthyHosts {
  return config.rollout.minimumHealthyHostsPerSegment ?? NO_MINIMUM;
}
