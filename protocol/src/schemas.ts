/**
 * Value schemas shared by the wire protocol and the HTTP API.
 */
import * as z from './zod.ts';
import { DEPLOYMENT_STATUSES, INSTANCE_STATUSES, LIFECYCLE_EVENT_STATUSES } from './status.ts';
import { AGENT_ERROR_CODES, DEPLOYMENT_ERROR_CODES, LIFECYCLE_ERROR_CODES } from './errors.ts';
import { COMMAND_EVENTS } from './lifecycle-events.ts';
import { TrafficSpec } from './traffic-wire.ts';

/** An identifier we mint: a prefix, a dash and 6 to 64 URL-safe characters. */
export const ID_PATTERN = /^[a-z]{1,4}-[A-Za-z0-9_-]{6,64}$/;
export const Id = z.string().check(z.regex(ID_PATTERN, 'must be a Deckhand id such as d-AB12CD34'));

/** Application, group and config names: CodeDeploy allows 1-100 of letters, digits, `.`, `_`, `-`. */
export const Name = z.string().check(z.regex(/^[A-Za-z0-9._+=,@-]{1,100}$/, 'must be 1-100 letters, digits or . _ - + = , @'));

/** A lifecycle event name as hooks and appspecs spell it. */
export const LIFECYCLE_EVENT_NAME_PATTERN = /^[A-Z][A-Za-z0-9]{0,63}$/;
export const LifecycleEventNameSchema = z.string().check(z.regex(LIFECYCLE_EVENT_NAME_PATTERN, 'must be a PascalCase event name'));

export const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'));

export const BundleType = z.enum(['tar', 'tgz', 'zip']);
export type BundleType = z.infer<typeof BundleType>;

export const FileExistsBehavior = z.enum(['DISALLOW', 'OVERWRITE', 'RETAIN']);
export type FileExistsBehavior = z.infer<typeof FileExistsBehavior>;

export const DeploymentStatusSchema = z.enum(DEPLOYMENT_STATUSES);
export const InstanceStatusSchema = z.enum(INSTANCE_STATUSES);
export const LifecycleEventStatusSchema = z.enum(LIFECYCLE_EVENT_STATUSES);
export const ErrorCodeSchema = z.enum([...LIFECYCLE_ERROR_CODES, ...DEPLOYMENT_ERROR_CODES, ...AGENT_ERROR_CODES]);

/** The most tags a host, token or request may carry (AWS allows 50 per resource). */
export const MAX_TAGS = 50;

