/**
 * Rollout controls beyond CodeDeploy's minimum healthy hosts: explicit batches with a bake
 * time, segments by a tag key, an approval gate after the first batch, and pause/resume.
 * orchestration.ts builds the configuration and plan shapes from these.
 */
import { z } from 'zod';
import { AnalysisOptions, AnalysisState, MaxFailures } from './health.ts';

/**
 * One entry of a batch list: a host count (`3`) or a fleet percentage (`"10%"`). Entries are
 * CUMULATIVE: each is how many hosts have been deployed once that batch is done, so
 * `[1, "10%", "100%"]` is one canary host, then up to 10 % of the fleet, then the rest.
 */
export const BatchEntry = z.union([
  z.number().int().min(1).max(1_000_000),
  z.string().regex(/^(100|[1-9][0-9]?)%$/, 'a percentage from 1% to 100%, e.g. "10%"'),
]);
export type BatchEntry = z.infer<typeof BatchEntry>;

const Seconds = z.number().int().min(0).max(7 * 24 * 3600);

/** A minimum of healthy hosts inside each segment (same shape as the deployment's). */
const SegmentMinimum = z
  .strictObject({ type: z.enum(['HOST_COUNT', 'FLEET_PERCENT']), value: z.number().int().min(0).max(1_000_000) })
  .refine((m) => m.type !== 'FLEET_PERCENT' || m.value <= 99, { path: ['value'], message: 'FLEET_PERCENT must be 0 to 99' });

function increasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] as number));
}

/** The rollout options a custom deployment configuration may carry. */
export const RolloutOptions = z.strictObject({
  /** Cumulative batches; hosts left after the last entry form one final batch. */
  batches: z
    .array(BatchEntry)
    .min(1)
    .max(20)
    .refine((b) => increasing(b.filter((x) => typeof x === 'number')), 'host counts must increase from one batch to the next')
    .refine((b) => increasing(b.filter((x) => typeof x === 'string').map((x) => Number.parseInt(x, 10))), 'percentages must increase from one batch to the next')
    .optional(),
  /** Seconds to wait after a batch succeeds before the next one starts. @default 0 */
  bakeSeconds: Seconds.optional(),
  /** A tag key: hosts are rolled one segment (tag value) at a time. */
  segmentBy: z.string().min(1).max(128).optional(),
  /** Seconds to wait after a segment before the next one starts. @default 0 */
  segmentBakeSeconds: Seconds.optional(),
  /** Minimum healthy hosts inside each segment. @default HOST_COUNT 0 */
  minimumHealthyHostsPerSegment: SegmentMinimum.optional(),
  /** Wait for `deckhand approve` after the first batch (or segment). @default false */
  requireApproval: z.boolean().optional(),
  /** Checks run during the bake after each step but the last (health.ts). */
  analysis: AnalysisOptions.optional(),
  /**
   * Failed hosts the deployment tolerates: a count or a share ("10%"); no host starts while the
   * failed and in-flight hosts together could exceed it. The minimum healthy hosts still apply.
   */
  maxFailures: MaxFailures.optional(),
  /** Every host must succeed: maxFailures 0. */
  requireAllSucceed: z.boolean().optional(),
});
export type RolloutOptions = z.infer<typeof RolloutOptions>;

/** How a deployment's hosts are split into steps: the minimum-healthy rule, a batch list, or one per segment. */
export const StepKind = z.enum(['rule', 'list', 'segment']);
export type StepKind = z.infer<typeof StepKind>;

/** Where a running deployment stands in its rollout; on DeploymentView as `rollout`. */
export const RolloutState = z.strictObject({
  /** The batch (or segment) being deployed, from 1. */
  step: z.number().int().min(1),
  steps: z.number().int().min(1),
  /** No new host is started; hosts already running finish. */
  paused: z.boolean(),
  /** Set while the deployment bakes between two batches. */
  bakeUntil: z.string().optional(),
  approval: z.enum(['NotRequired', 'Pending', 'Waiting', 'Approved']),
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
  /** What keeps the deployment from starting hosts right now, in words; absent when nothing does. */
  waitingFor: z.enum(['pause', 'bake', 'approval', 'analysis']).optional(),
  /** Why the deployment paused by itself (an Inconclusive analysis, a webhook's pause). */
  pauseReason: z.string().optional(),
  /** The analysis of the last finished step, when the configuration has one. */
  analysis: AnalysisState.optional(),
});
export type RolloutState = z.infer<typeof RolloutState>;

/** POST /v1/deployments/:id/pause | resume | approve answer with the deployment's rollout. */
export const RolloutActionResponse = z.strictObject({ deploymentId: z.string(), rollout: RolloutState });
export type RolloutActionResponse = z.infer<typeof RolloutActionResponse>;
