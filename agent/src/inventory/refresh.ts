/** Keeps a current copy of the inventory and reports it on a fixed interval. */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Inventory } from '../../../protocol/src/schemas.ts';

/** @default 10 minutes */
export const INVENTORY_REFRESH_MS = 10 * 60 * 1000;

export interface RefreshDeps {
  clock: Clock;
  logger: Logger;
  collect: () => Promise<Inventory>;
  /** Reports a fresh inventory (agent.inventory); ignored while disconnected. */
  publish: (inventory: Inventory) => void;
  initial: Inventory;
  /** @default INVENTORY_REFRESH_MS */
  intervalMs?: number;
}

export class InventoryRefresher {
  private latest: Inventory;
  private timer: TimerHandle | undefined;
  private stopped = true;

  constructor(private readonly deps: RefreshDeps) {
    this.latest = deps.initial;
  }

  /** The most recent inventory collected. */
  current(): Inventory {
    return this.latest;
  }

  /** Collects once now (resolving when done), then every interval. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.refresh(false);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      void this.refresh(true).then(() => this.schedule());
    }, this.deps.intervalMs ?? INVENTORY_REFRESH_MS);
  }

  private async refresh(publish: boolean): Promise<void> {
    try {
      this.latest = await this.deps.collect();
      if (publish && !this.stopped) this.deps.publish(this.latest);
    } catch (err) {
      this.deps.logger.warn('inventory collection failed', { error: (err as Error).message });
    }
  }
}
