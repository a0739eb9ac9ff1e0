/**
 * Giving the event loop back in the middle of long work: I/O callbacks (HTTP requests, socket
 * reads) and timers run before the promise resolves, so a long run of synchronous work cut in
 * slices with this between them never holds a process for longer than one slice.
 */

/** Resolves after the event loop has turned once (setImmediate: after the I/O phase). */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
