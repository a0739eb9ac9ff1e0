/**
 * The service a health-gated benchmark deployment watches: an HTTP endpoint on loopback that
 * answers 200 `{"status":"ok"}` until the benchmark turns it bad, then 500. The time it turned
 * bad is the start of every latency the benchmark reports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { wallMs } from '../lib/stats.ts';

/** A loopback HTTP endpoint whose health the benchmark switches. */
export class ProbeServer {
  private healthy = true;
  private readonly server = http.createServer((_req, res) => {
    res.writeHead(this.healthy ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: this.healthy ? 'ok' : 'failing' }));
  });

  /** Listens on 127.0.0.1 on a free port; resolves with the URL to check. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/health`;
  }

  /** Turns the endpoint bad; returns the wall time it did, in ms. */
  fail(): number {
    this.healthy = false;
    return wallMs();
  }

  /** Turns the endpoint good again. */
  recover(): void {
    this.healthy = true;
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
