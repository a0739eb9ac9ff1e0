/**
 * Request and response shapes of the coordinator's HTTP API (/v1). The coordinator validates
 * requests with these schemas; the CLI uses the inferred types. Field names follow CodeDeploy's
 * API where it has one, in camelCase.
 */
import { z } from 'zod';
import {
  DeploymentStatusSchema,
  ErrorCodeSchema,
  FileExistsBehavior,
  Id,
  InstanceStatusSchema,
  Inventory,
  LifecycleEventStatusSchema,
  Name,
  Tags,
  BundleType,
  DeploymentParameters,
  Sha256,
  ExternalRevisionLocation,
} from './schemas.ts';
import { AutoRollbackConfiguration, TagFilter, TagSet } from './orchestration.ts';
import { RolloutState } from './rollout.ts';
import { BlueGreenView, GroupTrafficFields, GroupTrafficSettingsView, TargetTrafficFields } from './traffic-api.ts';
import { AlarmConfiguration, HealthResultView } from './health.ts';

/**
 * The guard rail on a group: a deployment without a batch plan whose first step would take more
 * than `percent` % of the group's hosts and more than `hosts` hosts needs confirmLargeBlastRadius.
 */
export const LargeBlastRadius = z.strictObject({
  /** @default 25 */
  percent: z.number().int().min(0).max(100).default(25),
  /** @default 10 */
  hosts: z.number().int().min(0).max(1_000_000).default(10),
});
export type LargeBlastRadius = z.infer<typeof LargeBlastRadius>;

/** The built-in deployment configurations (CodeDeploy's predefined ones). */
export const BUILTIN_DEPLOYMENT_CONFIGS = [
  'CodeDeployDefault.OneAtATime',
  'CodeDeployDefault.HalfAtATime',
  'CodeDeployDefault.AllAtOnce',
] as const;

/** Short names accepted wherever a config name is: `AllAtOnce` means `CodeDeployDefault.AllAtOnce`. */
export function canonicalConfigName(name: string): string {
  return /^(OneAtATime|HalfAtATime|AllAtOnce)$/.test(name) ? `CodeDeployDefault.${name}` : name;
}

/** Tag filters live with the other targeting shapes; re-exported here where they started. */
export { TagFilter } from './orchestration.ts';

export const CreateApplicationRequest = z.strictObject({ name: Name });
export type CreateApplicationRequest = z.infer<typeof CreateApplicationRequest>;

export const ApplicationView = z.strictObject({ applicationId: Id, name: Name, createTime: z.string() });
export type ApplicationView = z.infer<typeof ApplicationView>;

export const CreateDeploymentGroupRequest = z.strictObject({
  name: Name,
  /** A flat list: an instance matching any filter is selected (CodeDeploy's OR semantics). */
  tagFilters: z.array(TagFilter).max(100).default([]),
  /** @default "CodeDeployDefault.OneAtATime" */
  deploymentConfigName: z.string().min(1).max(100).default('CodeDeployDefault.OneAtATime'),
  /** AND of OR-groups; cannot be combined with tagFilters (as in CodeDeploy). */
  tagSet: TagSet.optional(),
  /** Instances named explicitly (instance id or hostname), in addition to the tag match. */
  instanceNames: z.array(z.string().min(1).max(255)).max(1000).default([]),
  autoRollbackConfiguration: AutoRollbackConfiguration.optional(),
  /** How long a host chosen while its agent is offline waits for it, in seconds. @default 300 */
  agentWaitSeconds: z.number().int().min(1).max(86_400).default(300),
  /** How long a host may go without reporting during a lifecycle event (hook timeout), seconds. @default 3600 */
  eventTimeoutSeconds: z.number().int().min(1).max(4200).default(3600),
  /** Hosts that join the group (registered or tagged) get its last successful revision. @default true */
  autoDeployNewInstances: z.boolean().default(true),
  ...GroupTrafficFields,
  /** CodeDeploy's alarms: polled while a deployment runs; one in alarm stops it with ALARM_ACTIVE. */
  alarmConfiguration: AlarmConfiguration.optional(),
  /** When a deployment must be confirmed (confirmLargeBlastRadius). @default {percent: 25, hosts: 10} */
  largeBlastRadius: LargeBlastRadius.optional(),
}).refine((g) => g.tagSet === undefined || g.tagFilters === undefined || g.tagFilters.length === 0, {
  path: ['tagSet'],
  message: 'use either tagFilters or tagSet, not both',
});
export type CreateDeploymentGroupRequest = z.input<typeof CreateDeploymentGroupRequest>;

