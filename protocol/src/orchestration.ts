/**
 * HTTP API shapes of fleet orchestration: tag sets, deployment configurations, rollback,
 * stop, instance tags and the plan preview. api.ts imports TagFilter, TagSet and
 * AutoRollbackConfiguration from here (never the other way round, to keep ESM free of cycles).
 */
import { z } from 'zod';
import { ErrorCodeSchema, Id, Name, Tags } from './schemas.ts';
import { RolloutOptions, StepKind } from './rollout.ts';
import { AlarmConfiguration } from './health.ts';

/** CodeDeploy's tag filter: match on key only, value only, or both. */
export const TagFilter = z.strictObject({
  key: z.string().min(1).max(128).optional(),
  value: z.string().max(256).optional(),
  type: z.enum(['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE']),
});
export type TagFilter = z.infer<typeof TagFilter>;

/**
 * CodeDeploy's tag set: up to three groups of filters; an instance must match at least one
 * filter of EVERY group (an AND of ORs).
 */
export const TagSet = z.array(z.array(TagFilter).min(1).max(10)).min(1).max(3);
export type TagSet = z.infer<typeof TagSet>;

/** Events that trigger an automatic rollback (CodeDeploy's). */
export const AUTO_ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] as const;
export type AutoRollbackEvent = (typeof AUTO_ROLLBACK_EVENTS)[number];

/** CodeDeploy's autoRollbackConfiguration, on a group and overridable per deployment. */
export const AutoRollbackConfiguration = z.strictObject({
  enabled: z.boolean(),
  events: z.array(z.enum(AUTO_ROLLBACK_EVENTS)).max(3).default([]),
});
export type AutoRollbackConfiguration = z.infer<typeof AutoRollbackConfiguration>;

/** A custom minimum: HOST_COUNT any integer >= 0, FLEET_PERCENT 0..99 (CodeDeploy's limits). */
export const MinimumHealthyHosts = z
  .strictObject({ type: z.enum(['HOST_COUNT', 'FLEET_PERCENT']), value: z.number().int().min(0).max(1_000_000) })
  .refine((m) => m.type !== 'FLEET_PERCENT' || m.value <= 99, { path: ['value'], message: 'FLEET_PERCENT must be 0 to 99' });
export type MinimumHealthyHosts = z.infer<typeof MinimumHealthyHosts>;

/**
 * A custom configuration: a minimum healthy hosts, and optionally rollout options (see
 * rollout.ts). minimumHealthyHosts may be left out only with batches or segmentBy (it is then
 * HOST_COUNT 0: the batch or segment boundaries pace the rollout).
 */
export const CreateDeploymentConfigRequest = z
  .strictObject({
    name: Name.check(z.refine((n: string) => !n.startsWith('CodeDeployDefault.'), 'custom names may not start with CodeDeployDefault.')),
    minimumHealthyHosts: MinimumHealthyHosts.optional(),
    ...RolloutOptions.shape,
  })
  .refine((c) => c.minimumHealthyHosts !== undefined || c.batches !== undefined || c.segmentBy !== undefined, {
    path: ['minimumHealthyHosts'],
    message: 'Required (unless batches or segmentBy is given)',
  })
  .refine((c) => c.batches === undefined || c.segmentBy === undefined, { path: ['segmentBy'], message: 'use either batches or segmentBy, not both' })
  .refine((c) => c.bakeSeconds === undefined || c.batches !== undefined, { path: ['bakeSeconds'], message: 'bakeSeconds needs batches' })
  .refine((c) => (c.segmentBakeSeconds === undefined && c.minimumHealthyHostsPerSegment === undefined) || c.segmentBy !== undefined, {
    path: ['segmentBy'],
    message: 'segmentBakeSeconds and minimumHealthyHostsPerSegment need segmentBy',
  })
  .refine((c) => c.maxFailures === undefined || c.requireAllSucceed === undefined, { path: ['requireAllSucceed'], message: 'use either maxFailures or requireAllSucceed, not both' })
  .refine((c) => c.analysis === undefined || c.batches !== undefined || c.segmentBy !== undefined || c.requireApproval === true, {
    path: ['analysis'],
    message: 'analysis runs between steps: it needs batches, segmentBy or requireApproval',
  });
