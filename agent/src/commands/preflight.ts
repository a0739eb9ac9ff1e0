/**
 * `deckhand-agent preflight`: checks a revision against this host without running anything:
 * the archive unpacks safely, the appspec is valid for this OS, every script is present, runas
 * users exist, destinations are writable with enough free space, and every DISALLOW conflict.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { loadAppSpec } from '../appspec/load.ts';
import type { AppSpec } from '../appspec/types.ts';
import { fetchRevision } from '../bundle/sources.ts';
import { hostOs, type LocalCommand } from '../config/local-args.ts';
import { cleanupFilePath, readCleanupList } from '../install/cleanup-file.ts';
import { Containment, resolveDestination } from '../install/paths.ts';
import { lookupId, resolvePermissions } from '../install/permissions.ts';
import { planInstall, type InstallPlan } from '../install/plan.ts';
import type { CommandIo } from './appspec-validate.ts';
import { LOCAL_GROUP_ID, localDeploymentId, resolveLocalRevision } from './local-revision.ts';

/** One finding: a problem, or (ok) a check that passed. */
interface Finding {
  check: string;
  ok: boolean;
  message: string;
}

/** Runs every check; resolves 0 when all pass, 1 otherwise, printing one line per finding. */
export async function runPreflight(cmd: LocalCommand, io: CommandIo): Promise<number> {
  const findings: Finding[] = [];
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-preflight-'));
  try {
    const archiveDir = await unpack(cmd, scratch, findings);
    const spec = archiveDir === undefined ? undefined : await appSpec(archiveDir, findings);
    if (archiveDir !== undefined && spec !== undefined) await checkRevision(cmd, archiveDir, spec, findings);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  for (const f of findings) (f.ok ? io.out : io.err)(`${f.ok ? 'ok  ' : 'FAIL'} ${f.check}: ${f.message}`);
  const failed = findings.filter((f) => !f.ok).length;
  io.out(failed === 0 ? 'preflight passed' : `preflight failed: ${failed} problem${failed === 1 ? '' : 's'}`);
  return failed === 0 ? 0 : 1;
}

/** Fetches and unpacks the revision with the agent's own safe extraction, into a scratch dir. */
async function unpack(cmd: LocalCommand, scratch: string, findings: Finding[]): Promise<string | undefined> {
  const archiveDir = path.join(scratch, 'deployment-archive');
  try {
    const revision = await resolveLocalRevision({ ...cmd, root: scratch }, localDeploymentId());
    await fetchRevision({ revision, bundleFile: path.join(scratch, `bundle.${cmd.type}`), archiveDir });
    findings.push({ check: 'bundle', ok: true, message: `${cmd.bundleLocation} is readable and safe to unpack` });
    return archiveDir;
  } catch (err) {
    findings.push({ check: 'bundle', ok: false, message: messageOf(err) });
    return undefined;
  }
}

async function appSpec(archiveDir: string, findings: Finding[]): Promise<AppSpec | undefined> {
  try {
    const spec = await loadAppSpec(archiveDir, hostOs());
    findings.push({ check: 'appspec', ok: true, message: `valid for ${hostOs()}` });
    return spec;
  } catch (err) {
    findings.push({ check: 'appspec', ok: false, message: messageOf(err) });
    return undefined;
  }
}

async function checkRevision(cmd: LocalCommand, archiveDir: string, spec: AppSpec, findings: Finding[]): Promise<void> {
  await checkScripts(archiveDir, spec, findings);
  const destinations = spec.files.map((f) => resolveDestination(f.destination, cmd.destRoot));
  await checkDestinations(destinations, archiveDir, findings);
  await checkPlan(cmd, archiveDir, spec, findings);
  try {
    await resolvePermissions(spec.permissions, (o) => resolveDestination(o, cmd.destRoot));
  } catch (err) {
    findings.push({ check: 'permissions', ok: false, message: messageOf(err) });
  }
}

async function checkScripts(archiveDir: string, spec: AppSpec, findings: Finding[]): Promise<void> {
  for (const [event, scripts] of Object.entries(spec.hooks)) {
    for (const script of scripts) {
      const file = path.join(archiveDir, script.location);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat?.isFile() !== true) findings.push({ check: 'scripts', ok: false, message: `${event}: ${script.location} is not in the revision` });
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
async function checkPlan(cmd: LocalCommand, archiveDir: string, spec: AppSpec, findings: Finding[]): Promise<void> {
  const instructions = path.join(cmd.root, 'deployment-instructions');
  let plan: InstallPlan;
  try {
    plan = await planInstall({
      archiveDir,
      files: spec.files,
      behavior: spec.fileExistsBehavior ?? cmd.fileExistsBehavior,
      destRoot: cmd.destRoot,
      containment: await Containment.create(cmd.destRoot),
      goingAway: new Set(await readCleanupList(cleanupFilePath(instructions, LOCAL_GROUP_ID))),
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
