import assert from 'node:assert/strict';
import { batchSizes, batchTargets, decideStep, segmentHosts, type StepInput } from '../../../../coordinator/src/scheduler/steps.ts';
import { decide, type Progress } from '../../../../coordinator/src/scheduler/health.ts';

function progress(p: Partial<Progress> & { total: number }): Progress {
  return { pending: 0, inFlight: 0, succeeded: 0, failed: 0, ...p };
}

describe('scheduler/steps', () => {
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

  describe('decideStep', () => {
    const base = (over: Partial<StepInput>): StepInput => ({
      kind: 'list',
      all: progress({ total: 10, pending: 10 }),
      step: progress({ total: 1, pending: 1 }),
      m: 0,
      last: false,
      label: 'batch 1',
      ...over,
    });

    it('starts only the hosts of the current batch even when the rule allows more', () => {
      assert.deepEqual(decideStep(base({})), { action: 'start', count: 1 });
    });

    it('caps a batch by the minimum healthy hosts of the whole deployment', () => {
      // 10 hosts, at least 8 healthy: 2 may be offline at once, though the batch has 5.
      const d = decideStep(base({ m: 8, step: progress({ total: 5, pending: 5 }) }));
      assert.deepEqual(d, { action: 'start', count: 2 });
    });

    it('moves to the next batch once every host of a batch succeeded', () => {
      const d = decideStep(base({ all: progress({ total: 10, pending: 9, succeeded: 1 }), step: progress({ total: 1, succeeded: 1 }) }));
      assert.deepEqual(d, { action: 'next' });
    });

    it('stops before the next batch when a host of a batch failed', () => {
      const d = decideStep(base({ all: progress({ total: 10, pending: 9, failed: 1 }), step: progress({ total: 1, failed: 1 }) }));
      assert.equal(d.action, 'stop');
      assert.match((d as { message: string }).message, /batch 1: 1 of 1 instances failed/);
    });

    it('judges the last batch by the minimum-healthy rule alone', () => {
      const d = decideStep(base({ m: 2, last: true, all: progress({ total: 4, succeeded: 3, failed: 1 }), step: progress({ total: 3, succeeded: 2, failed: 1 }) }));
      assert.deepEqual(d, { action: 'finish', status: 'Succeeded' });
    });

    it('limits a segment by its own minimum healthy hosts', () => {
      const d = decideStep(base({ kind: 'segment', stepM: 2, step: progress({ total: 4, pending: 4 }) }));
      assert.deepEqual(d, { action: 'start', count: 2 });
    });

    it('stops when a segment has fewer successes than its minimum', () => {
      const d = decideStep(base({ kind: 'segment', stepM: 1, label: 'segment rack=a', step: progress({ total: 2, succeeded: 0, failed: 2 }) }));
      assert.equal(d.action, 'stop');
      assert.match((d as { message: string }).message, /segment rack=a: 0 of 2 instances succeeded/);
    });

    it('decides exactly as health.ts decide() with a single rule step', () => {
      const cases: Progress[] = [
        progress({ total: 4, pending: 4 }),
        progress({ total: 4, pending: 2, inFlight: 1, succeeded: 1 }),
        progress({ total: 4, pending: 2, failed: 1, succeeded: 1 }),
        progress({ total: 4, succeeded: 3, failed: 1 }),
      ];
      for (const p of cases) {
        for (const m of [0, 2, 3]) {
          assert.deepEqual(decideStep({ kind: 'rule', all: p, step: p, m, last: true, label: 'batch 1' }), decide(p, m), JSON.stringify({ p, m }));
        }
      }
    });
  });
});
