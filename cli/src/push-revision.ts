/**
 * `deckhand push`: a revision folder (packed here) or a prebuilt zip/tgz/tar goes to the
 * coordinator, or with `--s3` to S3 (registered with the coordinator as an external revision
 * agents fetch themselves). With `--sign`, the sha256 this machine computed is what is signed,
 * and the push is refused when the coordinator recorded other bytes.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { BundleProblem, inspectBundle } from '../../common/src/bundle-inspect.ts';
import type { MinisignSecretKey } from '../../common/src/minisign.ts';
import { sha256File } from '../../common/src/sha256-file.ts';
import type { RevisionView } from '../../protocol/src/api.ts';
import type { BundleType } from '../../protocol/src/schemas.ts';
import type { DeckhandClient } from './client.ts';
import { CliError } from './errors.ts';
import { checkRevisionDir, packDirectory, packToFile } from './pack.ts';
import { putBundle } from './s3-upload.ts';
import { signRevision } from './sign-revision.ts';

/** What is pushed: a folder, or an archive built elsewhere. */
export type PushSource = { kind: 'dir'; dir: string } | { kind: 'file'; file: string; bundleType: BundleType };

/** Where to, and how. */
export interface PushOptions {
  application: string;
  description?: string;
  /** Sign the revision with this key and counter. */
  sign?: { key: MinisignSecretKey; counter: number };
  /** Put the bundle in S3 instead of the coordinator; a key ending in / is a prefix. */
  s3?: { bucket: string; key: string; endpoint?: string; region?: string };
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

/** Refuses a source that would fail on every host, before anything is sent. */
async function checkSource(source: PushSource): Promise<void> {
  if (source.kind === 'dir') {
    await checkRevisionDir(source.dir);
    return;
  }
  try {
    await inspectBundle(source.file, source.bundleType);
  } catch (err) {
    if (err instanceof BundleProblem) throw new CliError(`${source.file}: ${err.message}`, { cause: err });
    throw new CliError(`cannot read ${source.file}: ${(err as Error).message}`, { cause: err });
  }
}

const EXTENSIONS: Readonly<Record<BundleType, string>> = { zip: 'zip', tgz: 'tgz', tar: 'tar' };

/** Uploads to the coordinator; returns the revision and the sha256 of what was sent. */
async function toCoordinator(client: DeckhandClient, source: PushSource, opts: PushOptions): Promise<{ revision: RevisionView; sha256: string }> {
  const bytes = source.kind === 'dir' ? await packDirectory(source.dir) : (createReadStream(source.file) as AsyncIterable<Uint8Array>);
  const sent = hashing(bytes);
  const upload = { bundleType: source.kind === 'dir' ? ('tgz' as const) : source.bundleType, ...(opts.description === undefined ? {} : { description: opts.description }) };
  const revision = await client.uploadRevision(opts.application, sent.body, upload);
  return { revision, sha256: sent.digest() };
}

/** Puts the bundle in S3 and registers it; returns the revision and the bundle's sha256. */
async function toS3(client: DeckhandClient, source: PushSource, opts: PushOptions & { s3: NonNullable<PushOptions['s3']> }): Promise<{ revision: RevisionView; sha256: string }> {
  const work = source.kind === 'dir' ? await mkdtemp(path.join(tmpdir(), 'deckhand-push-')) : undefined;
  try {
    const file = work === undefined ? (source as { file: string }).file : path.join(work, 'bundle.tgz');
    if (source.kind === 'dir') await packToFile(source.dir, file);
    const bundleType = source.kind === 'dir' ? 'tgz' : source.bundleType;
    const sha256 = await sha256File(file);
    const size = (await stat(file)).size;
    const key = opts.s3.key === '' || opts.s3.key.endsWith('/') ? `${opts.s3.key}${opts.application}-${sha256.slice(0, 16)}.${EXTENSIONS[bundleType]}` : opts.s3.key;
    const put = await putBundle(file, size, { ...opts.s3, key });
    const { endpoint, region } = opts.s3;
    const location = { kind: 's3' as const, bucket: put.bucket, key: put.key, etag: put.etag, ...(put.versionId ? { versionId: put.versionId } : {}), ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
    const revision = await client.registerExternalRevision(opts.application, { bundleType, location, sha256, size, ...(opts.description === undefined ? {} : { description: opts.description }) });
    return { revision, sha256 };
  } finally {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  }
}

/** Pushes `source` as a new revision of the application (created if missing and the token may). */
export async function pushRevision(client: DeckhandClient, source: PushSource, opts: PushOptions): Promise<RevisionView> {
  await checkSource(source);
  await client.ensureApplication(opts.application);
  const { revision, sha256 } = opts.s3 ? await toS3(client, source, { ...opts, s3: opts.s3 }) : await toCoordinator(client, source, opts);
  if (revision.sha256 !== sha256) {
    throw new CliError(`the coordinator recorded revision ${revision.revisionId} with sha256 ${revision.sha256 ?? '(none)'}, but this machine sent ${sha256}${opts.sign ? ': not signing it' : ''}`);
  }
  if (opts.sign === undefined) return revision;
  const signature = signRevision(opts.sign.key, { application: opts.application, counter: opts.sign.counter, sha256 });
  return client.signRevision(revision.revisionId, signature);
}
