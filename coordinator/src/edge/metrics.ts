/**
 * Metrics of the coordinator's edge (issue 14), on the coordinator's registry: connections
 * refused by the unauthenticated-connection caps, the server's errors, descriptor exhaustion,
 * and the connections held now.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionGuardSink, RefusalReason } from './connection-guard.ts';
import type { ServerErrorSink } from './server-limits.ts';

/** The edge's counters; `connections` is read at each scrape. */
export class EdgeMetrics implements ConnectionGuardSink, ServerErrorSink {
  private readonly refused: Counter<'reason'>;
  private readonly clientErrors: Counter<'code'>;
  private readonly serverErrors: Counter<'code'>;
  private readonly fdExhausted: Counter<'code'>;

  constructor(registry: Registry, connections: () => { open: number; unauthenticated: number }) {
    const registers = [registry];
    this.refused = new Counter({ name: 'deckhand_connections_refused_total', help: 'Connections closed at accept: too many unauthenticated connections (in total, or from one address)', labelNames: ['reason'], registers });
    this.clientErrors = new Counter({ name: 'deckhand_http_client_errors_total', help: 'Malformed, timed-out or failed-handshake connections, by error code', labelNames: ['code'], registers });
    this.serverErrors = new Counter({ name: 'deckhand_http_server_errors_total', help: 'Errors of the HTTP server itself (accept failures), by code', labelNames: ['code'], registers });
    this.fdExhausted = new Counter({ name: 'deckhand_fd_exhausted_total', help: 'Descriptor probes that failed with EMFILE/ENFILE (new connections are dropped meanwhile)', labelNames: ['code'], registers });
    new Gauge({
      name: 'deckhand_connections',
      help: 'TCP connections open now, by whether a request or agent upgrade on them authenticated',
      labelNames: ['state'],
      registers,
      collect() {
        const c = connections();
        this.set({ state: 'unauthenticated' }, c.unauthenticated);
        this.set({ state: 'authenticated' }, c.open - c.unauthenticated);
      },
    });
  }

  connectionRefused(reason: RefusalReason): void {
    this.refused.inc({ reason });
  }

  clientError(code: string): void {
    this.clientErrors.inc({ code });
  }

  serverError(code: string): void {
    this.serverErrors.inc({ code });
  }

  descriptorsExhausted(code: string): void {
    this.fdExhausted.inc({ code });
  }
}
