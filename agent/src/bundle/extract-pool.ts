/**
 * A small bound on concurrent work for extraction: entries are checked one at a time, in archive
 * order, and their writes then overlap, so one file's disk wait does not hold up the next.
 */

/** Runs up to `limit` tasks at once; the first failure is kept and reported. */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /**
   * Starts `task` once fewer than `limit` run. Rejects with the first failure of any task
   * started so far (then nothing more is started: the caller stops adding).
   */
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.throwIfFailed();
    const run: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits for every started task; rejects with the first failure, if any. */
  async drain(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every started task, whatever their outcome: nothing is written after this. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
