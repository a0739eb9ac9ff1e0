import assert from 'node:assert/strict';
import { batchSizes, batchTargets, segmentHosts } from '../../../../../coordinator/src/scheduler/policy/rollout-steps.ts';

describe('scheduler/policy/rollout-steps', () => {
  describe('batchTargets (cumulative batch list)', () => {
    it('turns [1, "10%", "100%"] on 50 hosts into 1, 5 and 50 hosts done', () => {
      assert.deepEqual(batchTargets([1, '10%', '100%'], 50), [1, 5, 50]);
    });

    it('rounds a percentage up, so 10% of 5 hosts is 1 host', () => {
      assert.deepEqual(batchTargets(['10%', '100%'], 5), [1, 5]);
    });

    it('rounds 33% of 10 hosts up to 4', () => {
      assert.deepEqual(batchTargets(['33%', '100%'], 10), [4, 10]);
    });

    it('drops an entry that adds no host, as 10% of 5 after a canary of 1', () => {
      assert.deepEqual(batchTargets([1, '10%', '100%'], 5), [1, 5]);
    });

    it('caps counts larger than the fleet at its size', () => {
      assert.deepEqual(batchTargets([2, 10], 4), [2, 4]);
    });

    it('adds a last batch with the hosts left after the last entry', () => {
      assert.deepEqual(batchTargets([1, '50%'], 10), [1, 5, 10]);
    });

    it('gives batch sizes as differences of the cumulative targets', () => {
      assert.deepEqual(batchSizes([1, '10%', '100%'], 50), [1, 4, 45]);
    });
  });

  describe('segmentHosts', () => {
    const tags: Record<string, string | undefined> = { a: 'rack-b', b: undefined, c: 'rack-a', d: 'rack-b', e: 'rack-a' };

    it('orders segments by tag value with untagged hosts last', () => {
      const segments = segmentHosts(['a', 'b', 'c', 'd', 'e'], (h) => tags[h]);
      assert.deepEqual(segments.map((s) => s.value), ['rack-a', 'rack-b', null]);
    });

    it('keeps the hosts in their incoming order inside a segment', () => {
      const segments = segmentHosts(['a', 'b', 'c', 'd', 'e'], (h) => tags[h]);
      assert.deepEqual(segments.map((s) => s.hosts), [['c', 'e'], ['a', 'd'], ['b']]);
    });
  });
});
