/**
 * A loopback TCP proxy the fault tests control, in the spirit of Toxiproxy (reliability.md §7):
 * one per agent, between the agent and the coordinator, carrying its HTTP requests (bundle
 * downloads) and its WebSocket. Faults:
 * - drop: close every connection (FIN, as a peer that exits) and refuse new ones for a while;
 * - reset: the same with RST (resetAndDestroy), as a peer whose kernel forgot the connection;
 * - delay: hold each chunk back;
 * - half-open: forward nothing and send no FIN or RST, then reset those connections when it ends;
 * - blackhole: forward nothing, ever, on the connections it caught (open ones and those made
 *   while it lasts), and close none of them: not even a close from one side reaches the other.
 *   Only the endpoints' own heartbeats and stall limits can tell; each side is let go when that
 *   side closes it.
 *
 * While the upstream (a restarting coordinator) refuses connections, a new client connection is
 * held and the upstream retried for a few seconds, so agents see a slow connect rather than a
 * burst of failures that would push their reconnect backoff towards its 30 s cap.
 */
import net from 'node:net';

/** How long a new connection waits for an unreachable upstream before it is reset. */
const UPSTREAM_WAIT_MS = 8000;

type Mode = { kind: 'pass' } | { kind: 'drop' } | { kind: 'reset' } | { kind: 'delay'; ms: number } | { kind: 'halfOpen' } | { kind: 'blackhole' };

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Set while a half-open fault swallows this pair's traffic (it is reset when the fault ends). */
  blackholed: boolean;
  /** Caught by a blackhole: swallowed for good, and neither side's close passed on. */
  sealed: boolean;
}

/** A TCP proxy from a loopback port to the coordinator's current port. */
export class FaultProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: Mode = { kind: 'pass' };
  private restore: NodeJS.Timeout | undefined;
  private endFault: (() => void) | undefined;
  /** Bytes a half-open or blackhole fault swallowed. */
  private swallowed = 0;
  port = 0;

  constructor(private upstreamPort: number) {}

  /** Listens on 127.0.0.1 (an ephemeral port); returns the proxy's http URL. */
  async start(): Promise<string> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** Points new connections at another upstream port (the coordinator restarted). */
  retarget(port: number): void {
    this.upstreamPort = port;
  }

  /** Closes every connection (FIN) and refuses new ones for `ms`. */
  drop(ms: number): void {
    this.setMode({ kind: 'drop' }, ms);
    for (const pair of this.pairs) destroyPair(pair);
  }

  /** Resets every connection (RST) and resets new ones for `ms`. */
  reset(ms: number): void {
    this.setMode({ kind: 'reset' }, ms);
    for (const pair of this.pairs) resetPair(pair);
  }

  /**
   * Swallows all traffic of current connections for good, and of new ones for `forMs`, closing
   * none of them (new connections are not even passed upstream).
   */
  blackhole(forMs: number): void {
    for (const pair of this.pairs) pair.sealed = true;
    this.setMode({ kind: 'blackhole' }, forMs);
  }

  /** Delays every chunk in both directions by `ms` for `forMs`. */
  delay(ms: number, forMs: number): void {
    this.setMode({ kind: 'delay', ms }, forMs);
  }

  /**
   * Swallows all traffic of current and new connections for `forMs`, without closing them; at
   * the end the swallowed connections are reset (their byte streams have holes).
   */
  halfOpen(forMs: number): void {
    for (const pair of this.pairs) pair.blackholed = true;
    this.setMode({ kind: 'halfOpen' }, forMs, () => {
      for (const pair of this.pairs) if (pair.blackholed && !pair.sealed) destroyPair(pair);
    });
  }

  /** What the proxy holds now: sockets still open (either side of every pair), bytes swallowed so far. */
  stats(): { openSockets: number; swallowedBytes: number } {
    let open = 0;
    for (const pair of this.pairs) open += (pair.client.destroyed ? 0 : 1) + (pair.upstream && !pair.upstream.destroyed ? 1 : 0);
    return { openSockets: open, swallowedBytes: this.swallowed };
  }

  /** Closes the proxy and every connection. */
  async stop(): Promise<void> {
    if (this.restore) clearTimeout(this.restore);
    for (const pair of this.pairs) destroyPair(pair);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private setMode(mode: Mode, forMs: number, onEnd?: () => void): void {
    if (this.restore) clearTimeout(this.restore);
    // A fault cut short by the next one still ends properly (half-open pairs are reset, never
    // left swallowing traffic for good).
    this.endFault?.();
    this.mode = mode;
    this.endFault = onEnd;
    this.restore = setTimeout(() => {
      this.mode = { kind: 'pass' };
      this.restore = undefined;
      const end = this.endFault;
      this.endFault = undefined;
      end?.();
    }, forMs);
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined); // a reset client is part of the faults
    if (this.mode.kind === 'drop') {
      client.destroy();
      return;
    }
    if (this.mode.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, blackholed: this.mode.kind === 'halfOpen', sealed: this.mode.kind === 'blackhole' };
    this.pairs.add(pair);
    client.on('close', () => this.sideClosed(pair));
    if (pair.sealed) {
      // Nothing goes upstream; what the client sends is read and dropped.
      client.on('data', (chunk: Buffer) => void (this.swallowed += chunk.length));
      return;
    }
    client.pause();
    this.connectUpstream(pair, Date.now() + UPSTREAM_WAIT_MS);
  }

  /** One side of a pair closed: the other goes too, unless a blackhole sealed the pair. */
  private sideClosed(pair: Pair): void {
    if (!pair.sealed) destroyPair(pair);
    if (pair.client.destroyed && (pair.upstream?.destroyed ?? true)) this.pairs.delete(pair);
  }

  private connectUpstream(pair: Pair, deadline: number): void {
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    const retry = (): void => {
      if (pair.client.destroyed || Date.now() > deadline) return destroyPair(pair);
      setTimeout(() => this.connectUpstream(pair, deadline), 100);
    };
    upstream.once('error', retry);
    upstream.once('connect', () => {
      // Connected: an error now ends this pair (the close that follows is handled below), it is
      // never a reason to connect the client to a second upstream mid-stream.
      upstream.off('error', retry);
      upstream.on('error', () => undefined);
      upstream.on('close', () => this.sideClosed(pair));
      if (pair.client.destroyed || pair.sealed) return upstream.destroy();
      pair.upstream = upstream;
      this.pipe(pair, pair.client, upstream);
      this.pipe(pair, upstream, pair.client);
      pair.client.resume();
    });
  }

  /** Forwards `from` to `to`, applying the fault in force when each chunk arrives. */
  private pipe(pair: Pair, from: net.Socket, to: net.Socket): void {
    // Chunks leave in arrival order: a delayed chunk holds back every chunk after it.
    const queue: { at: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.at <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      if (pair.blackholed || pair.sealed) {
        this.swallowed += chunk.length;
        return;
      }
      const mode = this.mode;
      queue.push({ at: Date.now() + (mode.kind === 'delay' ? mode.ms : 0), chunk });
      if (timer === undefined) drain();
    });
  }
}

function destroyPair(pair: Pair): void {
  pair.client.destroy();
  pair.upstream?.destroy();
}

function resetPair(pair: Pair): void {
  if (!pair.client.destroyed) pair.client.resetAndDestroy();
  if (pair.upstream && !pair.upstream.destroyed) pair.upstream.resetAndDestroy();
}
