/**
 * Retries of a bundle fetch. A download that failed for a reason that may pass (a network
 * error, a stall, a 5xx or 429, a body cut short so its checksum is wrong) is tried again after
 * a growing pause, as CodeDeploy's agent does for GitHub revisions (10, 30, 90 s) and as an
 * operator would by hand; anything else (404, 403, too large, a bad location) fails at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** Pauses before the 2nd, 3rd and 4th attempts. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [2_000, 8_000, 30_000];

/** How {@link withRetries} retries. */
export interface RetryOptions {
  /** One pause per retry; its length is the number of retries. */
  delaysMs?: readonly number[];
  /** Aborts the pause (and no further attempt starts). */
  signal?: AbortSignal;
  /** Told before each pause: the attempt that failed (1-based), its error and the pause. */
  onRetry?: (attempt: number, err: DeckhandError, delayMs: number) => void;
}

/** True for a failure another attempt may not repeat. */
export function isTransient(err: unknown): err is DeckhandError {
  if (!(err instanceof DeckhandError)) return false;
  return err.retryable || err.code === 'BUNDLE_CHECKSUM_MISMATCH';
}

/** Runs `attempt` until it succeeds, fails for good, or the retries are used up (the last error is thrown). */
export async function withRetries<T>(attempt: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const delays = opts.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const delayMs = delays[n - 1];
      if (delayMs === undefined || !isTransient(err) || opts.signal?.aborted === true) throw err;
      opts.onRetry?.(n, err, delayMs);
      await sleep(delayMs, undefined, opts.signal === undefined ? {} : { signal: opts.signal }).catch(() => {
        throw opts.signal?.reason ?? err;
      });
    }
  }
}
