/** A coordinator stand-in for transport tests: a real ws server on 127.0.0.1:0 the test drives. */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeFrame, parseAgentFrame, type AgentFrame } from '../../../../protocol/src/index.ts';

export class CoordinatorDouble {
  readonly frames: AgentFrame[] = [];
  readonly upgrades: IncomingHttpHeaders[] = [];
  readonly paths: string[] = [];
  private readonly server: WebSocketServer;
  private sockets: WebSocket[] = [];
  private counter = 0;

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (ws, req) => {
      this.sockets.push(ws);
      this.upgrades.push(req.headers);
      this.paths.push(req.url ?? '');
      ws.on('message', (data) => {
        const parsed = parseAgentFrame(data.toString());
        if (parsed.ok) this.frames.push(parsed.frame);
      });
    });
  }

  static async start(): Promise<CoordinatorDouble> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new CoordinatorDouble(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.upgrades.length;
  }

  /** The latest socket. */
  get socket(): WebSocket {
    const ws = this.sockets.at(-1);
    if (!ws) throw new Error('no agent connected');
    return ws;
  }

  send(type: string, body: unknown): void {
    this.socket.send(JSON.stringify(makeFrame(type, `s-${++this.counter}`, body)));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  framesOf<T extends AgentFrame['type']>(type: T): Extract<AgentFrame, { type: T }>[] {
    return this.frames.filter((f): f is Extract<AgentFrame, { type: T }> => f.type === type);
  }

  /** Resolves once `check` holds, polling every 5 ms; rejects after `timeoutMs`. */
  async until(check: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
