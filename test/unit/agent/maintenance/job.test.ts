import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock, TimerHandle } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { DEFAULT_RETENTION_SCHEDULE, RUNS_AHEAD, SCHEDULE_RETRY_MS, startRetentionJob, type RetentionJob } from '../../../../agent/src/maintenance/job.ts';
import type { NextRuns } from '../../../../agent/src/maintenance/next-runs.ts';

/** A wall clock the test moves; timers fire when it passes them. */
class ManualClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;
  constructor(private current: number) {}
  now(): Date {
    return new Date(this.current);
  }
  monotonicMs(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ at: this.current + ms, fn, id });
    return id as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== (handle as unknown as number));
  }
  /** Pending timers' delays from now. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.current);
  }
  /** Moves the wall clock without firing anything (a clock set back, a host waking up). */
  set(ms: number): void {
    this.current = ms;
  }
  /** Fires the earliest timer, moving the clock to it first when it lies ahead (unless `move` is false). */
  async fireNext(move = true): Promise<void> {
    const t = this.timers.sort((a, b) => a.at - b.at).shift();
    assert.ok(t, 'a timer is pending');
    if (move) this.current = Math.max(this.current, t.at);
    t.fn();
    await this.armed();
  }
  /** Resolves once a timer is pending: the job arms one when it has planned or finished a pass. */
  async armed(): Promise<void> {
    for (let waited = 0; this.timers.length === 0; waited++) {
      assert.ok(waited < 5000, 'the job armed a timer');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

const HOUR = 3600_000;
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);

describe('the retention job', function () {
  let dir: string;
  let journal: Journal;
  let clock: ManualClock;
  let asked: Array<{ schedule: string; count: number; at: number }>;
  let answers: Array<Date[] | Error>;
  let job: RetentionJob | undefined;
  const logger = silentLogger();

  /** Due times every hour at :17 from `from`, as node-cron would give them. */
  function hourly(from: number, count: number): Date[] {
    const first = Math.floor(from / HOUR) * HOUR + 17 * 60_000;
    return Array.from({ length: count }, (_, i) => new Date((first <= from ? first + HOUR : first) + i * HOUR));
  }
  const nextRuns: NextRuns = async (schedule, count) => {
    asked.push({ schedule, count, at: clock.now().getTime() });
    const answer = answers.shift() ?? hourly(clock.now().getTime(), count);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  /** Groups with more deployment dirs than are kept, so a pass has something to delete. */
  function makeOldDirs(n: number): string {
    const group = path.join(dir, 'deployments', 'dg-A');
    for (let i = 0; i < n; i++) {
      fs.mkdirSync(path.join(group, `d-${i}`), { recursive: true });
      const when = new Date(Date.UTC(2029, 0, 1, 0, i));
      fs.utimesSync(path.join(group, `d-${i}`), when, when);
    }
    return group;
  }

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-retention-job-'));
    journal = Journal.open(path.join(dir, 'agent.db'));
    clock = new ManualClock(T0);
    asked = [];
    answers = [];
  });
  afterEach(async function () {
    await job?.stop();
    job = undefined;
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('asks node-cron for a day of due times of the default schedule and waits for the first', async function () {
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns });
    await clock.armed();
    assert.deepEqual(asked, [{ schedule: DEFAULT_RETENTION_SCHEDULE, count: RUNS_AHEAD, at: T0 }]);
    assert.deepEqual(clock.pending(), [17 * 60_000]);
  });

  it('prunes when a due time comes, then waits for the next one without asking again', async function () {
    const group = makeOldDirs(8);
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns, maxRevisions: 2 });
    await clock.armed();
    await clock.fireNext();
    assert.equal(fs.readdirSync(group).length, 2);
    assert.equal(asked.length, 1);
    assert.deepEqual(clock.pending(), [HOUR]);
  });

  it('asks again once the due times it has are used up', async function () {
    answers.push([new Date(T0 + 1000), new Date(T0 + 2000)]);
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns });
    await clock.armed();
    await clock.fireNext();
    await clock.fireNext();
    assert.deepEqual(asked.map((a) => a.at), [T0, T0 + 2000]);
  });

  it('prunes once for due times missed while the host slept, and goes on from the next one', async function () {
    const group = makeOldDirs(4);
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns, maxRevisions: 1 });
    await clock.armed();
    clock.set(T0 + 5 * HOUR);
    await clock.fireNext();
    assert.equal(fs.readdirSync(group).length, 1);
    assert.deepEqual(clock.pending(), [17 * 60_000]);
  });

  it('waits again when its timer comes before the due time (the wall clock was set back)', async function () {
    const group = makeOldDirs(4);
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns, maxRevisions: 1 });
    await clock.armed();
    clock.set(T0 - HOUR);
    await clock.fireNext(false);
    assert.equal(fs.readdirSync(group).length, 4);
    assert.deepEqual(clock.pending(), [HOUR + 17 * 60_000]);
  });

  it('asks again later when the schedule cannot be computed', async function () {
    answers.push(new Error('spawn ENOMEM'));
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns });
    await clock.armed();
    assert.deepEqual(clock.pending(), [SCHEDULE_RETRY_MS]);
    await clock.fireNext();
    assert.equal(asked.length, 2);
    assert.deepEqual(clock.pending(), [hourly(T0 + SCHEDULE_RETRY_MS, 1)[0]!.getTime() - (T0 + SCHEDULE_RETRY_MS)]);
  });

  it('leaves no timer once stopped', async function () {
    job = startRetentionJob({ root: dir, journal, logger, clock, nextRuns });
    await clock.armed();
    await job.stop();
    assert.deepEqual(clock.pending(), []);
  });
});