export const DeploymentGroupView = z.strictObject({
  deploymentGroupId: Id,
  applicationName: Name,
  name: Name,
  tagFilters: z.array(TagFilter),
  deploymentConfigName: z.string(),
  createTime: z.string(),
  tagSet: TagSet.optional(),
  instanceNames: z.array(z.string()).optional(),
  autoRollbackConfiguration: AutoRollbackConfiguration.optional(),
  agentWaitSeconds: z.number().int().optional(),
  eventTimeoutSeconds: z.number().int().optional(),
  autoDeployNewInstances: z.boolean().optional(),
  lastSuccessfulDeploymentId: z.optional(Id),
  ...GroupTrafficSettingsView.shape,
  alarmConfiguration: AlarmConfiguration.optional(),
  largeBlastRadius: LargeBlastRadius.optional(),
});
export type DeploymentGroupView = z.infer<typeof DeploymentGroupView>;

export const RevisionView = z.strictObject({
  revisionId: Id,
  applicationName: Name,
  /** Absent for an S3 revision registered by its ETag alone. */
  sha256: z.optional(Sha256),
  /** 0 when unknown (an external revision registered without its size). */
  size: z.number().int().nonnegative(),
  /** Where agents fetch it from, when that is not the coordinator (S3 or an https URL). */
  location: z.optional(ExternalRevisionLocation),
  bundleType: BundleType,
  description: z.string().optional(),
  createTime: z.string(),
  /** Set once deleted: its bundle is gone, deployments of it keep their history. */
  deleteTime: z.string().optional(),
  /** The operator's signature, when there is one: its counter and the key that made it. */
  signature: z.strictObject({ counter: z.number().int(), keyId: z.string() }).optional(),
});
export type RevisionView = z.infer<typeof RevisionView>;

/**
 * POST /v1/applications/:app/revisions/external: a revision kept outside the coordinator, in
 * S3 (or an S3-compatible store) or at an https URL, which agents download themselves (as
 * CodeDeploy's S3 and GitHub revisions). An https revision needs its sha256; an S3 one its
 * sha256 or its ETag (what the agent checks the download against).
 */
export const RegisterExternalRevisionRequest = z
  .strictObject({
    bundleType: BundleType,
    location: ExternalRevisionLocation,
    sha256: z.optional(Sha256),
    size: z.number().int().nonnegative().optional(),
    description: z.string().max(1000).optional(),
  })
  .refine((r) => r.sha256 !== undefined || (r.location.kind === 's3' && r.location.etag !== undefined), {
    path: ['sha256'],
    message: 'give the bundle\'s sha256 (or, for S3, its eTag) so agents can check what they download',
  });
export type RegisterExternalRevisionRequest = z.input<typeof RegisterExternalRevisionRequest>;

export const CreateDeploymentRequest = z.strictObject({
  applicationName: Name,
  deploymentGroupName: Name,
  revisionId: Id,
  deploymentConfigName: z.string().min(1).max(100).optional(),
  /** @default "DISALLOW" */
  fileExistsBehavior: z._default(FileExistsBehavior, 'DISALLOW'),
  /** @default false */
  ignoreApplicationStopFailures: z.boolean().default(false),
  description: z.string().max(1000).optional(),
  /** Deployment parameters, given to every hook as environment variables. */
  parameters: z._default(DeploymentParameters, {}),
  /** Wait behind the group's active deployment instead of a 409. @default false */
  queue: z.boolean().default(false),
  /** Deploy only to hosts not already running this revision successfully. @default false */
  updateOutdatedInstancesOnly: z.boolean().default(false),
  /** Overrides the group's autoRollbackConfiguration for this deployment. */
  autoRollbackConfiguration: AutoRollbackConfiguration.optional(),
  /** Wait for `deckhand approve` after the first batch; overrides the configuration's setting. */
  requireApproval: z.boolean().optional(),
  /** Instead of the group's alarmConfiguration (CodeDeploy's; e.g. to redeploy a good revision while an alarm fires). */
  overrideAlarmConfiguration: AlarmConfiguration.optional(),
  /** Take more of the group at once than its largeBlastRadius allows. @default false */
  confirmLargeBlastRadius: z.boolean().default(false),
});
export type CreateDeploymentRequest = z.input<typeof CreateDeploymentRequest>;


export const Diagnostics = z.strictObject({
  errorCode: ErrorCodeSchema,
  scriptName: z.string().optional(),
  message: z.string(),
  logTail: z.string().optional(),
});

export const LifecycleEventView = z.strictObject({
  lifecycleEventName: z.string(),
  status: LifecycleEventStatusSchema,
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  /**
   * The time the host's agent gave for the event's latest status, when it lay outside the
   * coordinator's allowed clock skew: startTime/endTime were then clamped to that window.
   */
  agentReportedTime: z.string().optional(),
  /** What the agent said of an event still running (e.g. a script asked for a reboot). */
  message: z.string().optional(),
  diagnostics: Diagnostics.optional(),
});
export type LifecycleEventView = z.infer<typeof LifecycleEventView>;

