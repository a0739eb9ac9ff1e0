/**
 * Hellos handled beside the agent-event bursts (event-batch.ts) instead of behind all of them.
 * Only one host's frames need to keep their order: a hello reads the host's cursor and its
 * unacknowledged commands, which only the host's own frames change. So the hello of a host that
 * has nothing waiting in the bursts runs at once, a few at a time, and the frames the host sends
 * meanwhile wait for it, then go where they would have gone, in arrival order. A host with
 * frames still waiting (those of the connection it replaced) has its hello queued behind them, as
 * before. When agents reconnect by thousands (a coordinator died), their hellos no longer each wait
 * for every burst received before them, nor cut the burst being gathered in two.
 */

/** Hellos handled at once beside the bursts at most: the store's other work keeps its connections (PostgreSQL's pool has 10). */
export const HELLOS_AT_ONCE = 4;

export class HelloLane {
  /** Frames of each host handed to the bursts' queue and not finished yet. */
  private readonly queued = new Map<string, number>();
  /** Hosts whose hello runs (or waits for its turn) in this lane, with the frames they sent since, in order. */
  private readonly greeting = new Map<string, (() => void)[]>();
  /** Hellos waiting for their turn. */
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private readonly unfinished = new Set<Promise<void>>();

  /** @param atOnce hellos run at once at most. */
  constructor(private readonly atOnce = HELLOS_AT_ONCE) {}

  /** True when the host's hello runs in this lane: `frame` is then kept and run once the hello is done. */
  holds(instanceId: string, frame: () => void): boolean {
    const held = this.greeting.get(instanceId);
    if (!held) return false;
    held.push(frame);
    return true;
  }

  /** Counts a frame of the host handed to the bursts' queue. */
  enter(instanceId: string): void {
    this.queued.set(instanceId, (this.queued.get(instanceId) ?? 0) + 1);
  }

  /** Uncounts frames of these hosts (one each, repeated as often as they sent one) once done. */
  leave(instanceIds: readonly string[]): void {
    for (const id of instanceIds) {
      const n = (this.queued.get(id) ?? 1) - 1;
      if (n > 0) this.queued.set(id, n);
      else this.queued.delete(id);
    }
  }

  /**
   * Runs the host's hello `work` in this lane and returns true, unless frames of the host still
   * wait in the bursts' queue (false: the caller queues it behind them). Frames the host sends
   * before `work` has settled are held ({@link holds}) and run after it, in order.
   */
  tryGreet(instanceId: string, work: () => Promise<void>, failed: (err: unknown) => void): boolean {
    if (this.queued.has(instanceId) || this.greeting.has(instanceId)) return false;
    this.greeting.set(instanceId, []);
    const done = this.inTurn(work).catch(failed).finally(() => {
      const held = this.greeting.get(instanceId) ?? [];
      this.greeting.delete(instanceId);
      for (const frame of held) frame();
      this.unfinished.delete(done);
    });
    this.unfinished.add(done);
    return true;
  }

  /** True while a hello of the lane has not settled. */
  get busy(): boolean {
    return this.unfinished.size > 0;
  }

  /** Resolves once every hello of the lane (and those that came while waiting) has settled. */
  async settled(): Promise<void> {
    while (this.unfinished.size > 0) await Promise.allSettled([...this.unfinished]);
  }

  private async inTurn(work: () => Promise<void>): Promise<void> {
    if (this.running < this.atOnce) this.running += 1;
    // A hello that ends hands its place to the next one waiting.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
