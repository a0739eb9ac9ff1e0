/**
 * The agent's maintenance job: prunes old deployment directories on a cron schedule, so disk
 * use stays bounded even when no new deployment arrives to prune at DownloadBundle. node-cron
 * says when the schedule is due, computed in a short-lived child process (next-runs.ts); this
 * process only keeps the times and one timer.
 */
import path from 'node:path';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Journal } from '../journal/journal.ts';
import type { NextRuns } from './next-runs.ts';
import { pruneAllGroups } from './retention.ts';

/** Every hour, at minute 17 (away from the top of the hour, when other cron work piles up). */
export const DEFAULT_RETENTION_SCHEDULE = '17 * * * *';

/** Due times asked for at once: a day of the default schedule, so one child a day. */
export const RUNS_AHEAD = 24;

/** Wait before asking again when the schedule could not be computed. */
export const SCHEDULE_RETRY_MS = 10 * 60 * 1000;

/** The longest delay a Node.js timer takes (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link startRetentionJob}. */
export interface RetentionJobOptions {
  root: string;
  journal: Journal;
  logger: Logger;
  clock: Clock;
  /** When the schedule is due (node-cron in a child process: next-runs.ts). */
  nextRuns: NextRuns;
  /** @default 5 */
  maxRevisions?: number;
  /** A cron expression. @default DEFAULT_RETENTION_SCHEDULE */
  schedule?: string;
}

/** A started retention job. */
export interface RetentionJob {
  /** Stops the schedule; resolves once a pass that is running has finished. */
  stop(): Promise<void>;
}

/**
 * Runs one retention pass: every group keeps its last successful dir, and dirs of deployments
 * still running are never touched.
 */
export async function runRetention(opts: Pick<RetentionJobOptions, 'root' | 'journal' | 'maxRevisions'>): Promise<string[]> {
  const running = opts.journal.runningDeployments().map((d) => path.dirname(d.archiveDir));
  const keepFor = (groupId: string): Array<string | undefined> => [
    opts.journal.getGroupRevisions(groupId).lastSuccessfulDir,
    ...running,
  ];
  return pruneAllGroups(path.join(opts.root, 'deployments'), keepFor, opts.maxRevisions);
}

/**
 * Schedules {@link runRetention}: one pass at each due time, never two at once; a failed pass is
 * logged and retried at the next one. Times missed while the host slept or the agent was busy
 * give one pass, as soon as the agent sees them.
 */
export function startRetentionJob(opts: RetentionJobOptions): RetentionJob {
  const job = new RetentionSchedule(opts);
  job.start();
  return job;
}

class RetentionSchedule implements RetentionJob {
  private readonly log: Logger;
  private readonly schedule: string;
  /** The due times still ahead, in order. */
  private due: Date[] = [];
  private timer: TimerHandle | undefined;
  private pass: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(private readonly opts: RetentionJobOptions) {
    this.log = opts.logger.child({ component: 'retention' });
    this.schedule = opts.schedule ?? DEFAULT_RETENTION_SCHEDULE;
  }

  start(): void {
    void this.plan();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.disarm();
    await this.pass;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Asks node-cron (in a child) for the next due times, then waits for the first. */
  private async plan(): Promise<void> {
    let runs: Date[];
    try {
      runs = await this.opts.nextRuns(this.schedule, RUNS_AHEAD, this.abort.signal);
    } catch (err) {
      if (this.stopped) return;
      this.log.warn('maintenance schedule unavailable, asking again later', { error: (err as Error).message, retryMs: SCHEDULE_RETRY_MS });
      this.arm(SCHEDULE_RETRY_MS, () => void this.plan());
      return;
    }
    if (this.stopped) return;
    const now = this.opts.clock.now().getTime();
    this.due = runs.filter((d) => d.getTime() > now);
    this.waitForNext();
  }

  private waitForNext(): void {
    const next = this.due[0];
    if (next === undefined) {
      void this.plan();
      return;
    }
    const wait = next.getTime() - this.opts.clock.now().getTime();
    this.arm(Math.min(Math.max(wait, 0), MAX_TIMER_MS), () => this.onTimer());
  }

  private onTimer(): void {
    const now = this.opts.clock.now().getTime();
    const next = this.due[0];
    // Early: a wait longer than a timer allows, or the wall clock was set back meanwhile.
    if (next !== undefined && now < next.getTime()) {
      this.waitForNext();
      return;
    }
    this.due = this.due.filter((d) => d.getTime() > now);
    this.pass = this.runPass().then(() => {
      if (!this.stopped) this.waitForNext();
    });
  }

  private async runPass(): Promise<void> {
    try {
      const deleted = await runRetention(this.opts);
      if (deleted.length > 0) this.log.info('old deployment directories deleted', { count: deleted.length, deleted });
    } catch (err) {
      this.log.warn('retention pass failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private arm(ms: number, fn: () => void): void {
    this.disarm();
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
