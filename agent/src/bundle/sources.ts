/**
 * Revision sources: one function the lifecycle calls to get a revision from wherever its
 * location says (the coordinator's store, S3, an http(s) URL, a local file or directory) into
 * the deployment's archive directory, its sha256 verified whatever the source.
 */
import type { PinnedCa } from '../../../common/src/tls-trust.ts';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { DeploySpec, RevisionLocation } from '../../../protocol/src/schemas.ts';
import { copyTree } from './copy-tree.ts';
import { downloadToFile } from './download.ts';
import { extractBundle, type ExtractLimits } from './extract.ts';
import { withRetries, type RetryOptions } from './retry.ts';
import { downloadFromS3 } from './s3.ts';
import { checkSha256, saveStream } from './save-stream.ts';
import { sha256Tree } from './verify.ts';
import { asDiskFull } from '../util/disk-full.ts';

/** The coordinator this agent works for: where it is, how to sign a request to it, the CA it is trusted by. */
export interface CoordinatorAccess {
  url: string;
  sign: (method: string, path: string) => Record<string, string>;
  /** The CA pinned at registration, the only one trusted for the coordinator. */
  pinnedCa?: PinnedCa;
  /** The agent's TLS client certificate, for a coordinator that requires one. */
  clientCertificate?: { cert: string; key: string };
}

/** Options of {@link fetchRevision}. */
export interface FetchRevisionOptions {
  revision: DeploySpec['revision'];
  /** Where an archive bundle is saved: `<deploymentDir>/bundle.<type>`. */
  bundleFile: string;
  /** The revision directory to create (replaced if present). */
  archiveDir: string;
  signal?: AbortSignal;
  /** Base URL, request signer and pinned CA, for `coordinator` locations. */
  coordinator?: CoordinatorAccess;
  limits?: ExtractLimits;
  /** A download that receives nothing for this long fails (retryable). @default 60 s */
  stallMs?: number;
  /** Pauses between attempts of a remote download that failed transiently. @default 2, 8, 30 s */
  retryDelaysMs?: readonly number[];
  /** Told before each retry (the lifecycle logs it). */
  onRetry?: RetryOptions['onRetry'];
  /** Checks the downloaded bundle's sha256 (an operator's signature) before anything is unpacked; throws to refuse it. */
  checkBundle?: (sha256: string) => void;
}

/** Hosts a plain-http URL may name: a revision must not travel unencrypted off this host. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Fetches, verifies and unpacks the revision into `archiveDir`.
 * @returns the revision's sha256 (a tree digest for `directory` revisions).
 * @throws DeckhandError BUNDLE_DOWNLOAD_FAILED, BUNDLE_CHECKSUM_MISMATCH, BUNDLE_UNSAFE_PATH,
 * BUNDLE_TOO_LARGE, BUNDLE_EXTRACT_FAILED, DISK_FULL, VALIDATION_FAILED for a location that cannot
 * be used. On failure neither the bundle file nor the archive directory is left.
 */
export async function fetchRevision(opts: FetchRevisionOptions): Promise<{ sha256: string }> {
  const { revision } = opts;
  if (revision.bundleType === 'directory') {
    if (revision.sha256 === undefined) throw invalidLocation('a directory revision needs its sha256');
    return copyDirectory(revision.location, opts.archiveDir, revision.sha256);
  }
  await fsp.mkdir(path.dirname(opts.bundleFile), { recursive: true });
  const { signal, coordinator, stallMs } = opts;
  const save = (): Promise<{ sha256: string }> =>
    saveBundle(revision.location, opts.bundleFile, {
      ...(revision.sha256 === undefined ? {} : { expectedSha256: revision.sha256 }),
      ...(signal === undefined ? {} : { signal }),
      ...(coordinator === undefined ? {} : { coordinator }),
      ...(stallMs === undefined ? {} : { stallMs }),
    });
  // A local file cannot get better by waiting; a remote one may.
  const saved = revision.location.kind === 'local' ? await save() : await withRetries(save, retryOptions(opts));
  try {
    opts.checkBundle?.(saved.sha256);
    await extractBundle({
      file: opts.bundleFile,
      type: revision.bundleType,
      dest: opts.archiveDir,
      ...(opts.limits === undefined ? {} : { limits: opts.limits }),
    });
  } catch (err) {
    // A refused bundle, or one that cannot be unpacked, is not kept: nothing of it may be used,
    // and its space is given back (on a full disk, that is the point).
    await fsp.rm(opts.bundleFile, { force: true });
    throw err;
  }
  return { sha256: saved.sha256 };
}

