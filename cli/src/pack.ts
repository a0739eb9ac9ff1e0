/**
 * Packing a revision folder into a gzipped tar, streamed, with the appspec at the archive root.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { create } from 'tar';
import { CliError } from './errors.ts';

/** The names CodeDeploy looks for at the root of a revision, in order. */
export const APPSPEC_NAMES = ['appspec.yml', 'appspec.yaml'] as const;

/** Checks that `dir` is a folder with an appspec at its root; returns its top-level entries. */
export async function checkRevisionDir(dir: string): Promise<string[]> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (err) {
    throw new CliError(`cannot read ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (!isDir) throw new CliError(`${dir} is not a directory`);
  const entries = (await readdir(dir)).sort();
  if (!APPSPEC_NAMES.some((name) => entries.includes(name))) {
    throw new CliError(`${dir} has no appspec.yml or appspec.yaml at its root`);
  }
  return entries;
}

/**
 * A gzipped tar of `dir`'s contents, produced as it is read. Entries are the folder's own
 * children (no leading `./` or folder name), so the appspec sits at the archive root.
 */
export async function packDirectory(dir: string): Promise<AsyncIterable<Uint8Array>> {
  const entries = await checkRevisionDir(dir);
  // portable: no uid/gid/uname/mtime noise, so the same folder packs to comparable bytes.
  return create({ gzip: true, cwd: path.resolve(dir), portable: true }, entries) as AsyncIterable<Uint8Array>;
}

/** Packs `dir` into the gzipped tar `file`. */
export async function packToFile(dir: string, file: string): Promise<void> {
  const entries = await checkRevisionDir(dir);
  await create({ gzip: true, cwd: path.resolve(dir), portable: true, file }, entries);
}
