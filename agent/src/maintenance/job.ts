/**
 * The agent's maintenance job: prunes old deployment directories on a node-cron schedule, so
 * disk use stays bounded even when no new deployment arrives to prune at DownloadBundle.
 */
import cron, { type ScheduledTask } from 'node-cron';
import path from 'node:path';
import type { Logger } from '../../../common/src/logger.ts';
import type { Journal } from '../journal/journal.ts';
import { pruneAllGroups } from './retention.ts';

/** Every hour, at minute 17 (away from the top of the hour, when other cron work piles up). */
export const DEFAULT_RETENTION_SCHEDULE = '17 * * * *';

/** Options of {@link startRetentionJob}. */
export interface RetentionJobOptions {
  root: string;
  journal: Journal;
  logger: Logger;
  /** @default 5 */
  maxRevisions?: number;
  /** A cron expression. @default DEFAULT_RETENTION_SCHEDULE */
  schedule?: string;
}

/**
 * Runs one retention pass: every group keeps its last successful dir, and dirs of deployments
 * still running are never touched.
 */
export async function runRetention(opts: RetentionJobOptions): Promise<string[]> {
  const running = opts.journal.runningDeployments().map((d) => path.dirname(d.archiveDir));
  const keepFor = (groupId: string): Array<string | undefined> => [
    opts.journal.getGroupRevisions(groupId).lastSuccessfulDir,
    ...running,
  ];
  return pruneAllGroups(path.join(opts.root, 'deployments'), keepFor, opts.maxRevisions);
}

/** Schedules {@link runRetention}; a failed pass is logged and retried at the next tick. */
export function startRetentionJob(opts: RetentionJobOptions): ScheduledTask {
  const log = opts.logger.child({ component: 'retention' });
  return cron.schedule(
    opts.schedule ?? DEFAULT_RETENTION_SCHEDULE,
    async () => {
      try {
        const deleted = await runRetention(opts);
        if (deleted.length > 0) log.info('old deployment directories deleted', { count: deleted.length, deleted });
      } catch (err) {
        log.warn('retention pass failed', { error: err instanceof Error ? err.message : String(err) });
      }
    },
    { name: 'deckhand-retention', noOverlap: true },
  );
}
