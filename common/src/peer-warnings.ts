/**
 * Warnings about what a peer sends, rate-limited per peer: a host (or a remote address) that
 * sends bad frames in a loop would otherwise make the coordinator write many times the bytes it
 * receives into its log (issue 14: ~39× per bad frame). The first `perInterval` warnings of a
 * peer in an interval are logged as they come; the rest are counted and reported in one
 * summary line per peer when the interval is over. The map of peers is bounded: past
 * `maxPeers`, warnings of further peers are counted together under one summary.
 */
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/** Bounds of {@link PeerWarnings}. */
export interface PeerWarningLimits {
  /** Warnings logged per peer and interval before the rest are only counted. @default 5 */
  perInterval?: number;
  /** Length of an interval. @default 60000 */
  intervalMs?: number;
  /** Peers tracked at once; further peers share one counter. @default 10000 */
  maxPeers?: number;
}

interface Window {
  startedMs: number;
  logged: number;
  suppressed: number;
  /** The message of the first warning suppressed, so the summary says what was held back. */
  firstSuppressed?: string;
}

/** What the overflow counter is reported as. */
const OTHER_PEERS = '(peers beyond the tracked limit)';

/** Per-peer rate limiter of warning log lines. */
export class PeerWarnings {
  private readonly perInterval: number;
  private readonly intervalMs: number;
  private readonly maxPeers: number;
  private readonly windows = new Map<string, Window>();
  private overflow: Window | undefined;

  constructor(private readonly deps: { clock: Clock; log: Logger; field: string } & PeerWarningLimits) {
    this.perInterval = deps.perInterval ?? 5;
    this.intervalMs = deps.intervalMs ?? 60_000;
    this.maxPeers = deps.maxPeers ?? 10_000;
  }

  /** Logs `message` with `fields` for `peer`, unless the peer has used up its interval. */
  warn(peer: string, message: string, fields: Record<string, unknown> = {}): void {
    const now = this.deps.clock.monotonicMs();
    let window = this.windows.get(peer);
    if (window && now - window.startedMs >= this.intervalMs) {
      this.report(peer, window);
      this.windows.delete(peer);
      window = undefined;
    }
    if (!window) {
      if (this.windows.size >= this.maxPeers) return this.count((this.overflow ??= { startedMs: now, logged: 0, suppressed: 0 }), message);
      window = { startedMs: now, logged: 0, suppressed: 0 };
      this.windows.set(peer, window);
    }
    if (window.logged >= this.perInterval) return this.count(window, message);
    window.logged += 1;
    this.deps.log.warn(message, { [this.deps.field]: peer, ...fields });
  }

  /**
   * Reports and forgets the peers whose interval is over (the hub calls it on each heartbeat),
   * so a peer that went quiet still gets its summary line and the map shrinks again.
   */
  flush(): void {
    const now = this.deps.clock.monotonicMs();
    for (const [peer, window] of this.windows) {
      if (now - window.startedMs < this.intervalMs) continue;
      this.report(peer, window);
      this.windows.delete(peer);
    }
    if (this.overflow && now - this.overflow.startedMs >= this.intervalMs) {
      this.report(OTHER_PEERS, this.overflow);
      this.overflow = undefined;
    }
  }

  /** Peers tracked now (tests check the bound). */
  trackedPeers(): number {
    return this.windows.size;
  }

  private count(window: Window, message: string): void {
    window.suppressed += 1;
    window.firstSuppressed ??= message;
  }

  private report(peer: string, window: Window): void {
    if (window.suppressed === 0) return;
    this.deps.log.warn('repeated warnings suppressed', {
      [this.deps.field]: peer,
      suppressed: window.suppressed,
      intervalMs: this.intervalMs,
      example: window.firstSuppressed,
    });
  }
}
