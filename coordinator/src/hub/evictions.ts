/**
 * Instances the hub has just cut off (forced deregistration). An upgrade whose signature was
 * verified against the store before the instance was removed could otherwise open a session
 * after its sessions were closed; the hub refuses upgrades of an evicted instance for a while.
 * Entries expire, so the set stays as small as the deregistrations of the last minute.
 */
import type { Clock } from '../../../common/src/clock.ts';

/** Long enough for any verification that read the store before the removal to finish. */
const EVICTION_MS = 60_000;

/** Recently evicted instance ids. */
export class Evictions {
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Marks `instanceId` evicted from now on, for a minute. */
  add(instanceId: string): void {
    this.until.set(instanceId, this.clock.monotonicMs() + EVICTION_MS);
  }

  /** True when `instanceId` was evicted within the last minute. */
  has(instanceId: string): boolean {
    const until = this.until.get(instanceId);
    return until !== undefined && until > this.clock.monotonicMs();
  }

  /** Forgets expired entries (the hub calls it on each heartbeat). */
  prune(): void {
    const now = this.clock.monotonicMs();
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}
