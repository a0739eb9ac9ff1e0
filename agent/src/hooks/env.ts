/**
 * The environment of hook scripts: the agent's own environment minus its secrets, plus
 * CodeDeploy's variables, Deckhand's, and the deployment's parameters.
 */
import { AGENT_ENV } from '../../../common/src/agent-process.ts';

/** Where an S3 revision came from; becomes CodeDeploy's BUNDLE_* variables. */
export interface BundleEnvInput {
  bucket: string;
  key: string;
  /** The object version, when the bucket is versioned. */
  version?: string;
  etag?: string;
}

/** Inputs of {@link buildHookEnv}. */
export interface HookEnvInput {
  /** The agent's environment (usually process.env). */
  base: NodeJS.ProcessEnv;
  event: string;
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  instanceId: string;
  root: string;
  deploymentDir: string;
  archiveDir: string;
  revisionSha256: string;
  /** Deployment parameters, each becoming its own variable. */
  parameters: Record<string, string>;
  /** S3 revisions only: BUNDLE_BUCKET, BUNDLE_KEY, BUNDLE_VERSION, BUNDLE_ETAG. */
  bundle?: BundleEnvInput;
  /** AfterFailure only: the event whose failure failed the deployment. */
  failedLifecycleEvent?: string;
}

/**
 * The agent's credentials must never reach user scripts (CodeDeploy leaks its on-prem keys into
 * every hook): Deckhand's tokens, secrets and keys, and the AWS keys an agent may hold for S3
 * revisions, which CodeDeploy's poller also clears. Hooks that need AWS get it from the
 * instance role (IMDS) or their own configuration, not from the agent.
 */
export function isAgentSecret(name: string): boolean {
  return /^DECKHAND_.*(TOKEN|SECRET|PASSWORD|KEY)/i.test(name) || /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/i.test(name);
}

/**
 * The agent's own process tuning (MALLOC_ARENA_MAX=2 from its service definition): right for the
 * agent, not for the applications its hooks start, which inherit nothing of it.
 */
function isAgentTuning(name: string, value: string): boolean {
  return Object.hasOwn(AGENT_ENV, name) && AGENT_ENV[name] === value;
}

/** CodeDeploy's BUNDLE_* for an S3 revision. A missing version or ETag unsets it, as CodeDeploy does. */
function applyBundle(env: Record<string, string>, bundle: BundleEnvInput): void {
  env['BUNDLE_BUCKET'] = bundle.bucket;
  env['BUNDLE_KEY'] = bundle.key;
  for (const [name, value] of [['BUNDLE_VERSION', bundle.version], ['BUNDLE_ETAG', bundle.etag]] as const) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
}

/**
 * Builds the complete environment of a hook. Precedence, lowest first: the base environment
 * (secrets removed), parameters, then the fixed variables, which parameters cannot override.
 */
export function buildHookEnv(input: HookEnvInput): Record<string, string> {
  // No prototype: a parameter named `__proto__` (valid per the schema) must stay a variable.
  const env = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(input.base)) {
    if (value !== undefined && !isAgentSecret(name) && !isAgentTuning(name, value)) env[name] = value;
  }
  // Parameters are the deployer's own values, so one named like a secret is still passed on.
  Object.assign(env, input.parameters);
  Object.assign(env, {
    LIFECYCLE_EVENT: input.event,
    DEPLOYMENT_ID: input.deploymentId,
    APPLICATION_NAME: input.applicationName,
    DEPLOYMENT_GROUP_NAME: input.deploymentGroupName,
    DEPLOYMENT_GROUP_ID: input.deploymentGroupId,
    DECKHAND_INSTANCE_ID: input.instanceId,
    DECKHAND_ROOT: input.root,
    DECKHAND_DEPLOYMENT_DIR: input.deploymentDir,
    DECKHAND_ARCHIVE_DIR: input.archiveDir,
    DECKHAND_REVISION_SHA256: input.revisionSha256,
  });
  if (input.bundle !== undefined) applyBundle(env, input.bundle);
  if (input.failedLifecycleEvent !== undefined) env['FAILED_LIFECYCLE_EVENT'] = input.failedLifecycleEvent;
  return env;
}