export const DeploymentTargetView = z.strictObject({
  instanceId: Id,
  hostname: z.string(),
  status: InstanceStatusSchema,
  batch: z.number().int().nonnegative().optional(),
  /** The planned rollout step (batch of a batch list, or segment) the host belongs to. */
  step: z.number().int().positive().optional(),
  /** The host's segment (tag value) when the configuration segments by a tag; null: untagged. */
  segment: z.string().nullable().optional(),
  lastUpdatedAt: z.string().optional(),
  errorCode: z.optional(ErrorCodeSchema),
  message: z.string().optional(),
  lifecycleEvents: z.array(LifecycleEventView),
  ...TargetTrafficFields,
});
export type DeploymentTargetView = z.infer<typeof DeploymentTargetView>;

export const DeploymentOverview = z.strictObject({
  Pending: z.number().int(),
  InProgress: z.number().int(),
  Succeeded: z.number().int(),
  Failed: z.number().int(),
  Skipped: z.number().int(),
  WaitingForAgent: z.number().int().optional(),
});

export const DeploymentView = z.strictObject({
  deploymentId: Id,
  applicationName: Name,
  deploymentGroupName: Name,
  revisionId: Id,
  deploymentConfigName: z.string(),
  status: DeploymentStatusSchema,
  creator: z.string(),
  fileExistsBehavior: FileExistsBehavior,
  ignoreApplicationStopFailures: z.boolean(),
  description: z.string().optional(),
  errorInformation: z.strictObject({ code: ErrorCodeSchema, message: z.string() }).optional(),
  createTime: z.string(),
  startTime: z.string().optional(),
  completeTime: z.string().optional(),
  overview: DeploymentOverview,
  targets: z.array(DeploymentTargetView),
  updateOutdatedInstancesOnly: z.boolean().optional(),
  autoRollbackConfiguration: AutoRollbackConfiguration.optional(),
  rollbackInfo: z
    .strictObject({
      rollbackDeploymentId: z.optional(Id),
      rollbackTriggeringDeploymentId: z.optional(Id),
      rollbackMessage: z.string().optional(),
    })
    .optional(),
  /** Batches, bake, approval and pause of a started deployment. */
  rollout: RolloutState.optional(),
  /** CodeDeploy's deploymentStyle.deploymentType, shown for blue/green. */
  deploymentType: z.enum(['IN_PLACE', 'BLUE_GREEN']).optional(),
  /** Where a blue/green deployment stands. */
  blueGreen: BlueGreenView.optional(),
  overrideAlarmConfiguration: AlarmConfiguration.optional(),
  /** The deployment this one retries (its failed and skipped hosts). */
  retryOf: z.optional(Id),
  /** Every alarm poll that changed an alarm's state and every analysis measurement, oldest first. */
  health: z.array(HealthResultView).optional(),
});
export type DeploymentView = z.infer<typeof DeploymentView>;

/**
 * A deployment without its per-host targets: the answer to POST /v1/deployments, which at
 * 10,000 hosts would otherwise list them all (about 9 MB). GET /v1/deployments/:id has them.
 */
export const DeploymentSummary = DeploymentView.omit({ targets: true, health: true });
export type DeploymentSummary = z.infer<typeof DeploymentSummary>;

export const InstanceView = z.strictObject({
  instanceId: Id,
  hostname: z.string(),
  tags: Tags,
  connected: z.boolean(),
  lastSeen: z.string().optional(),
  registeredAt: z.string(),
  agentVersion: z.string().optional(),
  inventory: z.optional(Inventory),
});
export type InstanceView = z.infer<typeof InstanceView>;

export const CreateRegistrationTokenRequest = z.strictObject({
  /** @default 3600 */
  ttlSeconds: z.number().int().min(1).max(365 * 24 * 3600).default(3600),
  /** How many hosts may register with the token; null for no limit. @default 1 */
  maxUses: z.number().int().min(1).nullable().default(1),
  /** Tags every host registering with this token receives. */
  tags: z._default(Tags, {}),
  /**
   * Tag keys a host may set itself when it registers (`*`: any). By default none: a host gets
   * the token's tags and nothing it declares, so it cannot tag itself into another group.
   */
  allowTagKeys: z.array(z.string().min(1).max(128)).max(50).default([]),
});
export type CreateRegistrationTokenRequest = z.input<typeof CreateRegistrationTokenRequest>;

export const RegistrationTokenView = z.strictObject({
  tokenId: Id,
  /** Only returned once, when the token is created. */
  token: z.string().optional(),
  expiresAt: z.string(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  tags: Tags,
  allowTagKeys: z.array(z.string()).optional(),
  createdAt: z.string().optional(),
  revokedAt: z.string().optional(),
});
export type RegistrationTokenView = z.infer<typeof RegistrationTokenView>;

/** A host registers itself with a registration token and its Ed25519 public key (SPKI PEM). */
export const RegisterInstanceRequest = z.strictObject({
  token: z.string().min(1).max(256),
  publicKey: z.string().min(1).max(4096),
  hostname: z.string().min(1).max(255),
  tags: z._default(Tags, {}),
});
export type RegisterInstanceRequest = z.input<typeof RegisterInstanceRequest>;

export { ApiErrorBody, RegisterInstanceResponse } from './agent-api.ts';
