/**
 * Unpacks a downloaded bundle into the revision directory: safely (see safe-path.ts), into a
 * temporary sibling that is renamed into place only when complete, so a refused or broken bundle
 * leaves nothing behind; then CodeDeploy's leading-directory stripping.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { BundleType } from '../../../protocol/src/schemas.ts';
import type { ExtractCounts } from './extract-tar.ts';
import type { ExtractLimits } from './limits.ts';
import type { LinkGuard } from './safe-path.ts';
import { processUmask } from './umask.ts';
import { asDiskFull } from '../util/disk-full.ts';

export type { ExtractLimits } from './limits.ts';
export type { ExtractCounts } from './extract-tar.ts';

/** Options of {@link extractBundle}. */
export interface ExtractBundleOptions {
  /** The bundle file. */
  file: string;
  type: BundleType;
  /** The revision directory to create; anything already there is replaced. */
  dest: string;
  /** @default 4 GiB, 100000 entries, setuid/setgid refused */
  limits?: ExtractLimits;
}

const APPSPEC_LIKE = /appspec/i;

/**
 * Extracts `file` into `dest`.
 * @returns how many entries and file bytes were written.
 * @throws DeckhandError BUNDLE_UNSAFE_PATH or BUNDLE_TOO_LARGE naming the entry, DISK_FULL, or
 * BUNDLE_EXTRACT_FAILED; `dest` does not exist afterwards.
 */
export async function extractBundle(opts: ExtractBundleOptions): Promise<ExtractCounts> {
  const dest = path.resolve(opts.dest);
  await fs.rm(dest, { recursive: true, force: true });
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const staging = await fs.mkdtemp(path.join(path.dirname(dest), `.${path.basename(dest)}.staging-`));
  try {
    const extractOpts = { file: opts.file, dest: staging, limits: opts.limits ?? {}, windows: process.platform === 'win32' };
    // Imported when a bundle is unpacked: node-tar and yauzl would otherwise be resident in every
    // idle agent (the bundler puts them in their own chunks).
    const extracted = opts.type === 'zip' ? (await import('./extract-zip.ts')).extractZip(extractOpts) : (await import('./extract-tar.ts')).extractTar(extractOpts);
    const { guard, ...counts } = await extracted;
    await promote(staging, dest, guard);
    return counts;
  } catch (err) {
    await removeStaging(staging);
    throw asDiskFull(asBundleError(err, opts.file), 'unpacking the bundle', 'what was unpacked was removed');
  }
}

/**
 * Renames the unpacked tree to `dest`. When the archive root holds exactly one directory and that
 * directory holds something named like an appspec, that directory becomes the root (GitHub
 * tarballs, "zipped directory" bundles), as CodeDeploy does; its links must then stay inside it.
 */
async function promote(staging: string, dest: string, guard: LinkGuard): Promise<void> {
  const root = await strippedRoot(staging);
  if (root !== staging) guard.checkInside(path.basename(root));
  await fs.rename(root, dest);
  if (root !== staging) await fs.rmdir(staging);
  // mkdtemp made the staging directory 0700; the archive is a folder as mkdir makes one (as
  // CodeDeploy's), which a hook run as another user (runas) can enter.
  else await fs.chmod(dest, 0o777 & ~processUmask());
}

async function strippedRoot(dir: string): Promise<string> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const only = entries[0];
  if (entries.length !== 1 || only === undefined || !only.isDirectory()) return dir;
  const inner = path.join(dir, only.name);
  const names = await fs.readdir(inner);
  return names.some((n) => APPSPEC_LIKE.test(n)) ? inner : dir;
}

/**
 * node-tar may still finish an in-flight write just after it reports an error; removing twice, a
 * moment apart, keeps such a late file from outliving the staging directory.
 */
async function removeStaging(staging: string): Promise<void> {
  await fs.rm(staging, { recursive: true, force: true, maxRetries: 3 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await fs.rm(staging, { recursive: true, force: true, maxRetries: 3 });
}

function asBundleError(err: unknown, file: string): DeckhandError {
  if (err instanceof DeckhandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/decompression ratio/i.test(message)) {
    return new DeckhandError('BUNDLE_TOO_LARGE', `${path.basename(file)} expands too much: ${message}`, { cause: err });
  }
  const entry = (err as { entry?: { path?: unknown } }).entry?.path;
  const where = typeof entry === 'string' ? ` at entry "${entry}"` : '';
  return new DeckhandError('BUNDLE_EXTRACT_FAILED', `extracting ${path.basename(file)} failed${where}: ${message}`, { cause: err });
}
