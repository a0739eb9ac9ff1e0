/**
 * One simulated host: a real WebSocket client that authenticates with a real Ed25519 signature,
 * speaks the real protocol (hello, welcome, command ack, per-seq events, acks) and "runs" every
 * lifecycle event instantly or after a set delay. No journal, no hooks, no files.
 */
import type { KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { signRequest } from '../../agent/src/identity/sign.ts';
import {
  AGENT_CONNECT_PATH as CONNECT_PATH,
  IN_PLACE_EVENTS,
  makeFrame,
  parseCoordFrame,
  type AgentBodies,
  type AgentEventBody,
  type AgentFrameType,
  type CommandBody,
  type CoordBodies,
  type CoordFrame,
  type Inventory,
} from '../../protocol/src/index.ts';
import { wallMs } from '../lib/stats.ts';
import type { HostRecord } from './messages.ts';

/** The events whose hooks print when the bench asks for hook output (the scripted in-place ones). */
const SCRIPTED: ReadonlySet<string> = new Set(['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);

/** What every simulated host shares. */
export interface SimContext {
  /** The coordinator's base URL, http://127.0.0.1:PORT. */
  url: string;
  /**
   * Several coordinators sharing one store: a host whose connection closes reconnects to the
   * next one (as a real agent does), resending what was not acknowledged. Empty: no reconnect.
   */
  urls: string[];
  /** How long each lifecycle event "runs"; 0 sends the whole sequence at once. */
  eventDelayMs: number;
  /** Called once the coordinator acknowledged a host's final event. */
  onFinished(record: HostRecord): void;
  /** Hook output lines each scripted event prints (agent.log frames with seq, as agents send them). @default 0 */
  logLinesPerHook: number;
  /** Counters over all hosts; `restarts`: a host sent a second command for a deployment it already ran. */
  stats: { events: number; protocolErrors: number; reconnects: number; restarts: number; logLinesSent: number; logLinesStored: number; logBusy: number };
}

function inventoryOf(hostname: string): Inventory {
  return {
    hostname,
    os: { platform: 'linux', distro: 'simulated', release: '1', kernel: 'sim' },
    arch: 'x64',
    cpus: 1,
    memoryBytes: 1024 ** 3,
    diskFreeBytes: 10 * 1024 ** 3,
    addresses: ['127.0.0.1'],
    agentVersion: 'bench-sim',
    nodeVersion: process.version,
  };
}

/** One simulated agent connection. */
export class SimAgent {
  private ws: WebSocket | undefined;
  private nextSeq = 1;
  private frames = 0;
  private readonly finals = new Map<number, HostRecord>();
  /** Events sent and not acknowledged, by seq: sent again after a reconnect, like an agent's outbox. */
  private readonly unacked = new Map<number, AgentEventBody>();
  /** The command each deployment got: a command received again is re-acked, not run again. */
  private readonly commands = new Map<string, string>();
  private urlIndex = 0;
  private closed = false;
  /** When set, the host is gone: it answers nothing (not even pings) and never reconnects. */
  private dead = false;
  /** agent.log frames sent and not acknowledged, by frame id. */
  private readonly logFrames = new Map<string, AgentBodies['agent.log']>();
  /** Frames waiting for the one in flight: like the agent, one window at a time. */
  private readonly logQueue: AgentBodies['agent.log'][] = [];
  private busyMs = 1000;
  /** A reconnection is under way (onClose). */
  private reconnecting = false;

  constructor(
    readonly instanceId: string,
    readonly hostname: string,
    private readonly key: KeyObject,
    private readonly ctx: SimContext,
  ) {}

  /** Opens the signed WebSocket and resolves once the coordinator's welcome arrives. */
  connect(): Promise<void> {
    const url = this.ctx.urls.length > 0 ? this.ctx.urls[this.urlIndex % this.ctx.urls.length]! : this.ctx.url;
    const headers = signRequest({ instanceId: this.instanceId, privateKey: this.key }, 'GET', CONNECT_PATH);
    const ws = new WebSocket(url.replace(/^http/, 'ws') + CONNECT_PATH, { headers, perMessageDeflate: false });
    this.ws = ws;
    ws.on('close', () => this.onClose(ws));
    return new Promise((resolve, reject) => {
      ws.on('open', () => {
        this.send('agent.hello', { instanceId: this.instanceId, agentVersion: 'bench-sim', inventory: inventoryOf(this.hostname) });
      });
      ws.on('message', (data: Buffer) => {
        const parsed = parseCoordFrame(data);
        if (!parsed.ok) {
          this.ctx.stats.protocolErrors += 1;
          return;
        }
        if (parsed.frame.type === 'coord.welcome') resolve();
        this.onFrame(parsed.frame);
      });
      ws.on('unexpected-response', (_req, res) => reject(new Error(`${this.instanceId}: upgrade refused with HTTP ${res.statusCode}`)));
      ws.on('error', (err) => reject(err));
      // Closed before the welcome (refused, or closed for want of a hello): this attempt failed.
      ws.on('close', () => reject(new Error(`${this.instanceId}: closed before the welcome`)));
    });
  }

  /** Closes the connection for good. */
  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }

  /** The host dies: its process ends (`closed`: the socket closes, as the kernel does) or the host vanishes (`silent`: nothing is ever answered again). */
  die(how: 'closed' | 'silent'): void {
    this.dead = true;
    this.closed = true;
    if (how === 'closed') this.ws?.terminate();
    // A vanished host reads nothing more: its pings go unanswered until the coordinator gives up.
    else (this.ws as unknown as { _socket?: { pause(): void } } | undefined)?._socket?.pause();
  }

  /**
   * Several coordinators: after a close, the next one, after a short random pause; a failed
   * attempt tries the next one again. One reconnection at a time: the close of a failed attempt
   * does not start another (each failure doubled the attempts, and a fleet reconnecting at once
   * ran the simulator out of memory).
   */
  private onClose(ws: WebSocket): void {
    if (ws !== this.ws || this.closed || this.ctx.urls.length === 0 || this.reconnecting) return;
    this.ctx.stats.reconnects += 1;
    this.reconnecting = true;
    const retry = (): void => {
      if (this.closed) return void (this.reconnecting = false);
      this.urlIndex += 1;
      this.connect().then(
        () => void (this.reconnecting = false),
        () => setTimeout(retry, 200 + Math.random() * 800),
      );
    };
    setTimeout(retry, Math.random() * 1000);
  }

  private send<T extends AgentFrameType>(type: T, body: AgentBodies[T]): string {
    this.frames += 1;
    const id = `${this.hostname}-${this.frames}`;
    if (this.dead || this.ws?.readyState !== WebSocket.OPEN) return id;
    this.ws.send(JSON.stringify(makeFrame(type, id, body)));
    return id;
  }

  /** Prints `lines` lines of hook output for the event, in frames of at most 1,000 lines. */
  private printLines(deploymentId: string, lifecycleEvent: string, lines: number): void {
    for (let first = 1; first <= lines; first += 1000) {
      const count = Math.min(1000, lines - first + 1);
      const at = new Date().toISOString();
      const body: AgentBodies['agent.log'] = {
        deploymentId,
        lifecycleEvent,
        seq: first,
        lines: Array.from({ length: count }, (_, i) => ({ at, stream: 'stdout' as const, text: `${this.hostname} ${lifecycleEvent} line ${first + i}: migrating table ${i % 97}` })),
      };
      this.logQueue.push(body);
      this.ctx.stats.logLinesSent += count;
    }
    this.sendNextLog();
  }

  /** Sends the next frame when none is in flight (the agent's window, which its 512 KiB also bounds). */
  private sendNextLog(): void {
    if (this.logFrames.size > 0) return;
    const body = this.logQueue.shift();
    if (body !== undefined) this.logFrames.set(this.send('agent.log', body), body);
  }

  private onLogAck(ack: CoordBodies['coord.log.ack']): void {
    const body = this.logFrames.get(ack.frameId);
    if (body === undefined) return;
    this.logFrames.delete(ack.frameId);
    if (ack.status === 'stored') {
      this.ctx.stats.logLinesStored += body.lines.length;
      this.busyMs = 1000;
      this.sendNextLog();
      return;
    }
    if (ack.status === 'refused') {
      this.ctx.stats.protocolErrors += 1;
      return;
    }
    // Busy: as the agent does, the same lines again later, backing off (1 s doubling to 30 s).
    this.ctx.stats.logBusy += 1;
    this.logQueue.unshift(body);
    setTimeout(() => this.sendNextLog(), this.busyMs);
    this.busyMs = Math.min(this.busyMs * 2, 30_000);
  }

  private onFrame(frame: CoordFrame): void {
    switch (frame.type) {
      case 'coord.welcome':
        // A fresh host: the coordinator's cursor is where this host's seq continues; after a
        // reconnect, what it has not applied goes again, in order.
        this.nextSeq = Math.max(this.nextSeq, frame.body.lastAppliedSeq + 1);
        this.onAck(frame.body.lastAppliedSeq);
        for (const [seq, event] of [...this.unacked].sort((a, b) => a[0] - b[0])) if (seq > frame.body.lastAppliedSeq) this.send('agent.event', event);
        return;
      case 'coord.command':
        void this.runCommand(frame.body);
        return;
      case 'coord.ack':
        this.onAck(frame.body.seq);
        return;
      case 'coord.log.ack':
        this.onLogAck(frame.body);
        return;
      case 'coord.error':
        this.ctx.stats.protocolErrors += 1;
        return;
      case 'coord.cancel':
        return;
    }
  }

  private async runCommand(command: CommandBody): Promise<void> {
    const known = this.commands.get(command.deploymentId);
    if (known !== undefined) {
      // A re-sent command (after a reconnect or a takeover) is acknowledged again, never run again.
      if (known !== command.commandId) this.ctx.stats.restarts += 1;
      this.send('agent.command.ack', { commandId: command.commandId });
      return;
    }
    this.commands.set(command.deploymentId, command.commandId);
    const record: HostRecord = { deploymentId: command.deploymentId, commandAt: wallMs(), firstEventAt: 0, finalSentAt: 0, finalAckAt: 0 };
    this.send('agent.command.ack', { commandId: command.commandId });
    const base = { commandId: command.commandId, deploymentId: command.deploymentId };
    for (const lifecycleEvent of IN_PLACE_EVENTS) {
      this.sendEvent({ ...base, lifecycleEvent, status: 'InProgress' });
      if (record.firstEventAt === 0) record.firstEventAt = wallMs();
      if (this.ctx.logLinesPerHook > 0 && SCRIPTED.has(lifecycleEvent)) this.printLines(command.deploymentId, lifecycleEvent, this.ctx.logLinesPerHook);
      if (this.ctx.eventDelayMs > 0) await delay(this.ctx.eventDelayMs);
      this.sendEvent({ ...base, lifecycleEvent, status: 'Succeeded' });
    }
    const seq = this.sendEvent({ ...base, status: 'Succeeded' });
    record.finalSentAt = wallMs();
    this.finals.set(seq, record);
  }

  private sendEvent(event: Omit<AgentEventBody, 'seq' | 'at'>): number {
    const seq = this.nextSeq++;
    const body = { ...event, seq, at: new Date().toISOString() };
    this.unacked.set(seq, body);
    this.send('agent.event', body);
    this.ctx.stats.events += 1;
    return seq;
  }

  private onAck(seq: number): void {
    for (const s of this.unacked.keys()) if (s <= seq) this.unacked.delete(s);
    for (const [finalSeq, record] of this.finals) {
      if (finalSeq > seq) continue;
      this.finals.delete(finalSeq);
      record.finalAckAt = wallMs();
      this.ctx.onFinished(record);
    }
  }
}