export type CreateDeploymentConfigRequest = z.input<typeof CreateDeploymentConfigRequest>;

/** A deployment configuration; built-in OneAtATime reports CodeDeploy's MOST_CONCURRENCY type. */
export const DeploymentConfigView = z.strictObject({
  name: z.string(),
  builtIn: z.boolean(),
  minimumHealthyHosts: z.strictObject({ type: z.enum(['HOST_COUNT', 'FLEET_PERCENT', 'MOST_CONCURRENCY']), value: z.number().int() }),
  createTime: z.string().optional(),
  ...RolloutOptions.shape,
});
export type DeploymentConfigView = z.infer<typeof DeploymentConfigView>;

/** Tags to set on an instance (existing keys are overwritten). */
export const TagInstanceRequest = z.strictObject({ tags: Tags.check(z.refine((t: Record<string, string>) => Object.keys(t).length > 0, 'give at least one tag')) });
export type TagInstanceRequest = z.input<typeof TagInstanceRequest>;

/** Tag keys to remove from an instance. */
export const UntagInstanceRequest = z.strictObject({ keys: z.array(z.string().min(1).max(128)).min(1).max(50) });
export type UntagInstanceRequest = z.input<typeof UntagInstanceRequest>;

/** StopDeployment: autoRollbackEnabled false suppresses a DEPLOYMENT_STOP_ON_REQUEST rollback. */
export const StopDeploymentRequest = z.strictObject({ autoRollbackEnabled: z.boolean().optional() });
export type StopDeploymentRequest = z.input<typeof StopDeploymentRequest>;

/** A manual rollback of a group to its last successful revision. */
export const RollbackRequest = z.strictObject({
  description: z.string().max(1000).optional(),
  /** Instead of the group's alarms: lets a rollback proceed while the alarm that stopped the deployment still fires. */
  overrideAlarmConfiguration: AlarmConfiguration.optional(),
  /** @default false */
  queue: z.boolean().default(false),
});
export type RollbackRequest = z.input<typeof RollbackRequest>;

/** CodeDeploy's revision health of a host in a group, which orders the hosts. */
export const RevisionHealth = z.enum(['Unhealthy', 'Unknown', 'Old', 'Current']);
export type RevisionHealth = z.infer<typeof RevisionHealth>;

/** What a deployment would do, computed without starting it. */
export const DeploymentPlan = z.strictObject({
  deploymentGroupName: Name,
  deploymentConfigName: z.string(),
  revisionId: Id,
  totalHosts: z.number().int(),
  minimumHealthyHosts: z.number().int(),
  maxConcurrent: z.number().int(),
  /** Failures that stop the rollout with HEALTH_CONSTRAINTS while hosts remain. */
  failuresToStop: z.number().int(),
  successesNeeded: z.number().int(),
  problem: z.strictObject({ code: ErrorCodeSchema, message: z.string() }).optional(),
  batches: z.array(
    z.array(z.strictObject({ instanceId: Id, hostname: z.string(), connected: z.boolean(), revisionHealth: RevisionHealth })),
  ),
  /** How the batches were made: the minimum-healthy rule, a batch list, or one per segment. */
  batchKind: StepKind.optional(),
  /** Seconds waited between two batches (batch list) or segments. */
  bakeSeconds: z.number().int().optional(),
  /** The tag value of each batch's segment (null: hosts without the tag), with segmentBy. */
  segments: z.array(z.string().nullable()).optional(),
  /** The rollout waits for `deckhand approve` after the first batch. */
  requireApproval: z.boolean().optional(),
});
export type DeploymentPlan = z.infer<typeof DeploymentPlan>;

/** One host's answer to `deckhand deploy --preflight`. */
export const PreflightHost = z.strictObject({
  instanceId: Id,
  hostname: z.string(),
  ok: z.boolean(),
  /** What would go wrong; "agent offline" or "no answer" when the agent did not check. */
  problems: z.array(z.string()),
});
export type PreflightHost = z.infer<typeof PreflightHost>;

/** The preflight of every target host of a would-be deployment, in deployment order. */
export const PreflightResponse = z.strictObject({ hosts: z.array(PreflightHost) });
export type PreflightResponse = z.infer<typeof PreflightResponse>;
