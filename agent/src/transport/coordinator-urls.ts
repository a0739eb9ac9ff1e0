/**
 * The coordinators an agent may talk to: several URLs of coordinators sharing one store
 * (`--coordinator URL` repeated), tried in turn. The connection moves to the next one whenever
 * it closes or fails to open, so a dead coordinator costs one reconnect; downloads go to the
 * one the agent is connected to (or tries next).
 */

/** The coordinator URLs of an agent, and the one in use. */
export class CoordinatorUrls {
  private index = 0;
  private readonly urls: readonly string[];

  /** `urls` in order of preference; at least one. */
  constructor(urls: readonly string[]) {
    if (urls.length === 0) throw new Error('at least one coordinator URL is needed');
    this.urls = [...urls];
  }

  /** The URL in use. */
  current(): string {
    return this.urls[this.index]!;
  }

  /** Moves to the next URL (the first after the last); returns it. */
  rotate(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current();
  }

  /** Every URL, in order. */
  all(): readonly string[] {
    return this.urls;
  }
}
