import assert from 'node:assert/strict';
import path from 'node:path';
import { nextRunsInChild } from '../../../../agent/src/maintenance/next-runs.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
/** The agent from its sources, as the running agent starts itself again. */
const AGENT = { node: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'agent', 'src', 'main.ts')] };

describe('nextRunsInChild', function () {
  this.timeout(60_000);

  it("gives node-cron's next due times of a schedule, computed by the agent in a child process", async function () {
    const before = Date.now();
    const runs = await nextRunsInChild(AGENT)('17 * * * *', 3);
    assert.equal(runs.length, 3);
    for (const [i, run] of runs.entries()) {
      assert.equal(run.getUTCSeconds(), 0);
      assert.ok(run.getTime() > before);
      if (i > 0) assert.equal(run.getTime() - runs[i - 1]!.getTime(), 3600_000);
    }
    // Minute 17 of the local time zone, whatever its offset from UTC.
    assert.equal(runs[0]!.getMinutes(), 17);
  });

  it('fails naming the schedule when node-cron refuses it', async function () {
    await assert.rejects(nextRunsInChild(AGENT)('61 * * * *', 3), /computing the schedule "61 \* \* \* \*" failed: bad schedule/);
  });
});
