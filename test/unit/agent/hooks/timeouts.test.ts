import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock, TimerHandle } from '../../../../common/src/clock.ts';
import { systemClock } from '../../../../common/src/clock.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import { atDeadline } from '../../../../agent/src/hooks/run-script.ts';
import { eventTimeoutSeconds } from '../../../../agent/src/hooks/runner.ts';
import { FIXTURES, TempDeployment, killLeftovers } from './helpers.ts';

/** A clock whose time moves only when told; fires due timers on `advance`. */
class ManualClock implements Clock {
  private t = 0;
  readonly delays: number[] = [];
  private timers: Array<{ at: number; fn: () => void }> = [];
  now = (): Date => new Date(this.t);
  monotonicMs = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): TimerHandle => {
    this.delays.push(ms);
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return timer as unknown as TimerHandle;
  };
  clearTimeout = (handle: TimerHandle): void => {
    this.timers = this.timers.filter((t) => t !== (handle as unknown));
  };
  advance(ms: number): void {
    this.t += ms;
    for (let due = this.timers.find((t) => t.at <= this.t); due; due = this.timers.find((t) => t.at <= this.t)) {
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
}

const DAY_MS = 24 * 3600 * 1000;

describe('timeouts', () => {
  describe('atDeadline', () => {
    it('waits for a deadline beyond the 24.8-day timer limit in slices, firing only at the deadline', () => {
      const clock = new ManualClock();
      let fired = false;
      atDeadline(clock, 30 * DAY_MS, () => {
        fired = true;
      });
      assert.ok(clock.delays.every((d) => d <= 2 ** 31 - 1), `timer delays ${clock.delays.join(', ')}`);
      clock.advance(29 * DAY_MS);
      assert.equal(fired, false);
      clock.advance(DAY_MS);
      assert.equal(fired, true);
    });

    it('stops waiting when cancelled', () => {
      const clock = new ManualClock();
      let fired = false;
      const cancel = atDeadline(clock, 1000, () => {
        fired = true;
      });
      cancel();
      clock.advance(2000);
      assert.equal(fired, false);
    });
  });

  describe('HookRunner#runEvent', () => {
    let dep: TempDeployment;
    const toKill: number[] = [];
    beforeEach(() => {
      dep = new TempDeployment();
    });
    afterEach(() => {
      killLeftovers(toKill);
      dep.remove();
    });

    it('honours a timeout of 30 days (no hidden cap: Node would fire such a timer after 1 ms)', async () => {
      dep.script('slow.sh', '#!/bin/sh\nsleep 0.3\necho done\n');
      const result = await createHookRunner({ clock: systemClock }).runEvent(
        dep.request([{ location: 'slow.sh', timeoutSeconds: 30 * 24 * 3600 }]),
      );
      assert.equal(result.status, 'Succeeded', result.message);
    });

    it('gives the next script its whole timeout when a daemon of the previous one holds the output files', async () => {
      const pidFile = path.join(dep.root, 'daemon.pid');
      dep.script('hang.sh', '#!/bin/sh\nsleep 30\n');
      fs.copyFileSync(path.join(FIXTURES, 'fork-daemon.js'), path.join(dep.archiveDir, 'fork-daemon.js'));
      // With pipes, the daemon held stdout for a drain that ate the event's 2 s total; output
      // files have nothing to drain, so hang.sh times out on its own 1 s.
      const runner = createHookRunner({ clock: systemClock, killGraceMs: 200 });
      const req = dep.request([{ location: 'fork-daemon.js', timeoutSeconds: 1 }, { location: 'hang.sh', timeoutSeconds: 1 }]);
      req.env = { ...req.env, DAEMON_PID_FILE: pidFile };
      const started = performance.now();
      const result = await runner.runEvent(req);
      toKill.push(Number(fs.readFileSync(pidFile, 'utf8')));
      assert.equal(result.errorCode, 'ScriptTimedOut');
      assert.equal(result.message, 'Script at specified location: hang.sh failed to complete in 1 seconds');
      assert.ok(performance.now() - started < 3500, `took ${performance.now() - started} ms`);
    });

    it('computes the event total as the sum of the script timeouts', () => {
      assert.equal(eventTimeoutSeconds([{ location: 'a', timeoutSeconds: 300 }, { location: 'b', timeoutSeconds: 3600 }]), 3900);
    });
  });
});