function retryOptions(opts: FetchRevisionOptions): RetryOptions {
  return {
    ...(opts.retryDelaysMs === undefined ? {} : { delaysMs: opts.retryDelaysMs }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onRetry === undefined ? {} : { onRetry: opts.onRetry }),
  };
}

/** How {@link saveBundle} fetches. */
export interface SaveBundleOptions extends Pick<FetchRevisionOptions, 'signal' | 'coordinator' | 'stallMs'> {
  expectedSha256?: string;
}

/** Saves the bundle file at `location` to `dest`, verified when `expectedSha256` is given. */
export async function saveBundle(location: RevisionLocation, dest: string, opts: SaveBundleOptions): Promise<{ sha256: string }> {
  const check = {
    ...(opts.expectedSha256 === undefined ? {} : { expectedSha256: opts.expectedSha256 }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.stallMs === undefined ? {} : { stallMs: opts.stallMs }),
  };
  switch (location.kind) {
    case 'coordinator': {
      if (opts.coordinator === undefined) throw invalidLocation('a coordinator location needs a coordinator to fetch from');
      const url = `${opts.coordinator.url.replace(/\/+$/, '')}${location.path}`;
      const { pinnedCa, clientCertificate } = opts.coordinator;
      const tls = { ...(pinnedCa ? { ca: [pinnedCa.pem] } : {}), ...clientCertificate };
      return downloadToFile(url, dest, { headers: opts.coordinator.sign('GET', location.path), tls, ...check });
    }
    case 's3':
      return downloadFromS3(location, dest, check);
    case 'url':
      checkUrl(location.url);
      return downloadToFile(location.url, dest, check);
    case 'local':
      return copyLocalFile(location.path, dest, opts.expectedSha256);
  }
}

/** https anywhere; http only to this host (tests, a local mirror). */
export function checkUrl(url: string): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname)) return;
  throw invalidLocation(`${parsed.protocol}//${parsed.host} is not allowed: bundle URLs must be https (http only for 127.0.0.1, localhost or [::1])`);
}

/** Copies (never links) the bundle, so it cannot change between its check and its unpacking. */
async function copyLocalFile(file: string, dest: string, expectedSha256: string | undefined): Promise<{ sha256: string }> {
  const stat = await fsp.stat(file).catch(() => undefined);
  if (stat === undefined) throw invalidLocation(`bundle ${file} does not exist`);
  if (!stat.isFile()) throw invalidLocation(`bundle ${file} is not a file (use --type directory for a directory)`);
  return saveStream(fs.createReadStream(file), dest, expectedSha256 === undefined ? {} : { expectedSha256 });
}

async function copyDirectory(location: RevisionLocation, archiveDir: string, expectedSha256: string): Promise<{ sha256: string }> {
  if (location.kind !== 'local') throw invalidLocation(`a directory revision must be a local path, not a ${location.kind} location`);
  const stat = await fsp.stat(location.path).catch(() => undefined);
  if (stat?.isDirectory() !== true) throw invalidLocation(`bundle ${location.path} is not a directory`);
  await fsp.rm(archiveDir, { recursive: true, force: true });
  await fsp.mkdir(path.dirname(archiveDir), { recursive: true });
  try {
    await copyTree(location.path, archiveDir);
    const sha256 = await sha256Tree(archiveDir);
    checkSha256(sha256, expectedSha256);
    return { sha256 };
  } catch (err) {
    await fsp.rm(archiveDir, { recursive: true, force: true });
    throw asDiskFull(err, 'copying the revision', 'what was copied was removed');
  }
}

function invalidLocation(message: string): DeckhandError {
  return new DeckhandError('VALIDATION_FAILED', message);
}
