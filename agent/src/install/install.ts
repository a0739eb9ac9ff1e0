/**
 * The Install lifecycle event, as the CodeDeploy agent performs it: remove what the previous
 * revision of this deployment group installed, copy the `files` entries into place, apply
 * `permissions` to what was created, and record it all in the cleanup file for next time.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { FileExistsBehavior } from '../../../protocol/src/schemas.ts';
import type { AppSpec } from '../appspec/types.ts';
import { asDiskFull, noSpaceError } from '../util/disk-full.ts';
import { CleanupWriter, cleanupFilePath, readCleanupList, removeListed } from './cleanup-file.ts';
import { Containment, isInside, resolveDestination } from './paths.ts';
import { applyPermissions, resolvePermissions, type ResolvedPermissions } from './permissions.ts';
import { planInstall, type InstallOp, type PlanInput } from './plan.ts';
import { hostToolEnv, type ToolEnv } from './tools.ts';

/** Options of {@link installRevision}. */
export interface InstallRevisionOptions {
  /** The unpacked revision. */
  archiveDir: string;
  spec: AppSpec;
  /** The deployment's behaviour; the appspec's own file_exists_behavior wins over it. */
  fileExistsBehavior: FileExistsBehavior;
  /** `<root>/deployment-instructions`. */
  instructionsDir: string;
  deploymentGroupId: string;
  /** Install every destination under this directory instead of `/` (tests, demos, local runs). */
  destRoot?: string;
  /** Where setfacl and the SELinux tools are looked for; the host's PATH by default. */
  toolEnv?: ToolEnv;
}

/** Conflicting paths listed in an INSTALL_CONFLICT message; the full list is in its details. */
const MAX_LISTED_CONFLICTS = 20;

/**
 * Installs the revision.
 * @returns every path created, in creation order (the new cleanup list).
 * @throws INSTALL_CONFLICT (DISALLOW conflicts, appspec conflicts) or INSTALL_FAILED, both before
 * anything is deleted when they can be known in advance; the previous revision is then intact.
 */
export async function installRevision(opts: InstallRevisionOptions): Promise<{ installed: string[] }> {
  const destRoot = opts.destRoot === undefined ? undefined : path.resolve(opts.destRoot);
  const cleanupFile = cleanupFilePath(opts.instructionsDir, opts.deploymentGroupId);
  const previous = await readCleanupList(cleanupFile);
  if (destRoot !== undefined) assertListedInside(previous, destRoot, cleanupFile);
  const planInput: PlanInput = {
    archiveDir: path.resolve(opts.archiveDir),
    files: opts.spec.files,
    behavior: opts.spec.fileExistsBehavior ?? opts.fileExistsBehavior,
    destRoot,
    containment: await Containment.create(destRoot),
    goingAway: new Set(previous),
  };
  const preview = await planInstall(planInput);
  if (preview.conflicts.length > 0) throw conflictError(preview.conflicts);
  const permissions = await resolvePermissions(opts.spec.permissions, (o) => resolveDestination(o, destRoot), opts.toolEnv ?? hostToolEnv());

  await removeListed(previous);
  await fsp.rm(cleanupFile, { force: true });
  // Planned again on the cleaned-up disk (the preview has already refused every conflict), unless
  // nothing was removed: the disk is then the one the preview saw.
  const plan = previous.length === 0 ? preview : await planInstall({ ...planInput, goingAway: new Set() });
  return { installed: await execute(plan.ops, permissions, cleanupFile) };
}

/** Install steps done between two turns of the event loop. */
const OPS_PER_TURN = 256;

/**
 * Carries out the plan, a batch at a time: the batch's paths are listed in the cleanup file (one
 * write) before any of them is created, so a failure half-way still lists everything it made, as
 * CodeDeploy's installer does; then its steps run with synchronous calls, which for many small
 * files cost a fraction of a thread-pool round trip each (bench/unpack's small-files case).
 */
