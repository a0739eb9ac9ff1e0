/**
 * Downloads a bundle over HTTP(S) (node:https, through the environment's proxy; a coordinator's
 * bundle verified against its pinned CA), streaming it to disk and hashing it on the way. The
 * file appears at `dest` only once it is complete (and matches the expected hash).
 */
import fsp from 'node:fs/promises';
import { httpRequest, type HttpResponse } from '../../../common/src/http-request.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { saveStream, tooLarge, type SaveResult } from './save-stream.ts';
import { DEFAULT_STALL_MS, StallGuard } from './stall.ts';

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
  /** Give up (BUNDLE_DOWNLOAD_FAILED, retryable) when no byte arrives for this long. @default 60 s */
  stallMs?: number;
  /** The only CAs trusted (a pinned coordinator), and a client certificate: the coordinator's TLS settings. */
  tls?: { ca?: string[]; cert?: string; key?: string };
}

/** What was downloaded. */
export type DownloadResult = SaveResult;

/**
 * Streams `url` to `dest` through `<dest>.part`, renamed into place when complete.
 * @throws DeckhandError BUNDLE_DOWNLOAD_FAILED (with the HTTP status; retryable for network
 * errors, 5xx, 429 and stalls), BUNDLE_TOO_LARGE, BUNDLE_CHECKSUM_MISMATCH. No file is left on
 * failure.
 */
export async function downloadToFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const guard = new StallGuard(opts.stallMs ?? DEFAULT_STALL_MS, opts.signal);
  try {
    const response = await request(url, opts, guard.signal);
    return await saveStream(response.body, dest, { ...opts, onChunk: () => guard.touch() });
  } catch (err) {
    await fsp.rm(dest, { force: true });
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (guard.stalled) throw guard.error(`downloading ${redact(url)}`);
    throw asDownloadError(err, url);
  } finally {
    guard.dispose();
  }
}

async function request(url: string, opts: DownloadOptions, signal: AbortSignal): Promise<HttpResponse> {
  const response = await httpRequest(url, { headers: opts.headers ?? {}, signal, ...opts.tls });
  if (response.status < 200 || response.status > 299) {
    response.body.destroy();
    const retryable = response.status >= 500 || response.status === 429;
    throw new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `downloading ${redact(url)} failed: HTTP ${response.status} ${response.statusText}`.trim(), {
      retryable,
      details: { status: response.status },
    });
  }
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (opts.maxBytes !== undefined && Number.isFinite(declared) && declared > opts.maxBytes) {
    response.body.destroy();
    throw tooLarge(opts.maxBytes);
  }
  return response;
}

function asDownloadError(err: unknown, url: string): DeckhandError {
  if (err instanceof DeckhandError) return err;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException).code;
  // A certificate that does not verify will not verify on a retry either.
  const tls = typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_/.test(code);
  return new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `downloading ${redact(url)} failed: ${message}${cause}${tls ? ` [${code}]` : ''}`, {
    cause: err,
    retryable: !tls,
  });
}

/** Drops the query string, which may carry a pre-signed credential. */
function redact(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
