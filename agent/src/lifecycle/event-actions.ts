/**
 * What each lifecycle event does on this host (its action): run the revision's scripts for it,
 * or, for DownloadBundle and Install, the agent's own work. An action returns an outcome or
 * throws; the runner (deployment.ts) turns a throw into Failed/UnknownError.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { isTrafficHookEvent, LAST_SUCCESSFUL_EVENTS } from '../../../protocol/src/lifecycle-events.ts';
import { checkRunEvents } from '../appspec/events.ts';
import type { AppSpec, HookScript } from '../appspec/types.ts';
import type { BundleEnvInput, HookEnvInput } from '../hooks/env.ts';
import type { HookEventResult } from '../hooks/types.ts';
import type { EventOutcome, GroupUpdate } from '../journal/types.ts';
import { archiveDirOf, type DeploymentContext } from './context.ts';
import type { EventName } from './transitions.ts';
import { isBeforeStart } from './start-at.ts';
import { asDiskFull, isDiskFull } from '../util/disk-full.ts';

/** An event's outcome plus the group pointers to commit with it. */
export interface ActionOutcome extends EventOutcome {
  group?: GroupUpdate;
  /** The agent detached from a running hook: nothing to journal, the next agent collects it. */
  detached?: true;
  /** Script `index` asked for a reboot. */
  rebootRequested?: { index: number };
}

/**
 * The wire message of an action that threw. The event's code is CodeDeploy's UnknownError, so the
 * Deckhand code (APPSPEC_INVALID, BUNDLE_UNSAFE_PATH, ...) leads the message and says which failure it was.
 */
