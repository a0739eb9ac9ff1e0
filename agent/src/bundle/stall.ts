/**
 * A watchdog for a transfer that stops moving. A link that breaks without a reset (a half-open
 * connection, a proxy that swallows packets) leaves a download waiting for bytes that never
 * come; undici would wait five minutes per phase. The guard aborts once nothing has arrived for
 * `stallMs`, and the download reports that as a retryable failure.
 */
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** How long a download may go without receiving a byte. */
export const DEFAULT_STALL_MS = 60_000;

/** Aborts `signal` when {@link touch} is not called for `stallMs`; also aborts with `outer`. */
export class StallGuard {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Pass this to the transfer: it aborts on a stall or when the caller's signal aborts. */
  readonly signal: AbortSignal;

  constructor(
    private readonly stallMs: number,
    outer?: AbortSignal,
  ) {
    this.signal = outer === undefined ? this.controller.signal : AbortSignal.any([outer, this.controller.signal]);
    this.touch();
  }

  /** True once the guard itself fired (not the caller's signal). */
  get stalled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Something arrived: the stall clock starts again. */
  touch(): void {
    clearTimeout(this.timer);
    if (this.stalled) return;
    this.timer = setTimeout(() => this.controller.abort(this.error()), this.stallMs);
    // The transfer's own socket keeps the process alive; the watchdog must not.
    this.timer.unref();
  }

  /** The transfer is over: no more stall checks. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  /** The failure a stall is reported as (retryable: the next attempt may find a working link). */
  error(what = 'the download'): DeckhandError {
    return new DeckhandError('BUNDLE_DOWNLOAD_FAILED', `${what} stalled: no data arrived for ${Math.round(this.stallMs / 1000)} s`, {
      retryable: true,
      details: { stallMs: this.stallMs },
    });
  }
}
