/**
 * The agent's session with the coordinator: says hello on every connection, routes coordinator
 * frames to the outbox sender and the command dispatcher, and sends what the agent reports.
 */
import type { ClientCertificate } from './coordinator-http.ts';
import type { CoordinatorUrls } from './coordinator-urls.ts';
import { commandIds, type FrameGate } from './frame-gate.ts';
import type { PinnedCa } from '../../../common/src/tls-trust.ts';
import type { Clock } from '../../../common/src/clock.ts';
import { newId } from '../../../common/src/ids.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { makeFrame, type AgentBodies, type AgentFrameType, type CommandBody, type CoordBodies, type CoordFrame } from '../../../protocol/src/messages.ts';
import type { Inventory } from '../../../protocol/src/schemas.ts';
import type { Outbox } from '../journal/outbox.ts';
import { AgentConnection } from './connection.ts';
import { resyncOnWelcome } from './resync.ts';
import { OutboxSender } from './sender.ts';

/** Log frames wait while this much is already queued on the socket. */
const LOG_BACKPRESSURE_BYTES = 1024 * 1024;

/** The hook output shipping (logs/shipping.ts), as the link drives it. */
export interface LogSink {
  onConnected(): void;
  onDisconnected(): void;
  onAck(body: CoordBodies['coord.log.ack']): void;
}

/** Receives coordinator commands (the dispatcher). */
export interface CommandSink {
  onCommand(body: CommandBody): void;
  onCancel(body: CoordBodies['coord.cancel']): void;
}

export interface LinkDeps {
  clock: Clock;
  logger: Logger;
  coordinatorUrl: string;
  /** Several coordinators sharing one store, tried in turn (connection.ts). */
  urls?: CoordinatorUrls;
  /** The CA pinned at registration, the only one trusted for the coordinator. */
  pinnedCa?: PinnedCa;
  /** The agent's TLS client certificate, for a coordinator that requires one. */
  clientCertificate?: ClientCertificate;
  instanceId: string;
  agentVersion: string;
  sign: (method: string, path: string) => Record<string, string>;
  outbox: Pick<Outbox, 'kept' | 'ackThrough' | 'subscribe' | 'position' | 'rebase' | 'lastSeq' | 'ackedThrough'>;
  /** The latest host facts, for agent.hello. */
  inventory: () => Inventory;
  commands: CommandSink;
  /** Answers coord.preflight (best effort, not journaled); ignored when absent. */
  preflight?: (body: CoordBodies['coord.preflight']) => void;
  /** Waits for coord.traffic.result (traffic-requests.ts); told of every welcome. */
  traffic?: { onResult(body: CoordBodies['coord.traffic.result']): void; onWelcome(): void };
  /** Carries out coord.traffic.apply (nginx on this host); ignored when absent. */
  trafficApply?: (body: CoordBodies['coord.traffic.apply']) => void;
  /** Ships hook output; absent: coord.log.ack frames are ignored. */
  logs?: LogSink;
  /** About how long to wait before sending events again after a retryable coord.error (sender.ts). @default 5000 */
  eventRetryMs?: number;
  /** @default Math.random */
  random?: () => number;
  /** Checks coordinator signatures; without it every frame is accepted (tests of other parts). */
  gate?: Pick<FrameGate, 'check'>;
}

export class AgentLink {
  private readonly connection: AgentConnection;
  private readonly sender: OutboxSender;
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;
  private welcomed = false;

