/**
 * Fetches a bundle from S3 or an S3-compatible store with @aws-sdk/client-s3: the default
 * credential chain and region (AWS_REGION, ~/.aws/config, instance metadata), an optional
 * version id and ETag check, and path-style addressing when a custom endpoint is given.
 */
import { s3Client } from '../../../common/src/aws-s3.ts';
import { proxyAgentFor } from '../../../common/src/proxy.ts';
import type { Readable } from 'node:stream';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { RevisionLocation } from '../../../protocol/src/schemas.ts';
import { saveStream, type SaveOptions, type SaveResult } from './save-stream.ts';
import { DEFAULT_STALL_MS, StallGuard } from './stall.ts';

/** An S3 revision location. */
export type S3Location = Extract<RevisionLocation, { kind: 's3' }>;

/** The `s3://bucket/key` form of a location, for messages. */
export function s3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}${loc.versionId === undefined ? '' : `?versionId=${loc.versionId}`}`;
}

/**
 * Streams the object to `dest` (see saveStream).
 * @throws DeckhandError BUNDLE_DOWNLOAD_FAILED (missing key or bucket, access denied, ETag or
 * version mismatch; retryable for 5xx and network errors), BUNDLE_CHECKSUM_MISMATCH.
 */
export async function downloadFromS3(loc: S3Location, dest: string, opts: SaveOptions & { signal?: AbortSignal; stallMs?: number }): Promise<SaveResult> {
  // Loaded on first use: the AWS SDK adds most of a second to every agent start otherwise.
  // Through the environment's proxy, as every other download; the S3 endpoint decides which.
  const target = loc.endpoint ?? `https://${loc.bucket}.s3.amazonaws.com/`;
  const agent = proxyAgentFor(target);
  const { s3, client } = await s3Client({
    ...(agent ? { agent } : {}),
    ...(loc.region === undefined ? {} : { region: loc.region }),
    ...(loc.endpoint === undefined ? {} : { endpoint: loc.endpoint }),
  });
  const guard = new StallGuard(opts.stallMs ?? DEFAULT_STALL_MS, opts.signal);
  try {
    const response = await client
      .send(
        new s3.GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, ...(loc.versionId === undefined ? {} : { VersionId: loc.versionId }) }),
        { abortSignal: guard.signal },
      )
      .catch((err: unknown) => Promise.reject(s3Error(err, loc)));
    checkObject(loc, response.ETag, response.VersionId);
    return await saveStream(response.Body as Readable, dest, { ...opts, onChunk: () => guard.touch() });
  } catch (err) {
    if (guard.stalled && opts.signal?.aborted !== true) throw guard.error(`fetching ${s3Url(loc)}`);
    throw err;
  } finally {
    guard.dispose();
    client.destroy();
  }
}

/** CodeDeploy compares ETags without their quotes; a version id the store reports must be the one asked for. */
function checkObject(loc: S3Location, etag: string | undefined, versionId: string | undefined): void {
  const unquote = (s: string): string => s.replace(/"/g, '');
  if (loc.etag !== undefined && unquote(loc.etag) !== unquote(etag ?? '')) {
    throw new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `${s3Url(loc)} has ETag ${etag ?? '(none)'}, expected ${loc.etag}`);
  }
  if (loc.versionId !== undefined && versionId !== undefined && versionId !== loc.versionId) {
    throw new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `${s3Url(loc)} answered with version ${versionId}, expected ${loc.versionId}`);
  }
}

function s3Error(err: unknown, loc: S3Location): DeckhandError {
  if (err instanceof DeckhandError) return err;
  const service = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (err instanceof Error && service.$metadata !== undefined) {
    // An S3ServiceException, recognised by shape: the SDK is imported lazily.
    const status = service.$metadata.httpStatusCode ?? 0;
    const what = err.name === 'NoSuchKey' ? 'no such key' : err.name === 'NoSuchBucket' ? 'no such bucket' : err.name;
    return new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `fetching ${s3Url(loc)} failed: ${what} (HTTP ${status})`, {
      cause: err,
      retryable: status >= 500 || status === 429,
      details: { status, s3Code: err.name },
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `fetching ${s3Url(loc)} failed: ${message}`, { cause: err, retryable: true });
}
