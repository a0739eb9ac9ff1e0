import assert from 'node:assert/strict';
import { backoffDelayMs } from '../../../../agent/src/transport/backoff.ts';

describe('backoffDelayMs', () => {
  it('doubles the ceiling from 0.5 s per attempt', () => {
    const top = () => 0.999999;
    assert.deepEqual([0, 1, 2, 3].map((n) => Math.round(backoffDelayMs(n, top) / 10) * 10), [500, 1000, 2000, 4000]);
  });

  it('never exceeds 30 s however many attempts failed', () => {
    assert.ok(backoffDelayMs(50, () => 0.999999) < 30_000);
  });

  it('spreads delays over the whole range (full jitter)', () => {
    assert.equal(backoffDelayMs(3, () => 0), 0);
    assert.equal(backoffDelayMs(3, () => 0.5), 2000);
  });
});
