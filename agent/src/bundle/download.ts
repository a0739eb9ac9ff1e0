/**
 * Downloads a bundle over HTTP(S) with the global fetch, streaming it to disk and hashing it on
 * the way. The file appears at `dest` only once it is complete (and matches the expected hash).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DeckhandError } from '../../../protocol/src/index.ts';

/** Options of {@link downloadToFile}. */
export interface DownloadOptions {
  /** Extra request headers, e.g. the agent's request signature. */
  headers?: Record<string, string>;
  /** Aborts the download; the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** Refuse bodies larger than this many bytes (BUNDLE_TOO_LARGE). @default unlimited */
  maxBytes?: number;
  /** Lowercase hex SHA-256 the body must have (BUNDLE_CHECKSUM_MISMATCH otherwise). */
  expectedSha256?: string;
}

/** What was downloaded. */
export interface DownloadResult {
  bytes: number;
  sha256: string;
}

/**
 * Streams `url` to `dest` through `<dest>.part`, renamed into place when complete.
 * @throws DeckhandError BUNDLE_DOWNLOAD_FAILED (with the HTTP status; retryable for network
 * errors, 5xx and 429), BUNDLE_TOO_LARGE, BUNDLE_CHECKSUM_MISMATCH. No file is left on failure.
 */
export async function downloadToFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = `${dest}.part`;
  try {
    const response = await request(url, opts);
    const result = await writeBody(response, part, opts.maxBytes);
    if (opts.expectedSha256 !== undefined && result.sha256 !== opts.expectedSha256.toLowerCase()) {
      throw new DeckhandError(
        'BUNDLE_CHECKSUM_MISMATCH',
        `the bundle's sha256 is ${result.sha256}, expected ${opts.expectedSha256}`,
        { details: { expected: opts.expectedSha256, actual: result.sha256 } },
      );
    }
    await fsp.rename(part, dest);
    return result;
  } catch (err) {
    await fsp.rm(part, { force: true });
    await fsp.rm(dest, { force: true });
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw asDownloadError(err, url);
  }
}

async function request(url: string, opts: DownloadOptions): Promise<Response> {
  const init: RequestInit = { headers: opts.headers ?? {}, redirect: 'follow' };
  if (opts.signal !== undefined) init.signal = opts.signal;
  const response = await fetch(url, init);
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 429;
    throw new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `downloading ${redact(url)} failed: HTTP ${response.status} ${response.statusText}`.trim(), {
      retryable,
      details: { status: response.status },
    });
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (opts.maxBytes !== undefined && Number.isFinite(declared) && declared > opts.maxBytes) {
    await response.body.cancel();
    throw tooLarge(opts.maxBytes);
  }
  return response;
}

async function writeBody(response: Response, file: string, maxBytes: number | undefined): Promise<DownloadResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      bytes += chunk.length;
      if (maxBytes !== undefined && bytes > maxBytes) return callback(tooLarge(maxBytes));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  // flush: fsync before close, so a renamed file is never a torn one after a crash.
  await pipeline(body, meter, fs.createWriteStream(file, { flush: true }));
  return { bytes, sha256: hash.digest('hex') };
}

function tooLarge(maxBytes: number): DeckhandError {
  return new DeckhandError('BUNDLE_TOO_LARGE', `the bundle is larger than the limit of ${maxBytes} bytes`);
}

function asDownloadError(err: unknown, url: string): DeckhandError {
  if (err instanceof DeckhandError) return err;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const message = err instanceof Error ? err.message : String(err);
  return new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `downloading ${redact(url)} failed: ${message}${cause}`, {
    cause: err,
    retryable: true,
  });
}

/** Drops the query string, which may carry a pre-signed credential. */
function redact(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