export function thrownMessage(err: unknown): string {
  if (err instanceof DeckhandError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export type EventAction = (ctx: DeploymentContext, event: EventName) => Promise<ActionOutcome>;

async function currentAppSpec(ctx: DeploymentContext): Promise<AppSpec> {
  ctx.appSpec ??= await ctx.deps.revision.loadAppSpec(ctx.archiveDir, ctx.deps.os);
  return ctx.appSpec;
}

/**
 * A succeeded event whose script left its output open is reported with the OutputsLeftOpen code
 * and the warning as its message: the coordinator shows it, and the event stays Succeeded.
 */
function fromHookResult(result: HookEventResult): ActionOutcome {
  const outcome: ActionOutcome = { status: result.status, message: result.message };
  if (result.status === 'Failed') outcome.errorCode = result.errorCode;
  const leftOpen = result.warnings.filter((w) => w.startsWith('OutputsLeftOpen:'));
  if (result.status === 'Succeeded' && leftOpen.length > 0) {
    outcome.errorCode = 'OutputsLeftOpen';
    outcome.message = leftOpen.join('; ');
  }
  if (result.scriptName !== undefined) outcome.scriptName = result.scriptName;
  if (result.logTail !== '') outcome.logTail = result.logTail;
  if (result.detached) outcome.detached = true;
  if (result.rebootRequested) outcome.rebootRequested = result.rebootRequested;
  return outcome;
}

/** CodeDeploy's BUNDLE_* inputs for an S3 revision; undefined for other sources. */
function bundleEnvOf(location: DeploymentContext['spec']['revision']['location']): BundleEnvInput | undefined {
  if (location.kind !== 's3') return undefined;
  const { bucket, key, versionId, etag } = location;
  return { bucket, key, ...(versionId === undefined ? {} : { version: versionId }), ...(etag === undefined ? {} : { etag }) };
}

/**
 * Runs the event's scripts from `appSpec`, whose files are in `archiveDir`. No scripts: Succeeded.
 * `extra` adds event-specific variables (AfterFailure's FAILED_LIFECYCLE_EVENT).
 */
export async function runScripts(
  ctx: DeploymentContext,
  event: string,
  archiveDir: string,
  appSpec: AppSpec,
  extra: Pick<HookEnvInput, 'failedLifecycleEvent'> = {},
): Promise<ActionOutcome> {
  return runHookScripts(ctx, event, archiveDir, appSpec.hooks[event] ?? [], extra);
}

/**
 * Runs `scripts` (locations relative to `archiveDir`) as the event's, with the hook runner's
 * rules: environment, timeout, output, journaled start. No scripts: Succeeded.
 */
export async function runHookScripts(
  ctx: DeploymentContext,
  event: string,
  archiveDir: string,
  scripts: readonly HookScript[],
  extra: Pick<HookEnvInput, 'failedLifecycleEvent'> = {},
): Promise<ActionOutcome> {
  if (scripts.length === 0) return { status: 'Succeeded' };
  const { deps, spec } = ctx;
  const bundle = bundleEnvOf(spec.revision.location);
  const env = deps.buildEnv({
    ...extra,
    ...(bundle === undefined ? {} : { bundle }),
    base: deps.baseEnv ?? process.env,
    event,
    deploymentId: spec.deploymentId,
    applicationName: spec.applicationName,
    deploymentGroupName: spec.deploymentGroupName,
    deploymentGroupId: spec.deploymentGroupId,
    instanceId: deps.instanceId,
    root: deps.root,
    deploymentDir: ctx.deploymentDir,
    archiveDir,
    // Empty for an S3 revision registered by its ETag alone.
    revisionSha256: spec.revision.sha256 ?? '',
    parameters: spec.parameters,
  });
  const reporter = deps.reporter;
  const key = { commandId: ctx.commandId, deploymentId: spec.deploymentId, event };
  const resume = ctx.resume?.event === event ? ctx.resume.point : undefined;
  if (resume !== undefined) delete ctx.resume;
  const result = await deps.hooks.runEvent({
    event,
    archiveDir,
    scripts: [...scripts],
    env,
    logFile: ctx.logFile,
    statusDir: ctx.statusDir,
    signal: ctx.signal,
    detach: ctx.detach,
    // Synchronous, before the runner awaits anything: the pid is journaled before the wait.
    onScriptStarted: (started) => deps.journal.recordScriptStart(key, started),
    ...(resume === undefined ? {} : { resume }),
    ...(reporter ? { onOutput: () => reporter.outputWritten(spec.deploymentId) } : {}),
  });
  for (const warning of result.warnings) ctx.log.warn('hook warning', { lifecycleEvent: event, warning });
  return fromHookResult(result);
}

/**
 * ApplicationStop, BeforeBlockTraffic, AfterBlockTraffic: CodeDeploy's LAST_SUCCESSFUL mapping. The
 * scripts come from the group's last successful revision on this host, unless this deployment's
 * archive is already unpacked (a local run whose --events puts the event after DownloadBundle):
 * then from this revision. No earlier revision: Skipped.
 */
export const previousRevisionScripts: EventAction = async (ctx, event) => {
  if (await isDirectory(ctx.archiveDir)) return currentScripts(ctx, event);
  const last = ctx.deps.journal.getGroupRevisions(ctx.spec.deploymentGroupId).lastSuccessfulDir;
  if (last === undefined) {
    return { status: 'Skipped', message: 'no earlier successful revision of this deployment group on this host' };
  }
  const archiveDir = archiveDirOf(last);
  const appSpec = await ctx.deps.revision.loadAppSpec(archiveDir, ctx.deps.os);
  return runScripts(ctx, event, archiveDir, appSpec);
};

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() === true;
}

/**
 * Runs the agent's own work of DownloadBundle or Install; a failure for a full disk becomes
 * DISK_FULL ("disk full on the host") and marks the deployment to give its space back.
 */
function ownWork(doing: string, action: EventAction): EventAction {
  return async (ctx, event) => {
    try {
      return await action(ctx, event);
    } catch (err) {
      const named = asDiskFull(err, doing);
      if (isDiskFull(named)) ctx.diskFull = true;
      throw named;
    }
  };
}

/** DownloadBundle: prune old deployment dirs (retention), then fetch and unpack the revision. */
const downloadBundle: EventAction = async (ctx) => {
  const { deps, spec } = ctx;
  const lastSuccessfulDir = deps.journal.getGroupRevisions(spec.deploymentGroupId).lastSuccessfulDir;
  await deps.revision.prune?.({
    groupDir: path.dirname(ctx.deploymentDir),
    currentDir: ctx.deploymentDir,
    ...(lastSuccessfulDir === undefined ? {} : { lastSuccessfulDir }),
  });
  const onRetry = (attempt: number, err: Error, delayMs: number): void => {
    ctx.log.warn('bundle download failed; retrying', { lifecycleEvent: 'DownloadBundle', attempt, error: err.message, retryInMs: delayMs });
  };
  const { archiveDir, bundleFile, signal } = ctx;
  await deps.revision.fetch({ application: spec.applicationName, revision: spec.revision, bundleFile, archiveDir, signal, coordinator: deps.coordinator, onRetry });
  return { status: 'Succeeded', group: { deploymentGroupId: spec.deploymentGroupId, mostRecentDir: ctx.deploymentDir } };
};

/**
 * Install: copy the revision's files per its appspec; on success this revision becomes "last
 * successful". A run with its own event order (local) first refuses hooks it would never run.
 */
const install: EventAction = async (ctx) => {
  const { deps, spec } = ctx;
  const appSpec = await currentAppSpec(ctx);
  if (deps.eventOrder !== undefined) checkRunEvents(appSpec, appSpec.fileName ?? 'appspec.yml', deps.eventOrder);
  const result = await deps.revision.install({
    archiveDir: ctx.archiveDir,
    spec: appSpec,
    fileExistsBehavior: spec.fileExistsBehavior,
    instructionsDir: path.join(deps.root, 'deployment-instructions'),
    deploymentGroupId: spec.deploymentGroupId,
    ...(deps.destRoot === undefined ? {} : { destRoot: deps.destRoot }),
  });
  ctx.log.info('revision installed', { lifecycleEvent: 'Install', files: result.installed.length });
  deps.revision.onInstalled?.(spec.applicationName, spec.revision);
  return {
    status: 'Succeeded',
    // CodeDeploy records the last successful install when Install succeeds, not when the whole
    // deployment does: a later ValidateService failure still makes this ApplicationStop's source.
    group: {
      deploymentGroupId: spec.deploymentGroupId,
      lastSuccessful: { dir: ctx.deploymentDir, deploymentId: spec.deploymentId },
    },
  };
};

/** BeforeInstall ... ValidateService, the allow-traffic pair and custom events: the current revision's scripts. */
const currentScripts: EventAction = async (ctx, event) => runScripts(ctx, event, ctx.archiveDir, await currentAppSpec(ctx));

/** A traffic hook of a deployment without traffic control. */
const noTrafficControl: EventAction = async (_ctx, event) => ({
  status: 'Skipped',
  message: `${event} runs only when the deployment group has traffic control (a load balancer), and this one has none`,
});

/** An event before the start of a retry that starts late: the failed deployment did it. */
const doneBeforeRetry: EventAction = async (ctx, event) => ({
  status: 'Skipped',
  message: `${event} is not run again: this retry of ${ctx.startAt?.fromDeploymentId ?? '?'} starts at ${ctx.startAt?.event ?? '?'}, with the revision that deployment installed`,
});

/** What `event` does on this host, for the deployment of `ctx`. */
export function actionFor(ctx: DeploymentContext, event: EventName): EventAction {
  if (ctx.startAt !== undefined && isBeforeStart(ctx.startAt, event)) return doneBeforeRetry;
  if (event === 'DownloadBundle') return ownWork('downloading the revision', downloadBundle);
  if (event === 'Install') return ownWork('installing the revision', install);
  if (isTrafficHookEvent(event) && ctx.spec.trafficHooks !== true) return noTrafficControl;
  return LAST_SUCCESSFUL_EVENTS.has(event) ? previousRevisionScripts : currentScripts;
}
