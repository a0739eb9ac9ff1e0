import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { InFlight } from '../../../../agent/src/bundle/extract-pool.ts';

describe('InFlight', () => {
  it('never runs more than its limit at once', async () => {
    const pool = new InFlight(3);
    let running = 0;
    let most = 0;
    for (let i = 0; i < 10; i++) {
      await pool.add(async () => {
        running += 1;
        most = Math.max(most, running);
        await delay(5);
        running -= 1;
      });
    }
    await pool.drain();
    assert.equal(most, 3);
  });

  it('rejects the next add with the first failure', async () => {
    const pool = new InFlight(1);
    await pool.add(() => Promise.reject(new Error('first')));
    await assert.rejects(pool.add(() => Promise.resolve()), /first/);
  });

  it('lets settle wait for every started task even after a failure', async () => {
    const pool = new InFlight(2);
    let finished = false;
    await pool.add(async () => {
      await delay(20);
      finished = true;
    });
    await pool.add(() => Promise.reject(new Error('boom')));
    await pool.settle();
    assert.equal(finished, true);
    await assert.rejects(pool.drain(), /boom/);
  });
});
