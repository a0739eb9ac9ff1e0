/**
 * Tells live readers that a deployment has new hook output (or changed), so a follower reads
 * the store at once instead of at its next poll. Only a wake-up: what there is to read is always
 * read from the store, so a listener that misses a call (another coordinator stored the lines)
 * still finds them at its poll.
 */

/** Called with the deployment that has something new. */
export type FeedListener = () => void;

/** Per-deployment wake-ups for log followers. */
export class LogFeed {
  private readonly listeners = new Map<string, Set<FeedListener>>();

  /** Registers `listener` for the deployment; returns its remover. */
  subscribe(deploymentId: string, listener: FeedListener): () => void {
    let set = this.listeners.get(deploymentId);
    if (!set) {
      set = new Set();
      this.listeners.set(deploymentId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(deploymentId);
    };
  }

  /** Wakes the deployment's listeners; a throwing listener does not stop the others. */
  publish(deploymentId: string): void {
    for (const listener of this.listeners.get(deploymentId) ?? []) {
      try {
        listener();
      } catch {
        // A follower's wake-up only schedules a read; its own errors end its own stream.
      }
    }
  }

  /** How many followers are listening (for metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