  constructor(private readonly deps: LinkDeps) {
    this.log = deps.logger.child({ component: 'link' });
    const connectionDeps = {
      clock: deps.clock,
      logger: deps.logger,
      coordinatorUrl: deps.coordinatorUrl,
      ...(deps.urls ? { urls: deps.urls } : {}),
      ...(deps.pinnedCa ? { pinnedCa: deps.pinnedCa } : {}),
      ...(deps.clientCertificate ? { clientCertificate: deps.clientCertificate } : {}),
      sign: deps.sign,
      handlers: { onOpen: () => this.onOpen(), onFrame: (f: CoordFrame) => this.onFrame(f), onClose: () => this.onClose() },
    };
    this.connection = new AgentConnection(deps.random ? { ...connectionDeps, random: deps.random } : connectionDeps);
    this.sender = new OutboxSender({
      outbox: deps.outbox,
      send: (body) => this.send('agent.event', body),
      markFailed: (err, seq) =>
        this.log.warn('could not mark acknowledged events in the journal; the next acknowledgement marks them', { seq, error: (err as Error).message }),
      clock: deps.clock,
      ...(deps.eventRetryMs !== undefined ? { retryMs: deps.eventRetryMs } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    });
  }

  /** True once the coordinator welcomed the current connection. */
  get isWelcomed(): boolean {
    return this.welcomed;
  }

  start(): void {
    this.unsubscribe = this.deps.outbox.subscribe(() => this.sender.flush());
    this.connection.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.connection.stop();
  }

  /** Sends a frame now; false when not connected (nothing is queued). */
  send<T extends AgentFrameType>(type: T, body: AgentBodies[T]): boolean {
    return this.sendWithId(type, newId('f', 12), body);
  }

  private sendWithId<T extends AgentFrameType>(type: T, id: string, body: AgentBodies[T]): boolean {
    return this.connection.send(makeFrame(type, id, body, this.deps.clock.now()));
  }

  /** Sends refreshed host facts when connected. */
  sendInventory(inventory: Inventory): boolean {
    return this.welcomed && this.send('agent.inventory', { inventory });
  }

  /**
   * Sends one agent.log frame: its frame id (the coordinator's coord.log.ack names it), `busy`
   * while the socket is backed up, `offline` before the welcome. Nothing is queued.
   */
  sendLog(body: AgentBodies['agent.log']): string | 'busy' | 'offline' {
    if (!this.welcomed) return 'offline';
    if (this.connection.bufferedAmount > LOG_BACKPRESSURE_BYTES) return 'busy';
    const id = newId('f', 12);
    return this.sendWithId('agent.log', id, body) ? id : 'offline';
  }

  private onOpen(): void {
    this.welcomed = false;
    const { instanceId, agentVersion } = this.deps;
    this.send('agent.hello', { instanceId, agentVersion, inventory: this.deps.inventory(), journal: this.deps.outbox.position() });
  }

  private onFrame(frame: CoordFrame): void {
    const decision = this.deps.gate?.check(frame) ?? { accept: true };
    if (!decision.accept) return this.refuse(frame, decision.reason);
    switch (frame.type) {
      case 'coord.welcome':
        if (frame.body.instanceId !== this.deps.instanceId) {
          this.log.warn('welcome names another instance', { expected: this.deps.instanceId, got: frame.body.instanceId });
        }
        this.welcomed = true;
        this.connection.setHeartbeat(frame.body.heartbeatMs);
        this.log.info('welcomed by the coordinator', { lastAppliedSeq: frame.body.lastAppliedSeq });
        resyncOnWelcome(this.deps.outbox, frame.body, this.log);
        this.sender.onWelcome(frame.body.lastAppliedSeq);
        this.deps.traffic?.onWelcome();
        this.deps.logs?.onConnected();
        return;
      case 'coord.ack':
        this.sender.onAck(frame.body.seq);
        return;
      case 'coord.log.ack':
        this.deps.logs?.onAck(frame.body);
        return;
      case 'coord.command':
        this.deps.commands.onCommand(frame.body);
        return;
      case 'coord.cancel':
        this.deps.commands.onCancel(frame.body);
        return;
      case 'coord.preflight':
        this.deps.preflight?.(frame.body);
        return;
      case 'coord.traffic.result':
        this.deps.traffic?.onResult(frame.body);
        return;
      case 'coord.traffic.apply':
        if (this.deps.trafficApply) this.deps.trafficApply(frame.body);
        else this.send('agent.traffic.applied', { requestId: frame.body.requestId, ok: false, message: 'this agent does not drive nginx' });
        return;
      case 'coord.error':
        this.log.warn('the coordinator reported an error', { code: frame.body.code, error: frame.body.message, retryable: frame.body.retryable });
        if (frame.body.retryable) this.sender.onRetryableError();
        return;
    }
  }

  /**
   * Reports a refused frame. A refused welcome also ends the connection: its outbox position and
   * keys cannot be believed, so nothing is sent on it; the connection retries with back-off.
   */
  private refuse(frame: CoordFrame, reason: string): void {
    this.send('agent.command.refused', { frameType: frame.type, ...commandIds(frame), errorCode: 'COMMAND_SIGNATURE_INVALID', message: reason.slice(0, 2048) });
    if (frame.type === 'coord.welcome') this.connection.drop('the welcome is not validly signed');
  }

  private onClose(): void {
    this.welcomed = false;
    this.sender.onDisconnect();
    this.deps.logs?.onDisconnected();
  }
}
