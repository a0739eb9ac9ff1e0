/**
 * What the hub's tests share: a test agent on a real WebSocket that signs its upgrade and queues
 * what the coordinator sends, and ways to watch the hub's units of work and received events.
 */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { WebSocket } from 'ws';
import { SIGNATURE_HEADERS, makeFrame, parseCoordFrame, signingPayload, type CoordFrame, type Inventory } from '../../../../protocol/src/index.ts';
import type { MetricsSink } from '../../../../coordinator/src/notify/metrics.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';

export const PATH = '/v1/agent/connect';
export const INSTANCE = 'i-AGENTAGENT';

export const inventory: Inventory = {
  hostname: 'web-1',
  os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1' },
  arch: 'x64',
  cpus: 2,
  memoryBytes: 1024,
  diskFreeBytes: 2048,
  addresses: ['10.0.0.1'],
  agentVersion: '0.1.0',
  nodeVersion: 'v20.0.0',
};

export function signedHeaders(key: KeyObject, instanceId = INSTANCE): Record<string, string> {
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('base64url');
  const signature = sign(null, signingPayload({ instanceId, timestamp, nonce, method: 'GET', path: PATH }), key).toString('base64');
  return {
    [SIGNATURE_HEADERS.instance]: instanceId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

/** A connected test agent that queues what the coordinator sends. */
export class TestAgent {
  readonly frames: CoordFrame[] = [];
  private waiters: (() => void)[] = [];
  private n = 0;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = parseCoordFrame(data as Buffer);
      if (parsed.ok) this.frames.push(parsed.frame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(type: string, body: unknown, v = 1): void {
    this.n += 1;
    this.ws.send(JSON.stringify({ ...makeFrame(type, `a-${this.n}`, body), v }));
  }

  /** Resolves with the next frame of `type` not yet taken. */
  async next<T extends CoordFrame['type']>(type: T): Promise<Extract<CoordFrame, { type: T }>> {
    for (;;) {
      const i = this.frames.findIndex((f) => f.type === type);
      if (i >= 0) return this.frames.splice(i, 1)[0] as Extract<CoordFrame, { type: T }>;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  closed(): Promise<number> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }
}

/** `target` with `onStart` told before each unit of work starts (each burst is one). */
export function watched(target: Store, onStart: () => void): Store {
  return new Proxy(target, {
    get(t, key) {
      if (key === 'transaction') {
        return (work: Parameters<Store['transaction']>[0]) => {
          onStart();
          return t.transaction(work);
        };
      }
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** Metrics that count the agent events the hub received, and ignore the rest. */
export function countingEvents(onEvent: () => void): MetricsSink {
  const ignore = (): void => undefined;
  return { agentEvent: onEvent, hookOutput: ignore, hookOutputBusy: ignore, webhookFailure: ignore, trafficOperation: ignore, journalResync: ignore };
}
