/**
 * The coordinator's WebSocket hub: authenticates agent connections on upgrade, keeps one
 * session per instance, applies agent frames (events exactly once, by seq), sends commands, and
 * detects dead connections with ws ping/pong.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import {
  AGENT_CONNECT_PATH,
  DEFAULT_HEARTBEAT_MS,
  MAX_FRAME_BYTES,
  makeFrame,
  type CommandBody,
  type Frame,
  type TrafficApplyBody,
  type TrafficResultBody,
  type CoordBodies,
  type CoordFrameType,
} from '../../../protocol/src/index.ts';
import { NonceCache, verifyAgentRequest } from '../auth/agent-auth.ts';
import type { FrameSigner } from '../signing/frame-signer.ts';
import type { Store } from '../store/store.ts';
import { EventBatch } from './event-batch.ts';
import { Evictions } from './evictions.ts';
import { DEFAULT_HELLO_TIMEOUT_MS, helloDeadline } from './hello-deadline.ts';
import { PeerWarnings, type PeerWarningLimits } from '../../../common/src/peer-warnings.ts';
import { PreflightRequests, type PreflightAnswer } from './preflight.ts';
import { TrafficApplyRequests, type TrafficApplyAnswer } from './traffic-apply.ts';
import { handleAgentFrame } from './frames.ts';
import type { FrameContext, Session } from './session.ts';
import { LogFeed } from '../logs/feed.ts';
import type { MetricsSink } from '../notify/metrics.ts';
import { LogIntake, type LogIntakeLimits } from './log-intake.ts';
import type { AgentEventSink, TrafficSink } from './types.ts';
import { pathnameOf, refuseUpgrade } from './upgrade.ts';

export type { AgentEventSink, AfterCommit, TrafficSink } from './types.ts';
export type { TrafficApplyAnswer } from './traffic-apply.ts';

/** How long {@link Hub.close} waits for agents to complete the close handshake. */
const CLOSE_GRACE_MS = 2_000;

/** Dependencies of the {@link Hub}. */
export interface HubDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** @default 15000 */
  heartbeatMs?: number;
  /** Shared with the HTTP API's bundle-download auth so a nonce is single-use across both. */
  nonces?: NonceCache;
  /** Told when hook output is stored (the logs API's followers listen). @default a new feed */
  feed?: LogFeed;
  /** Bounds of the hook output intake and the per-deployment log cap. */
  logLimits?: LogIntakeLimits;
  /** Told of agent events and hook output (Prometheus metrics). */
  metrics?: MetricsSink;
  /** Signs the frames that make an agent act; without it they go unsigned (tests of other parts). */
  signer?: FrameSigner;
  /**
   * Checks the TLS client certificate of an upgrade when the coordinator requires one of agents
   * (--client-ca); a refusal message, or undefined to accept.
   */
  checkClientCertificate?: (req: IncomingMessage) => string | undefined;
  /** Bounds of the per-host and per-address warning limiters (bad frames, refused upgrades). */
  warningLimits?: PeerWarningLimits;
  /** How long an accepted connection may stay without agent.hello before it is closed. @default 30000 */
  helloTimeoutMs?: number;
  /** Agent frames (events, command acks) applied in one unit of work at most. @default the store's ({@link Store.burstFrames}) */
  burstFrames?: number;
  /** Told of each upgrade whose signature verified, before it becomes a WebSocket (the connection guard counts it as authenticated). */
  onAuthenticated?: (req: IncomingMessage) => void;
}

/** Agent connections of one coordinator. */
export class Hub {
  /** Wakes followers of a deployment's hook output when lines are stored. */
  readonly feed: LogFeed;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  private readonly ctx: FrameContext;
  private readonly nonces: NonceCache;
  private readonly heartbeatMs: number;
  /** Refused upgrades, rate-limited per remote address. */
  private readonly refusals: PeerWarnings;
  /** Instances just cut off by closeInstance, whose verified upgrades are refused. */
  private readonly evictions: Evictions;
  private heartbeat: TimerHandle | undefined;
  private frameCounter = 0;
  private closed = false;

  constructor(private readonly deps: HubDeps) {
    this.heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.nonces = deps.nonces ?? new NonceCache(deps.store.nonces);
    // maxPayload bounds memory per frame (the default is 100 MiB); perMessageDeflate stays off,
    // the historical source of ws DoS issues (reliability.md §3).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
    const log = deps.logger.child({ component: 'hub' });
    this.feed = deps.feed ?? new LogFeed();
    const send = <T extends CoordFrameType>(session: Session, type: T, body: CoordBodies[T]): boolean => this.sendFrame(session, type, body);
    const metrics = deps.metrics;
    const logs = new LogIntake({
      ...deps.logLimits,
      store: deps.store,
      log,
      send,
      stored: (deploymentId, lines, bytes) => {
        metrics?.hookOutput(lines, bytes);
        this.feed.publish(deploymentId);
      },
      dropped: () => metrics?.hookOutputBusy(),
    });
    this.ctx = {
      store: deps.store,
      clock: deps.clock,
      log,
      logs,
      ...(metrics ? { metrics } : {}),
      heartbeatMs: this.heartbeatMs,
      sink: undefined,
      send,
      events: new EventBatch(deps.burstFrames ?? deps.store.burstFrames),
      preflights: new PreflightRequests(deps.clock),
      traffic: undefined,
      trafficApplies: new TrafficApplyRequests(deps.clock),
      warnings: new PeerWarnings({ clock: deps.clock, log, field: 'instanceId', ...deps.warningLimits }),
      changed: (deploymentId) => this.feed.publish(deploymentId),
    };
    this.evictions = new Evictions(deps.clock);
    this.refusals = new PeerWarnings({ clock: deps.clock, log, field: 'remote', ...deps.warningLimits });
    this.scheduleHeartbeat();
  }

