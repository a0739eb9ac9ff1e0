/**
 * The environment of hook scripts: the agent's own environment minus its secrets, plus
 * CodeDeploy's variables, Deckhand's, and the deployment's parameters.
 */

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
}

/** The agent's credentials must never reach user scripts (CodeDeploy leaks its on-prem keys). */
function isAgentSecret(name: string): boolean {
  return /^DECKHAND_.*TOKEN/i.test(name);
}

/**
 * Builds the complete environment of a hook. Precedence, lowest first: the base environment
 * (secrets removed), parameters, then the fixed variables, which parameters cannot override.
 */
export function buildHookEnv(input: HookEnvInput): Record<string, string> {
  // No prototype: a parameter named `__proto__` (valid per the schema) must stay a variable.
  const env = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(input.base)) {
    if (value !== undefined && !isAgentSecret(name)) env[name] = value;
  }
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
  return env;
}
