/**
 * The preflight checks: a revision against this host, without running anything. The archive
 * unpacks safely, the appspec is valid for this OS, every script is present, runas users exist,
 * destinations are writable with enough free space, and every DISALLOW conflict. Used by
 * `deckhand-agent preflight` and by the coordinator's `coord.preflight` (remote.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { DeploySpec, FileExistsBehavior } from '../../../protocol/src/schemas.ts';
import { unknownEventWarning, unknownHookEvents } from '../appspec/events.ts';
import { climbingLocationWarnings } from '../appspec/hook-locations.ts';
import { loadAppSpec, type AppSpecLoadOptions } from '../appspec/load.ts';
import type { AppSpec } from '../appspec/types.ts';
import { fetchRevision, type FetchRevisionOptions } from '../bundle/sources.ts';
import { hostOs } from '../config/local-args.ts';
import { locateScript } from '../hooks/script-path.ts';
import { cleanupFilePath, readCleanupList } from '../install/cleanup-file.ts';
import { Containment, resolveDestination } from '../install/paths.ts';
import { lookupId, resolvePermissions } from '../install/permissions.ts';
import { planInstall, type InstallPlan } from '../install/plan.ts';

/** One finding: a problem, or (ok) a check that passed. */
export interface Finding {
  check: string;
  ok: boolean;
  message: string;
}

/**
 * What the checks found. `problems` are the failed findings as `check: message`; `warnings` what
 * would not fail a deployment but is likely a mistake (a hook name that is no lifecycle event).
 */
export interface PreflightReport {
  ok: boolean;
  problems: string[];
  warnings: string[];
  findings: Finding[];
}

/** What to check, and against which host state. */
export interface PreflightInput {
  /**
   * The revision to check; called with the scratch dir, which a caller may use to fetch a
   * remote bundle into first (it is removed with everything else).
   */
  revision: (scratch: string) => Promise<DeploySpec['revision']>;
  /** What the bundle finding calls the revision (a path, a URL, a revision id). */
  label: string;
  /** A fresh scratch dir is made under this, and removed when the checks end. */
  scratchParent: string;
  /** The agent's deployment-instructions dir (the previous revision's cleanup list). */
  instructionsDir: string;
  deploymentGroupId: string;
  destRoot: string | undefined;
  /** Used when the appspec does not say. */
  fileExistsBehavior: FileExistsBehavior;
  coordinator?: FetchRevisionOptions['coordinator'];
  /** How the appspec is found and read. */
  appSpec?: AppSpecLoadOptions;
  /** Warnings are problems. @default false */
  strict?: boolean;
}