  /** Connects the scheduler; events are not applied (nor acked past the cursor) before this. */
  attach(scheduler: AgentEventSink): void {
    this.ctx.sink = scheduler;
  }

  /**
   * Handles an HTTP upgrade request. The signed request is verified BEFORE the WebSocket
   * handshake, as the ws README's "Client authentication" recommends; failures get a 401 and the
   * socket is closed. Never throws.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const onSocketError = (err: Error): void => {
      this.ctx.log.debug('upgrade socket error', { err: err.message });
    };
    socket.on('error', onSocketError);
    const refuse = (status: number, reason: string): void => {
      this.refusals.warn(req.socket.remoteAddress ?? 'unknown', 'agent connection refused', { status, reason });
      refuseUpgrade(socket, status, reason);
    };
    if (this.closed) return refuse(503, 'coordinator is shutting down');
    const path = req.url ?? '/';
    if (pathnameOf(path) !== AGENT_CONNECT_PATH) return refuse(404, 'not found');
    const certificateProblem = this.deps.checkClientCertificate?.(req);
    if (certificateProblem !== undefined) return refuse(401, certificateProblem);
    const authDeps = { instances: this.deps.store.instances, clock: this.deps.clock, nonces: this.nonces };
    verifyAgentRequest(authDeps, { method: req.method ?? 'GET', path, headers: req.headers }).then(
      (auth) => {
        if (!auth.ok) return refuse(401, auth.message);
        // The hub may have closed, or the peer gone, while the store was read.
        if (this.closed) return refuse(503, 'coordinator is shutting down');
        if (socket.destroyed) return;
        if (this.evictions.has(auth.instanceId)) return refuse(401, 'instance deregistered');
        socket.removeListener('error', onSocketError);
        this.deps.onAuthenticated?.(req);
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, auth.instanceId));
      },
      (err: unknown) => {
        this.ctx.log.error('verifying agent request failed', { err });
        refuse(500, 'internal error');
      },
    );
  }

  /** How many agents are connected and greeted now. */
  connectedCount(): number {
    let n = 0;
    for (const session of this.sessions.values()) if (session.greeted && session.ws.readyState === WebSocket.OPEN) n += 1;
    return n;
  }

  /** True when the instance has an open session whose hello has been recorded. */
  isConnected(instanceId: string): boolean {
    const session = this.sessions.get(instanceId);
    return session?.greeted === true && session.ws.readyState === WebSocket.OPEN;
  }

  /** Connects the traffic service, which answers agents waiting for BlockTraffic or AllowTraffic. */
  attachTraffic(traffic: TrafficSink): void {
    this.ctx.traffic = traffic;
  }

  /** Sends the result of an agent's BlockTraffic or AllowTraffic; false when it is not connected (it asks again). */
  sendTrafficResult(instanceId: string, body: TrafficResultBody): boolean {
    const session = this.sessions.get(instanceId);
    if (!session?.greeted) return false;
    return this.sendFrame(session, 'coord.traffic.result', body);
  }

  /** Asks the agent of the host nginx runs on to change an upstream file and reload it. */
  applyTraffic(instanceId: string, change: Omit<TrafficApplyBody, 'requestId'>, timeoutMs: number): Promise<TrafficApplyAnswer> {
    return this.ctx.trafficApplies.ask(instanceId, change, timeoutMs, (body) => {
      const session = this.sessions.get(instanceId);
      return session?.greeted === true && this.sendFrame(session, 'coord.traffic.apply', body);
    });
  }

  /** Every instance with an open, greeted session on this coordinator. */
  connectedInstances(): string[] {
    const out: string[] = [];
    for (const [instanceId, session] of this.sessions) if (session.greeted && session.ws.readyState === WebSocket.OPEN) out.push(instanceId);
    return out;
  }

  /** Sends a command to a connected agent; false when it is not connected. */
  sendCommand(instanceId: string, body: CommandBody): boolean {
    const session = this.sessions.get(instanceId);
    // Before hello the agent has not been welcomed; the command goes out with the re-sends
    // that follow its hello.
    if (!session?.greeted) return false;
    return this.sendFrame(session, 'coord.command', body);
  }

  /** Asks a connected agent to abort a deployment; false when it is not connected. */
  sendCancel(instanceId: string, body: CoordBodies['coord.cancel']): boolean {
    const session = this.sessions.get(instanceId);
    if (!session?.greeted) return false;
    return this.sendFrame(session, 'coord.cancel', body);
  }

