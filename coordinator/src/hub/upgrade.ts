/**
 * Refusing a WebSocket upgrade before it becomes a WebSocket: a short HTTP response on the raw
 * socket, then the socket is closed. Never throws.
 */
import type { Duplex } from 'node:stream';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Writes `HTTP/1.1 <status>` with `reason` as a plain-text body and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  // The reason is ours, but keep header injection impossible whatever a caller passes.
  const body = reason.replace(/[\r\n]+/g, ' ').slice(0, 200);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // As ws's own abortHandshake: end() flushes the response, destroy() once it is written.
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The path part of a request URL (no query), or undefined when it does not parse. */
export function pathnameOf(url: string): string | undefined {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    // An unparsable request target is simply not our path.
    return undefined;
  }
}
