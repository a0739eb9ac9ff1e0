/**
 * What each lifecycle event does on this host. Steps return an outcome or throw; the runner turns
 * a throw into Failed/UnknownError with the error's message.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppSpec } from '../appspec/types.ts';
import type { HookEventResult } from '../hooks/types.ts';
import type { EventOutcome, GroupUpdate } from '../journal/types.ts';
import { archiveDirOf, type DeploymentContext } from './context.ts';
import { LogForwarder } from './log-forwarder.ts';
import type { InPlaceEvent } from './transitions.ts';

/** An event's outcome plus the group pointers to commit with it. */
export interface StepOutcome extends EventOutcome {
  group?: GroupUpdate;
}

type Step = (ctx: DeploymentContext, event: InPlaceEvent) => Promise<StepOutcome>;

async function currentAppSpec(ctx: DeploymentContext): Promise<AppSpec> {
  ctx.appSpec ??= await ctx.deps.revision.loadAppSpec(ctx.archiveDir, ctx.deps.os);
  return ctx.appSpec;
}

function fromHookResult(result: HookEventResult): StepOutcome {
  const outcome: StepOutcome = { status: result.status, message: result.message };
  if (result.status === 'Failed') outcome.errorCode = result.errorCode;
  if (result.scriptName !== undefined) outcome.scriptName = result.scriptName;
  if (result.logTail !== '') outcome.logTail = result.logTail;
  return outcome;
}

/** Runs the event's scripts from `appSpec`, whose files are in `archiveDir`. No scripts: Succeeded. */
async function runScripts(ctx: DeploymentContext, event: InPlaceEvent, archiveDir: string, appSpec: AppSpec): Promise<StepOutcome> {
  const scripts = appSpec.hooks[event] ?? [];
  if (scripts.length === 0) return { status: 'Succeeded' };
  const { deps, spec } = ctx;
  const env = deps.buildEnv({
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
    revisionSha256: spec.revision.sha256,
    parameters: spec.parameters,
  });
  const reporter = deps.reporter;
  const forwarder = reporter
    ? new LogForwarder({ clock: deps.clock, reporter, deploymentId: spec.deploymentId, lifecycleEvent: event })
    : undefined;
  try {
    const result = await deps.hooks.runEvent({
      event,
      archiveDir,
      scripts,
      env,
      logFile: ctx.logFile,
      statusDir: ctx.statusDir,
      signal: ctx.signal,
      ...(forwarder ? { onLine: (line) => forwarder.push(line) } : {}),
    });
    for (const warning of result.warnings) ctx.log.warn('hook warning', { lifecycleEvent: event, warning });
    return fromHookResult(result);
  } finally {
    forwarder?.flush();
  }
}

/** ApplicationStop: the scripts of the group's last successful revision on this host, if any. */
const applicationStop: Step = async (ctx, event) => {
  const last = ctx.deps.journal.getGroupRevisions(ctx.spec.deploymentGroupId).lastSuccessfulDir;
  if (last === undefined) {
    return { status: 'Skipped', message: 'no earlier successful revision of this deployment group on this host' };
  }
  const archiveDir = archiveDirOf(last);
  const appSpec = await ctx.deps.revision.loadAppSpec(archiveDir, ctx.deps.os);
  return runScripts(ctx, event, archiveDir, appSpec);
};

/** DownloadBundle: fetch the revision from the coordinator (signed, sha256-checked), then unpack it. */
const downloadBundle: Step = async (ctx) => {
  const { deps, spec } = ctx;
  const location = spec.revision.location.path;
  await deps.revision.download(`${deps.coordinatorUrl.replace(/\/+$/, '')}${location}`, ctx.bundleFile, {
    headers: deps.sign('GET', location),
    signal: ctx.signal,
    expectedSha256: spec.revision.sha256,
  });
  await fs.rm(ctx.archiveDir, { recursive: true, force: true });
  await deps.revision.extract({ file: ctx.bundleFile, type: spec.revision.bundleType, dest: ctx.archiveDir });
  return { status: 'Succeeded', group: { deploymentGroupId: spec.deploymentGroupId, mostRecentDir: ctx.deploymentDir } };
};

/** Install: copy the revision's files per its appspec; on success this revision becomes "last successful". */
const install: Step = async (ctx) => {
  const { deps, spec } = ctx;
  const appSpec = await currentAppSpec(ctx);
  const result = await deps.revision.install({
    archiveDir: ctx.archiveDir,
    spec: appSpec,
    fileExistsBehavior: spec.fileExistsBehavior,
    instructionsDir: path.join(deps.root, 'deployment-instructions'),
    deploymentGroupId: spec.deploymentGroupId,
    ...(deps.destRoot === undefined ? {} : { destRoot: deps.destRoot }),
  });
  ctx.log.info('revision installed', { lifecycleEvent: 'Install', files: result.installed.length });
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

/** BeforeInstall, AfterInstall, ApplicationStart, ValidateService: the current revision's scripts. */
const currentScripts: Step = async (ctx, event) => runScripts(ctx, event, ctx.archiveDir, await currentAppSpec(ctx));

/** The step of every in-place event. */
export const STEPS: Readonly<Record<InPlaceEvent, Step>> = {
  ApplicationStop: applicationStop,
  DownloadBundle: downloadBundle,
  BeforeInstall: currentScripts,
  Install: install,
  AfterInstall: currentScripts,
  ApplicationStart: currentScripts,
  ValidateService: currentScripts,
};
