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
  type CoordFrame,
  type Inventory,
} from '../../protocol/src/index.ts';
import { wallMs } from '../lib/stats.ts';
import type { HostRecord } from './messages.ts';

/** What every simulated host shares. */
export interface SimContext {
  /** The coordinator's base URL, http://127.0.0.1:PORT. */
  url: string;
  /** How long each lifecycle event "runs"; 0 sends the whole sequence at once. */
  eventDelayMs: number;
  /** Called once the coordinator acknowledged a host's final event. */
  onFinished(record: HostRecord): void;
  /** Counters over all hosts. */
  stats: { events: number; protocolErrors: number };
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

  constructor(
    readonly instanceId: string,
    readonly hostname: string,
    private readonly key: KeyObject,
    private readonly ctx: SimContext,
  ) {}

  /** Opens the signed WebSocket and resolves once the coordinator's welcome arrives. */
  connect(): Promise<void> {
    const headers = signRequest({ instanceId: this.instanceId, privateKey: this.key }, 'GET', CONNECT_PATH);
    const ws = new WebSocket(this.ctx.url.replace(/^http/, 'ws') + CONNECT_PATH, { headers, perMessageDeflate: false });
    this.ws = ws;
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
    });
  }

  /** Closes the connection. */
  close(): void {
    this.ws?.terminate();
  }

  private send<T extends AgentFrameType>(type: T, body: AgentBodies[T]): void {
    this.frames += 1;
    this.ws?.send(JSON.stringify(makeFrame(type, `${this.hostname}-${this.frames}`, body)));
  }

  private onFrame(frame: CoordFrame): void {
    switch (frame.type) {
      case 'coord.welcome':
        // A fresh host: the coordinator's cursor is where this host's seq continues.
        this.nextSeq = Math.max(this.nextSeq, frame.body.lastAppliedSeq + 1);
        return;
      case 'coord.command':
        void this.runCommand(frame.body);
        return;
      case 'coord.ack':
        this.onAck(frame.body.seq);
        return;
      case 'coord.error':
        this.ctx.stats.protocolErrors += 1;
        return;
      case 'coord.cancel':
        return;
    }
  }

  private async runCommand(command: CommandBody): Promise<void> {
    const record: HostRecord = { deploymentId: command.deploymentId, commandAt: wallMs(), firstEventAt: 0, finalSentAt: 0, finalAckAt: 0 };
    this.send('agent.command.ack', { commandId: command.commandId });
    const base = { commandId: command.commandId, deploymentId: command.deploymentId };
    for (const lifecycleEvent of IN_PLACE_EVENTS) {
      this.sendEvent({ ...base, lifecycleEvent, status: 'InProgress' });
      if (record.firstEventAt === 0) record.firstEventAt = wallMs();
      if (this.ctx.eventDelayMs > 0) await delay(this.ctx.eventDelayMs);
      this.sendEvent({ ...base, lifecycleEvent, status: 'Succeeded' });
    }
    const seq = this.sendEvent({ ...base, status: 'Succeeded' });
    record.finalSentAt = wallMs();
    this.finals.set(seq, record);
  }

  private sendEvent(event: Omit<AgentEventBody, 'seq' | 'at'>): number {
    const seq = this.nextSeq++;
    this.send('agent.event', { ...event, seq, at: new Date().toISOString() });
    this.ctx.stats.events += 1;
    return seq;
  }

  private onAck(seq: number): void {
    for (const [finalSeq, record] of this.finals) {
      if (finalSeq > seq) continue;
      this.finals.delete(finalSeq);
      record.finalAckAt = wallMs();
      this.ctx.onFinished(record);
    }
  }
}