  /**
   * Asks connected agents to check a revision (coord.preflight) and gathers their answers for
   * up to `timeoutMs`; a host not connected is `offline`, one that did not answer `timeout`.
   */
  /** True while the host is asked to check the revision (preflight) and may download it. */
  isPreflighting(instanceId: string, revisionId: string): boolean {
    return this.ctx.preflights.isChecking(instanceId, revisionId);
  }

  preflight(instanceIds: readonly string[], deploy: CoordBodies['coord.preflight']['deploy'], timeoutMs: number): Promise<Map<string, PreflightAnswer>> {
    return this.ctx.preflights.ask(instanceIds, deploy, timeoutMs, (instanceId, body) => {
      const session = this.sessions.get(instanceId);
      return session?.greeted === true && this.sendFrame(session, 'coord.preflight', body);
    });
  }

  /**
   * Closes every connection of `instanceId`, whether or not it said hello, and refuses its
   * upgrades verified before now (forced deregistration). Returns how many were open.
   */
  closeInstance(instanceId: string): number {
    this.evictions.add(instanceId);
    const session = this.sessions.get(instanceId);
    if (!session) return 0;
    this.sessions.delete(instanceId);
    this.ctx.log.warn('agent connection closed: instance deregistered', { instanceId, greeted: session.greeted });
    void this.closeSession(session, 4001, 'instance deregistered');
    return 1;
  }

  /** Closes every session and stops the heartbeat; resolves when all sockets are closed. */
  async close(): Promise<void> {
    this.closed = true;
    // Events and hook output already received are stored (and acked) before the store may be closed.
    await this.ctx.events.drain(this.ctx);
    await this.ctx.logs.drain();
    this.ctx.preflights.closeAll();
    this.ctx.trafficApplies.closeAll();
    if (this.heartbeat !== undefined) this.deps.clock.clearTimeout(this.heartbeat);
    const closing = [...this.sessions.values()].map((s) => this.closeSession(s));
    this.sessions.clear();
    await Promise.all(closing);
    // Frames that arrived while the sessions closed are applied too.
    await this.ctx.events.drain(this.ctx);
    await this.ctx.logs.drain();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private closeSession(session: Session, code = 1001, reason = 'coordinator shutting down'): Promise<void> {
    const { ws } = session;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      ws.once('close', () => {
        this.deps.clock.clearTimeout(timer);
        resolve();
      });
      ws.close(code, reason);
    });
  }

  private onConnection(ws: WebSocket, instanceId: string): void {
    const previous = this.sessions.get(instanceId);
    const session: Session = { instanceId, ws, alive: true, greeted: false };
    this.sessions.set(instanceId, session);
    if (previous) {
      this.ctx.log.info('agent session replaced', { instanceId });
      previous.ws.close(4000, 'replaced by a newer connection');
    }
    this.ctx.log.info('agent connected', { instanceId });
    const cancelHelloDeadline = helloDeadline(this.deps.clock, this.ctx.log, session, this.deps.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS);
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('message', (data) => {
      // A replaced session may still deliver frames while it closes; only the current one counts.
      if (this.sessions.get(instanceId) === session) handleAgentFrame(this.ctx, session, toBuffer(data));
    });
    ws.on('error', (err) => this.ctx.log.warn('agent socket error', { instanceId, err: err.message }));
    ws.on('close', (code) => {
      cancelHelloDeadline();
      if (this.sessions.get(instanceId) === session) this.sessions.delete(instanceId);
      this.ctx.log.info('agent disconnected', { instanceId, code });
    });
  }

  private sendFrame<T extends CoordFrameType>(session: Session, type: T, body: CoordBodies[T]): boolean {
    if (session.ws.readyState !== WebSocket.OPEN) return false;
    this.frameCounter += 1;
    const signer = this.deps.signer;
    // The welcome names the keys agents should trust now; it is signed by each of them.
    const sent = type === 'coord.welcome' && signer ? { ...body, coordinatorKeys: signer.published() } : body;
    const frame: Frame<T, CoordBodies[T]> = makeFrame(type, `h-${this.frameCounter}`, sent, this.deps.clock.now());
    const sig = signer?.sign(session.instanceId, frame);
    if (sig) frame.sig = sig;
    session.ws.send(JSON.stringify(frame));
    return true;
  }

  private scheduleHeartbeat(): void {
    this.heartbeat = this.deps.clock.setTimeout(() => {
      this.beat();
      if (!this.closed) this.scheduleHeartbeat();
    }, this.heartbeatMs);
  }

  /** ws README's broken-connection check: a session that did not pong since the last ping is dead. */
  private beat(): void {
    this.ctx.warnings.flush();
    this.refusals.flush();
    this.evictions.prune();
    for (const session of this.sessions.values()) {
      if (!session.alive) {
        this.ctx.log.warn('agent missed heartbeat; terminating', { instanceId: session.instanceId });
        session.ws.terminate();
        continue;
      }
      session.alive = false;
      if (session.ws.readyState === WebSocket.OPEN) session.ws.ping();
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
