/**
 * Packing a revision folder into a gzipped tar, streamed, with the appspec at the archive root.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { create } from 'tar';
import type { RevisionView } from '../../protocol/src/api.ts';
import type { DeckhandClient } from './client.ts';
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

/** Options of {@link pushRevision}. */
export interface PushOptions {
  application: string;
  description?: string;
}

/** Packs `dir` and uploads it as a new revision of the application, creating the application if missing. */
export async function pushRevision(client: DeckhandClient, dir: string, opts: PushOptions): Promise<RevisionView> {
  const body = await packDirectory(dir);
  await client.ensureApplication(opts.application);
  const upload: { bundleType: 'tgz'; description?: string } = { bundleType: 'tgz' };
  if (opts.description !== undefined) upload.description = opts.description;
  return client.uploadRevision(opts.application, body, upload);
}
