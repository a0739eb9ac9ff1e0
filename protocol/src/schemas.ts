/**
 * Value schemas shared by the wire protocol and the HTTP API.
 */
import { z } from 'zod';
import { DEPLOYMENT_STATUSES, INSTANCE_STATUSES, LIFECYCLE_EVENT_STATUSES } from './status.ts';
import { AGENT_ERROR_CODES, DEPLOYMENT_ERROR_CODES, LIFECYCLE_ERROR_CODES } from './errors.ts';

/** An identifier we mint: a prefix, a dash and 6 to 64 URL-safe characters. */
export const Id = z.string().regex(/^[a-z]{1,4}-[A-Za-z0-9_-]{6,64}$/, 'must be a Deckhand id such as d-AB12CD34');

/** Application, group and config names: CodeDeploy allows 1-100 of letters, digits, `.`, `_`, `-`. */
export const Name = z.string().regex(/^[A-Za-z0-9._+=,@-]{1,100}$/, 'must be 1-100 letters, digits or . _ - + = , @');

export const LifecycleEventNameSchema = z.string().regex(/^[A-Z][A-Za-z0-9]{0,63}$/, 'must be a PascalCase event name');

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const BundleType = z.enum(['tar', 'tgz', 'zip']);
export type BundleType = z.infer<typeof BundleType>;

export const FileExistsBehavior = z.enum(['DISALLOW', 'OVERWRITE', 'RETAIN']);
export type FileExistsBehavior = z.infer<typeof FileExistsBehavior>;

export const DeploymentStatusSchema = z.enum(DEPLOYMENT_STATUSES);
export const InstanceStatusSchema = z.enum(INSTANCE_STATUSES);
export const LifecycleEventStatusSchema = z.enum(LIFECYCLE_EVENT_STATUSES);
export const ErrorCodeSchema = z.enum([...LIFECYCLE_ERROR_CODES, ...DEPLOYMENT_ERROR_CODES, ...AGENT_ERROR_CODES]);

/** Tags are a map of key to value; CodeDeploy allows one value per key on an instance. */
export const Tags = z.record(z.string().min(1).max(128), z.string().max(256));
export type Tags = z.infer<typeof Tags>;

/** Host facts the agent reports on connect and refreshes periodically. */
export const Inventory = z.strictObject({
  hostname: z.string().max(255),
  os: z.strictObject({
    platform: z.string().max(64),
    distro: z.string().max(128),
    release: z.string().max(128),
    kernel: z.string().max(128),
  }),
  arch: z.string().max(32),
  cpus: z.number().int().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  diskFreeBytes: z.number().nonnegative(),
  addresses: z.array(z.string().max(64)).max(64),
  agentVersion: z.string().max(64),
  nodeVersion: z.string().max(64),
});
export type Inventory = z.infer<typeof Inventory>;

/** Where the agent fetches a revision from. The coordinator store is the only source so far. */
export const RevisionLocation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('coordinator'), path: z.string().startsWith('/v1/') }),
]);
export type RevisionLocation = z.infer<typeof RevisionLocation>;

/** Everything an agent needs to run one deployment on its host. */
export const DeploySpec = z.strictObject({
  deploymentId: Id,
  applicationName: Name,
  deploymentGroupName: Name,
  deploymentGroupId: Id,
  revision: z.strictObject({
    revisionId: Id,
    sha256: Sha256,
    bundleType: BundleType,
    size: z.number().int().nonnegative(),
    location: RevisionLocation,
  }),
  fileExistsBehavior: FileExistsBehavior,
  ignoreApplicationStopFailures: z.boolean(),
  parameters: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/), z.string().max(4096)),
});
export type DeploySpec = z.infer<typeof DeploySpec>;
