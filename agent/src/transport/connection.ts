/**
 * The agent's WebSocket to the coordinator: signed upgrade, heartbeat watchdog, reconnect with
 * backoff. It parses every inbound frame and hands typed frames upward; it knows nothing about
 * what they mean.
 */
import { proxyAgentFor } from '../../../common/src/proxy.ts';
import type { PinnedCa } from '../../../common/src/tls-trust.ts';
import { coordinatorTls, unreachableReason, type ClientCertificate, type CoordinatorEndpoint } from './coordinator-http.ts';
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { parseCoordFrame, type CoordFrame } from '../../../protocol/src/messages.ts';
import { AGENT_CONNECT_PATH as CONNECT_PATH, DEFAULT_HEARTBEAT_MS, MAX_FRAME_BYTES } from '../../../protocol/src/wire.ts';
import { backoffDelayMs } from './backoff.ts';
import type { CoordinatorUrls } from './coordinator-urls.ts';

/** A connection that stayed up this long resets the backoff; a flapping server gets no tight loop. */
const HEALTHY_AFTER_MS = 60_000;

/** What the connection tells its owner. Handlers must not throw; errors are logged if they do. */
export interface ConnectionHandlers {
  onOpen(): void;
  onFrame(frame: CoordFrame): void;
  onClose(): void;
}

export interface ConnectionDeps {
  clock: Clock;
  logger: Logger;
  /** The coordinator's base URL (http or https); the socket uses ws or wss. */
  coordinatorUrl: string;
  /** Several coordinators sharing one store: tried in turn, the next one after each close; replaces coordinatorUrl. */
  urls?: CoordinatorUrls;
  /** The CA pinned at registration: the only one trusted for the coordinator. */
  pinnedCa?: PinnedCa;
  /** The agent's TLS client certificate, for a coordinator that requires one. */
  clientCertificate?: ClientCertificate;
  /** Signed headers for one request; called afresh for every attempt (new nonce). */
  sign: (method: string, path: string) => Record<string, string>;
  handlers: ConnectionHandlers;
  /** @default Math.random */
  random?: () => number;
}

export class AgentConnection {
  private ws: WebSocket | undefined;
  private open = false;
  private stopped = true;
  private attempt = 0;
  private openedAtMs = 0;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private watchdog: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  private readonly log: Logger;

  constructor(private readonly deps: ConnectionDeps) {
    this.log = deps.logger.child({ component: 'connection' });
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Bytes queued in the socket but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Starts connecting; reconnects until {@link stop}. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Sends one frame as JSON; false when the socket is not open (the frame is not queued). */
  send(frame: object): boolean {
    if (!this.open || !this.ws) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Adopts the coordinator's heartbeat interval and re-arms the watchdog with it. */
  setHeartbeat(ms: number): void {
    this.heartbeatMs = ms;
    this.armWatchdog();
  }

  /** Closes the current socket (the peer cannot be trusted); the connection retries with back-off. */
  drop(reason: string): void {
    this.log.warn('dropping the connection', { reason });
    this.ws?.terminate();
  }

  /** Stops reconnecting and closes the socket; resolves once it is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      // A peer that never answers the close handshake must not hold up shutdown.
      const force = this.deps.clock.setTimeout(() => ws.terminate(), 2000);
      ws.once('close', () => this.deps.clock.clearTimeout(force));
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const url = this.baseUrl().replace(/^http/, 'ws').replace(/\/+$/, '') + CONNECT_PATH;
    const agent = proxyAgentFor(url);
    const ws = new WebSocket(url, {
      headers: this.deps.sign('GET', CONNECT_PATH),
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...coordinatorTls(this.endpoint()),
      ...(agent ? { agent } : {}),
    });
    this.ws = ws;
    ws.on('open', () => this.onOpen());
    ws.on('ping', () => this.armWatchdog());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (err) => void this.logError(url, err));
    ws.on('close', (code) => this.onClose(ws, code));
  }

  private baseUrl(): string {
    return this.deps.urls?.current() ?? this.deps.coordinatorUrl;
  }

  private endpoint(): CoordinatorEndpoint {
    const { pinnedCa, clientCertificate } = this.deps;
    return { url: this.baseUrl(), ...(pinnedCa ? { pinnedCa } : {}), ...(clientCertificate ? { clientCertificate } : {}) };
  }

  /** Logs a failed connection; a coordinator that fails the TLS check is named with both fingerprints. */
  private async logError(url: string, err: Error): Promise<void> {
    const reason = await unreachableReason(this.endpoint(), err);
    this.log.warn('connection error', { url, error: reason, code: (err as NodeJS.ErrnoException).code });
  }

  private onOpen(): void {
    this.open = true;
    this.openedAtMs = this.deps.clock.monotonicMs();
    this.log.info('connected to the coordinator');
    this.armWatchdog();
    this.safely('open', () => this.deps.handlers.onOpen());
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.armWatchdog();
    const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const parsed = parseCoordFrame(isBinary ? raw : raw.toString('utf8'));
    if (!parsed.ok) {
      this.log.warn('ignored a bad frame from the coordinator', { code: parsed.error.code, error: parsed.error.message });
      return;
    }
    this.safely('frame', () => this.deps.handlers.onFrame(parsed.frame));
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    const wasOpen = this.open;
    this.open = false;
    this.ws = undefined;
    this.clearWatchdog();
    if (wasOpen) {
      this.log.info('disconnected from the coordinator', { code });
      if (this.deps.clock.monotonicMs() - this.openedAtMs >= HEALTHY_AFTER_MS) this.attempt = 0;
      this.safely('close', () => this.deps.handlers.onClose());
    }
    if (this.stopped) return;
    // Among several coordinators, the next one gets the next attempt: a dead one costs one reconnect.
    if (this.deps.urls && this.deps.urls.all().length > 1) this.log.info('trying the next coordinator', { url: this.deps.urls.rotate() });
    const delayMs = backoffDelayMs(this.attempt, this.deps.random ?? Math.random);
    this.attempt++;
    this.log.debug('reconnecting', { delayMs, attempt: this.attempt });
    this.retry = this.deps.clock.setTimeout(() => this.connect(), delayMs);
  }

  /** Re-arms the heartbeat watchdog: silence for 2.5 heartbeats means the link is dead (half-open TCP). */
  private armWatchdog(): void {
    this.clearWatchdog();
    const ws = this.ws;
    if (!ws || !this.open) return;
    const timeoutMs = Math.round(this.heartbeatMs * 2.5);
    this.watchdog = this.deps.clock.setTimeout(() => {
      this.log.warn('no heartbeat from the coordinator; dropping the connection', { timeoutMs });
      // terminate(), not close(): close() would wait on a peer that is probably gone.
      ws.terminate();
    }, timeoutMs);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) this.deps.clock.clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private clearTimers(): void {
    this.clearWatchdog();
    if (this.retry !== undefined) this.deps.clock.clearTimeout(this.retry);
    this.retry = undefined;
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('connection handler failed', { handler: what, error: (err as Error).message, stack: (err as Error).stack });
    }
  }
}