/** Tags are a map of key to value; CodeDeploy allows one value per key on an instance. */
export const Tags = z
  .record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256)))
  .check(z.refine((tags) => Object.keys(tags).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags` }));
export type Tags = z.infer<typeof Tags>;

/** Deployment parameters, given to every hook as environment variables: at most 100, 4 KiB each. */
export const DeploymentParameters = z
  .record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/)), z.string().check(z.maxLength(4096)))
  .check(z.refine((p) => Object.keys(p).length <= 100, { message: 'at most 100 parameters' }));

/** Host facts the agent reports on connect and refreshes periodically. */
export const Inventory = z.strictObject({
  hostname: z.string().check(z.maxLength(255)),
  os: z.strictObject({
    platform: z.string().check(z.maxLength(64)),
    distro: z.string().check(z.maxLength(128)),
    release: z.string().check(z.maxLength(128)),
    kernel: z.string().check(z.maxLength(128)),
  }),
  arch: z.string().check(z.maxLength(32)),
  cpus: z.number().check(z.int(), z.nonnegative()),
  memoryBytes: z.number().check(z.nonnegative()),
  diskFreeBytes: z.number().check(z.nonnegative()),
  addresses: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(64)),
  agentVersion: z.string().check(z.maxLength(64)),
  nodeVersion: z.string().check(z.maxLength(64)),
});
export type Inventory = z.infer<typeof Inventory>;

/** A bundle type, or `directory`: an unpacked revision on this host (local runs only). */
export const RevisionBundleType = z.enum(['tar', 'tgz', 'zip', 'directory']);
export type RevisionBundleType = z.infer<typeof RevisionBundleType>;

/**
 * Where the agent fetches a revision from: the coordinator's store, an S3 (or S3-compatible)
 * object, an http(s) URL, or a path on the host (local runs).
 */
export const RevisionLocation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('coordinator'), path: z.string().check(z.startsWith('/v1/')) }),
  z.strictObject({
    kind: z.literal('s3'),
    bucket: z.string().check(z.minLength(3), z.maxLength(63)),
    key: z.string().check(z.minLength(1), z.maxLength(1024)),
    versionId: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    /** The object's ETag, with or without quotes; a different ETag fails the download. */
    etag: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    region: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    /** An S3-compatible endpoint (path-style addressing), e.g. http://127.0.0.1:9000. */
    endpoint: z.optional(z.url()),
  }),
  z.strictObject({ kind: z.literal('url'), url: z.url() }),
  z.strictObject({ kind: z.literal('local'), path: z.string().check(z.minLength(1)) }),
]);
export type RevisionLocation = z.infer<typeof RevisionLocation>;

/** The locations a fleet revision may live at outside the coordinator: S3 or an http(s) URL. */
export const ExternalRevisionLocation = z.discriminatedUnion('kind', [RevisionLocation.def.options[1], RevisionLocation.def.options[2]]);
export type ExternalRevisionLocation = z.infer<typeof ExternalRevisionLocation>;

/**
 * An operator's signature of a revision: minisign's signature text over the revision document
 * (protocol/src/revision-signing.ts) and the counter it names.
 */
export const RevisionSignatureSchema = z.strictObject({
  counter: z.number().check(z.int(), z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER)),
  minisig: z.string().check(z.minLength(1), z.maxLength(2048)),
});
export type RevisionSignature = z.infer<typeof RevisionSignatureSchema>;

/** Everything an agent needs to run one deployment on its host. */
export const DeploySpec = z.strictObject({
  deploymentId: Id,
  applicationName: Name,
  deploymentGroupName: Name,
  deploymentGroupId: Id,
  revision: z.strictObject({
    revisionId: Id,
    /** Absent for an S3 revision registered by its ETag alone: the agent checks the ETag then. */
    sha256: z.optional(Sha256),
    bundleType: RevisionBundleType,
    /** 0 when unknown (an external revision registered without its size). */
    size: z.number().check(z.int(), z.nonnegative()),
    location: RevisionLocation,
    /** The operator's signature, when the revision was pushed signed (see revision-signing.ts). */
    signature: z.optional(RevisionSignatureSchema),
  }),
  fileExistsBehavior: FileExistsBehavior,
  ignoreApplicationStopFailures: z.boolean(),
  parameters: DeploymentParameters,
  /**
   * The deployment group has traffic control: the agent runs the traffic hooks (BeforeBlockTraffic,
   * AfterBlockTraffic, BeforeAllowTraffic, AfterAllowTraffic) as CodeDeploy does behind a load
   * balancer. Absent or false: they are reported Skipped, saying why. Sent only when true, so
   * agents from before the field still parse every other command.
   */
  trafficHooks: z.optional(z.boolean()),
  /**
   * Who performs BlockTraffic and AllowTraffic and how (traffic-wire.ts). Sent only with traffic
   * control, with `events` naming them.
   */
  traffic: z.optional(TrafficSpec),
  /**
   * The events this host runs, in order: CodeDeploy's 13 steps behind a balancer, or a
   * blue/green fleet's share of them. Absent: AGENT_EVENT_ORDER.
   */
  events: z.optional(
    z
      .array(z.string().check(z.refine((e) => COMMAND_EVENTS.has(e), 'must be a lifecycle event of a deploy command')))
      .check(z.minLength(1), z.maxLength(16), z.refine((e) => new Set(e).size === e.length, 'names an event twice')),
  ),
  /**
   * A retry of the host's failed deployment `fromDeploymentId` (deploy --retry-failed): when
   * the revision that deployment installed is still the group's installed one on the host, the
   * agent starts at `lifecycleEvent` with that deployment's unpacked revision (the events before
   * it are reported Skipped); otherwise it runs every event. Sent only to hosts that may start
   * late, so older agents still parse every other command.
   */
  startAt: z.optional(z.strictObject({ lifecycleEvent: LifecycleEventNameSchema, fromDeploymentId: Id })),
});
export type DeploySpec = z.infer<typeof DeploySpec>;

/** A public key the coordinator signs commands with: an id, and Ed25519 SPKI PEM. */
export const CoordinatorKeySchema = z.strictObject({
  keyId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')),
  publicKey: z.string().check(z.maxLength(1024)),
});
export type CoordinatorKeyView = z.infer<typeof CoordinatorKeySchema>;
