/**
 * Packing a revision folder into a gzipped tar, streamed, with the appspec at the archive root.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { create } from 'tar';
import type { RevisionView } from '../../protocol/src/api.ts';
import type { DeckhandClient } from './client.ts';
import type { MinisignSecretKey } from '../../common/src/minisign.ts';
import { CliError } from './errors.ts';
import { signRevision } from './sign-revision.ts';

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
  /** Sign the revision with this key and counter once uploaded. */
  sign?: { key: MinisignSecretKey; counter: number };
}

/** Passes `source` through, hashing what passes; `digest()` once it has ended. */
function hashing(source: AsyncIterable<Uint8Array>): { body: AsyncIterable<Uint8Array>; digest: () => string } {
  const hash = createHash('sha256');
  async function* body(): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }
  return { body: body(), digest: () => hash.digest('hex') };
}

/**
 * Packs `dir` and uploads it as a new revision of the application, creating the application if
 * missing; with `sign`, then signs the sha256 of the bytes it sent (refusing when the
 * coordinator recorded other bytes) and attaches the signature.
 */
export async function pushRevision(client: DeckhandClient, dir: string, opts: PushOptions): Promise<RevisionView> {
  await checkRevisionDir(dir);
  await client.ensureApplication(opts.application);
  const packed = hashing(await packDirectory(dir));
  const upload: { bundleType: 'tgz'; description?: string } = { bundleType: 'tgz' };
  if (opts.description !== undefined) upload.description = opts.description;
  const revision = await client.uploadRevision(opts.application, packed.body, upload);
  if (opts.sign === undefined) return revision;
  const sha256 = packed.digest();
  if (revision.sha256 !== sha256) {
    throw new CliError(`the coordinator recorded revision ${revision.revisionId} with sha256 ${revision.sha256}, but this machine sent ${sha256}: not signing it`);
  }
  const signature = signRevision(opts.sign.key, { application: opts.application, counter: opts.sign.counter, sha256 });
  return client.signRevision(revision.revisionId, signature);
}
