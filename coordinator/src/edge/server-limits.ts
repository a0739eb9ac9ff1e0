/**
 * Timeouts of the coordinator's HTTP server for connections that have not sent a request yet,
 * and what it logs of the errors the server reports. Node's defaults keep a silent connection
 * 60-90 s (headersTimeout, checked every 30 s) and a TLS connection that never starts its
 * handshake 120 s; under a flood of idle connections those minutes are what runs the process
 * out of descriptors (issue 14).
 */
import type { Server as HttpServer, ServerOptions as HttpOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { PeerWarnings } from '../../../common/src/peer-warnings.ts';

/** Time to receive a request's headers, from the connection's start or the previous request. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time for a TLS client to complete its handshake. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How often Node checks the headers timeout (its default, 30 s, would triple it). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 2_000;

/**
 * Options for http.createServer / https.createServer. The request timeout stays off: a bundle
 * upload may take long, and is bounded by its size instead.
 */
export function edgeServerOptions(): HttpOptions & { handshakeTimeout: number } {
  return { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS };
}

/** What the server reports, for the metrics. */
export interface ServerErrorSink {
  clientError(code: string): void;
  serverError(code: string): void;
}

/**
 * Logs the server's 'error' (loudly, rate-limited) and 'clientError' (a malformed or timed-out
 * request; warned per remote address, rate-limited) and counts both. It does not answer the
 * client: fastify's own clientError handler does.
 */
export function reportServerErrors(server: HttpServer, deps: { log: Logger; clock: Clock; sink?: ServerErrorSink }): { flush(): void } {
  const clients = new PeerWarnings({ clock: deps.clock, log: deps.log, field: 'remote' });
  const errors = new PeerWarnings({ clock: deps.clock, log: deps.log, field: 'syscall', perInterval: 1 });
  server.on('error', (err: NodeJS.ErrnoException) => {
    const code = err.code ?? 'unknown';
    deps.sink?.serverError(code);
    errors.warn(err.syscall ?? 'server', 'HTTP server error', { code, err: err.message });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? 'unknown';
    deps.sink?.clientError(code);
    clients.warn(socket.remoteAddress ?? 'unknown', 'bad or timed-out HTTP request', { code });
  });
  // A TLS connection that fails or times out its handshake (tls.Server 'tlsClientError').
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? 'unknown';
    deps.sink?.clientError(code);
    clients.warn(socket.remoteAddress ?? 'unknown', 'TLS handshake failed', { code, err: err.message });
  });
  return {
    flush: () => {
      clients.flush();
      errors.flush();
    },
  };
}