async function execute(ops: readonly InstallOp[], permissions: ResolvedPermissions, cleanupFile: string): Promise<string[]> {
  const writer = new CleanupWriter(cleanupFile);
  const installed: string[] = [];
  const files = new Set<string>();
  const dirs = new Set<string>();
  let current: InstallOp | undefined;
  try {
    for (let start = 0; start < ops.length; start += OPS_PER_TURN) {
      const batch = ops.slice(start, start + OPS_PER_TURN);
      writer.addAll(batch.map((op) => (op.kind === 'mkdir' ? op.path : op.to)));
      for (const op of batch) {
        current = op;
        if (op.kind === 'mkdir') {
          makeDir(op.path);
          dirs.add(op.path);
          installed.push(op.path);
        } else {
          copyOne(op);
          files.add(op.to);
          installed.push(op.to);
        }
      }
      current = undefined;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await applyPermissions(permissions, { files, dirs, recordCleanup: (line) => writer.add(line) });
  } catch (err) {
    if (noSpaceError(err) !== undefined) throw await giveSpaceBack(err, installed, current);
    if (err instanceof DeckhandError) throw err;
    throw new DeckhandError('INSTALL_FAILED', `installing the revision failed: ${(err as Error).message}`, { cause: err });
  } finally {
    closeQuietly(writer);
  }
  return installed;
}

/**
 * A full disk: removes what this Install created (and the file it was copying), so the host gets
 * its space back now rather than at the next Install, which would remove them first anyway (the
 * cleanup file still lists them; missing paths are skipped there).
 */
async function giveSpaceBack(err: unknown, installed: readonly string[], current: InstallOp | undefined): Promise<unknown> {
  // The file being copied when the disk filled may be left partly written.
  const partial = current?.kind === 'copy' && !installed.includes(current.to) ? [current.to] : [];
  await removeListed([...installed, ...partial]);
  return asDiskFull(err, 'installing the revision', `the ${installed.length} files and folders it had created were removed`);
}

/** Closes the cleanup file; on a full disk its final flush may fail too, which must not hide the first error. */
function closeQuietly(writer: CleanupWriter): void {
  try {
    writer.close();
  } catch (err) {
    if (noSpaceError(err) === undefined) throw err;
    // ENOSPC on the final fsync: the lines written so far are what the next Install reads.
  }
}

function makeDir(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    // Another writer may have created it since planning; a directory there is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(dir).isDirectory()) throw err;
  }
}

/** Copies a file keeping its mode and times (FileUtils.copy preserve: true); links are recreated. */
function copyOne(op: Extract<InstallOp, { kind: 'copy' }>): void {
  // Unlink first: copying onto an existing symlink would write through it.
  if (op.replace) fs.rmSync(op.to, { force: true });
  if (op.symlink) {
    fs.symlinkSync(fs.readlinkSync(op.from), op.to);
    return;
  }
  // copyFile gives the copy the source's exact mode (set-id bits included); the times are set here.
  fs.copyFileSync(op.from, op.to, fs.constants.COPYFILE_EXCL);
  fs.utimesSync(op.to, op.times.atime, op.times.mtime);
}

function assertListedInside(paths: readonly string[], destRoot: string, cleanupFile: string): void {
  const outside = paths.find((p) => !isInside(destRoot, path.resolve(p)));
  if (outside !== undefined) {
    throw new DeckhandError('INSTALL_FAILED', `${cleanupFile} lists ${outside}, outside the destination root ${destRoot}; refusing to delete it`);
  }
}

function conflictError(conflicts: readonly string[]): DeckhandError {
  const listed = conflicts.slice(0, MAX_LISTED_CONFLICTS).join(', ');
  const more = conflicts.length > MAX_LISTED_CONFLICTS ? ` and ${conflicts.length - MAX_LISTED_CONFLICTS} more` : '';
  return new DeckhandError(
    'INSTALL_CONFLICT',
    `file_exists_behavior is DISALLOW and ${conflicts.length === 1 ? 'a file already exists' : 'files already exist'} at: ${listed}${more}`,
    { details: { conflicts: [...conflicts] } },
  );
}
