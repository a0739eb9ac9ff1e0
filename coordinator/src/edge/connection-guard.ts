/**
 * Bounds the connections that have not proven who they are (issue 14: ~20,000 idle
 * unauthenticated TCP connections made the coordinator deaf, with nothing logged). Every TCP
 * connection the server accepts counts as unauthenticated until a request on it passes the
 * API's authentication or its agent upgrade's signature verifies; past the total cap, or the
 * cap of its remote address, a new connection is closed at once, counted and logged
 * (rate-limited per address). Authenticated connections are bounded elsewhere: one agent
 * session per registered instance, operators' API tokens.
 */
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { PeerWarnings } from '../../../common/src/peer-warnings.ts';

/** Caps of {@link ConnectionGuard}. */
export interface ConnectionLimits {
  /** Unauthenticated connections at once, all addresses together. @default 1024 */
  maxUnauthenticated?: number;
  /** Unauthenticated connections at once from one remote address. @default 256 */
  maxUnauthenticatedPerAddress?: number;
}

export const DEFAULT_MAX_UNAUTHENTICATED = 1024;
export const DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS = 256;

/** Why a connection was refused (the metric's label). */
export type RefusalReason = 'total' | 'per_address';

/** What the guard tells the metrics. */
export interface ConnectionGuardSink {
  connectionRefused(reason: RefusalReason): void;
}

interface Tracked {
  address: string;
  authenticated: boolean;
}

/** Counts and caps the unauthenticated connections of one server. */
export class ConnectionGuard {
  private readonly max: number;
  private readonly maxPerAddress: number;
  /** Open connections by `address|port`, the key both the raw and a TLS socket give. */
  private readonly open = new Map<string, Tracked>();
  private readonly perAddress = new Map<string, number>();
  private unauthenticated = 0;
  private readonly warnings: PeerWarnings;

  constructor(private readonly deps: { log: Logger; clock: Clock; limits?: ConnectionLimits; sink?: ConnectionGuardSink }) {
    this.max = deps.limits?.maxUnauthenticated ?? DEFAULT_MAX_UNAUTHENTICATED;
    this.maxPerAddress = deps.limits?.maxUnauthenticatedPerAddress ?? DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS;
    this.warnings = new PeerWarnings({ clock: deps.clock, log: deps.log, field: 'remote' });
  }

  /** Watches every TCP connection `server` accepts (before TLS, so a handshake never started counts too). */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.accept(socket));
  }

  /** The connection of `socket` (raw or TLS) proved who it is: it no longer counts against the caps. */
  authenticated(socket: Socket): void {
    const tracked = this.open.get(keyOf(socket));
    if (!tracked || tracked.authenticated) return;
    tracked.authenticated = true;
    this.release(tracked.address);
  }

  /** Connections open now, and how many of them have not authenticated (metrics, logs, tests). */
  counts(): { open: number; unauthenticated: number } {
    return { open: this.open.size, unauthenticated: this.unauthenticated };
  }

  /** Reports the per-address summaries whose interval is over; call it now and then. */
  flush(): void {
    this.warnings.flush();
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const reason: RefusalReason | undefined = this.unauthenticated >= this.max ? 'total' : fromAddress >= this.maxPerAddress ? 'per_address' : undefined;
    if (reason !== undefined) {
      // Destroyed before anything is read or written: the cheapest answer to a flood.
      socket.destroy();
      this.deps.sink?.connectionRefused(reason);
      this.warnings.warn(address, 'connection refused: too many unauthenticated connections', {
        reason,
        unauthenticated: this.unauthenticated,
        fromAddress,
        limit: reason === 'total' ? this.max : this.maxPerAddress,
      });
      return;
    }
    const key = keyOf(socket);
    const tracked: Tracked = { address, authenticated: false };
    this.open.set(key, tracked);
    this.unauthenticated += 1;
    this.perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      if (this.open.get(key) === tracked) this.open.delete(key);
      if (!tracked.authenticated) this.release(address);
    });
  }

  private release(address: string): void {
    this.unauthenticated -= 1;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
  }
}

function keyOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? '?'}`;
}
