/**
 * Hook output retention: lines of deployments that finished more than `days` ago are deleted,
 * a slice at a time so that no unit of work holds the store for long, and the deployment's log
 * is marked expired (the logs API says when). The byte cap per deployment is applied as lines
 * arrive (hub/log-intake.ts).
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Store } from '../store/store.ts';

/** How long hook output is kept after its deployment finished. @default 30 */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** Lines deleted per unit of work. */
const SLICE = 5000;
/** How often the job looks for expired logs. */
const EVERY_MS = 60 * 60 * 1000;

/** Deletes expired hook output now; returns how many lines it deleted. */
export async function expireLogs(store: Store, now: Date, days: number): Promise<number> {
  const before = new Date(now.getTime() - days * 86_400_000).toISOString();
  let total = 0;
  for (;;) {
    const deleted = await store.logs.expire(before, SLICE, now.toISOString());
    total += deleted;
    if (deleted < SLICE) return total;
  }
}

/** Runs {@link expireLogs} at start and every hour until stopped. */
export function startLogRetention(deps: { store: Store; clock: Clock; logger: Logger; days: number }): { stop(): void } {
  const log = deps.logger.child({ component: 'log-retention' });
  let timer: TimerHandle | undefined;
  let stopped = false;
  const run = (): void => {
    if (stopped || !deps.store.open) return;
    expireLogs(deps.store, deps.clock.now(), deps.days).then(
      (deleted) => {
        if (deleted > 0) log.info('expired hook output deleted', { lines: deleted, days: deps.days });
      },
      (err: unknown) => log.error('deleting expired hook output failed', { err }),
    ).finally(() => {
      if (!stopped) timer = deps.clock.setTimeout(run, EVERY_MS);
    });
  };
  timer = deps.clock.setTimeout(run, 0);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) deps.clock.clearTimeout(timer);
    },
  };
}