/** Runs every check in a scratch dir it removes afterwards; never throws for a bad revision. */
export async function runPreflightChecks(input: PreflightInput): Promise<PreflightReport> {
  const findings: Finding[] = [];
  const cautions: Finding[] = [];
  await fs.mkdir(input.scratchParent, { recursive: true });
  const scratch = await fs.mkdtemp(path.join(input.scratchParent, 'preflight-'));
  try {
    const archiveDir = await unpack(input, scratch, findings);
    const spec = archiveDir === undefined ? undefined : await appSpec(archiveDir, input.appSpec, findings);
    if (archiveDir !== undefined && spec !== undefined) {
      for (const name of unknownHookEvents(spec)) cautions.push({ check: 'hooks', ok: false, message: unknownEventWarning(name) });
      for (const w of climbingLocationWarnings(spec)) cautions.push({ check: 'scripts', ok: false, message: `${w.path}: ${w.message}` });
      await checkRevision(input, archiveDir, spec, findings);
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  if (input.strict === true) findings.push(...cautions.splice(0));
  const problems = findings.filter((f) => !f.ok).map((f) => `${f.check}: ${f.message}`);
  return { ok: problems.length === 0, problems, warnings: cautions.map((w) => `${w.check}: ${w.message}`), findings };
}

/** Fetches, verifies and unpacks the revision with the agent's own safe extraction. */
async function unpack(input: PreflightInput, scratch: string, findings: Finding[]): Promise<string | undefined> {
  const archiveDir = path.join(scratch, 'deployment-archive');
  try {
    const revision = await input.revision(scratch);
    const bundleFile = path.join(scratch, `bundle.${revision.bundleType}`);
    await fetchRevision({ revision, bundleFile, archiveDir, ...(input.coordinator === undefined ? {} : { coordinator: input.coordinator }) });
    findings.push({ check: 'bundle', ok: true, message: `${input.label} is readable and safe to unpack` });
    return archiveDir;
  } catch (err) {
    findings.push({ check: 'bundle', ok: false, message: messageOf(err) });
    return undefined;
  }
}

async function appSpec(archiveDir: string, opts: AppSpecLoadOptions | undefined, findings: Finding[]): Promise<AppSpec | undefined> {
  try {
    const spec = await loadAppSpec(archiveDir, hostOs(), opts);
    findings.push({ check: 'appspec', ok: true, message: `valid for ${hostOs()}` });
    return spec;
  } catch (err) {
    findings.push({ check: 'appspec', ok: false, message: messageOf(err) });
    return undefined;
  }
}

async function checkRevision(input: PreflightInput, archiveDir: string, spec: AppSpec, findings: Finding[]): Promise<void> {
  await checkScripts(archiveDir, spec, findings);
  const destinations = spec.files.map((f) => resolveDestination(f.destination, input.destRoot));
  await checkDestinations(destinations, archiveDir, findings);
  await checkPlan(input, archiveDir, spec, findings);
  try {
    await resolvePermissions(spec.permissions, (o) => resolveDestination(o, input.destRoot));
  } catch (err) {
    findings.push({ check: 'permissions', ok: false, message: messageOf(err) });
  }
}

async function checkScripts(archiveDir: string, spec: AppSpec, findings: Finding[]): Promise<void> {
  for (const [event, scripts] of Object.entries(spec.hooks)) {
    for (const script of scripts) {
      const { path: file, outside } = locateScript(archiveDir, script.location);
      const stat = outside === undefined ? await fs.stat(file).catch(() => undefined) : undefined;
      if (outside !== undefined) {
        findings.push({ check: 'scripts', ok: false, message: `${event}: ${script.location} resolves outside the revision; the agent will not run it (ScriptOutsideRevision)` });
      } else if (stat?.isFile() !== true) findings.push({ check: 'scripts', ok: false, message: `${event}: ${script.location} is not in the revision` });
      if (script.runas === undefined || hostOs() === 'windows') continue;
      const exists = await lookupId('passwd', script.runas).then(() => true, () => false);
      if (!exists) findings.push({ check: 'runas', ok: false, message: `${event}: ${script.location} runs as "${script.runas}", who does not exist here` });
    }
  }
}

/** Each destination's nearest existing ancestor must be writable and have room for the revision. */
async function checkDestinations(destinations: string[], archiveDir: string, findings: Finding[]): Promise<void> {
  const needed = await treeBytes(archiveDir);
  for (const dest of new Set(destinations)) {
    const existing = await nearestExisting(dest);
    const writable = await fs.access(existing, fs.constants.W_OK).then(() => true, () => false);
    if (!writable) findings.push({ check: 'destinations', ok: false, message: `${dest}: ${existing} is not writable by this user` });
    const stats = await fs.statfs(existing);
    const free = stats.bavail * stats.bsize;
    if (free < needed) findings.push({ check: 'disk', ok: false, message: `${dest}: ${free} bytes free on its file system, the revision needs up to ${needed}` });
  }
}

/** Plans the Install as the agent would, after the previous revision's cleanup. */
async function checkPlan(input: PreflightInput, archiveDir: string, spec: AppSpec, findings: Finding[]): Promise<void> {
  let plan: InstallPlan;
  try {
    plan = await planInstall({
      archiveDir,
      files: spec.files,
      behavior: spec.fileExistsBehavior ?? input.fileExistsBehavior,
      destRoot: input.destRoot,
      containment: await Containment.create(input.destRoot),
      goingAway: new Set(await readCleanupList(cleanupFilePath(input.instructionsDir, input.deploymentGroupId))),
    });
  } catch (err) {
    findings.push({ check: 'install', ok: false, message: messageOf(err) });
    return;
  }
  for (const conflict of plan.conflicts) {
    findings.push({ check: 'conflicts', ok: false, message: `file_exists_behavior is DISALLOW and ${conflict} already exists` });
  }
  if (plan.conflicts.length === 0) findings.push({ check: 'install', ok: true, message: `${plan.ops.length} steps, no conflicts` });
}

async function nearestExisting(p: string): Promise<string> {
  for (let dir = p; ; dir = path.dirname(dir)) {
    if ((await fs.stat(dir).catch(() => undefined)) !== undefined || path.dirname(dir) === dir) return dir;
  }
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const rel of await fs.readdir(dir, { recursive: true })) {
    const stat = await fs.lstat(path.join(dir, String(rel)));
    if (stat.isFile()) total += stat.size;
  }
  return total;
}

function messageOf(err: unknown): string {
  return err instanceof DeckhandError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
}
