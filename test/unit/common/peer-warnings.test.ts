import assert from 'node:assert/strict';
import { PeerWarnings } from '../../../common/src/peer-warnings.ts';
import { FakeClock } from '../coordinator/api/harness.ts';
import { capturingLogger, linesWith } from '../../support/capture-log.ts';

describe('PeerWarnings', () => {
  let clock: FakeClock;
  let lines: string[];
  const make = (limits = {}) => new PeerWarnings({ clock, log: capturingLogger(lines), field: 'instanceId', perInterval: 3, intervalMs: 60_000, ...limits });
  beforeEach(() => {
    clock = new FakeClock();
    lines = [];
  });

  it('logs the first warnings of a peer, then one summary with the count held back', () => {
    const w = make();
    for (let i = 0; i < 100; i++) w.warn('i-A', 'bad agent frame', { n: i });
    assert.equal(linesWith(lines, 'bad agent frame').length, 3);
    clock.advance(60_000);
    w.flush();
    const summaries = linesWith(lines, 'repeated warnings suppressed');
    assert.equal(summaries.length, 1);
    assert.deepEqual([summaries[0]?.['instanceId'], summaries[0]?.['suppressed'], summaries[0]?.['example']], ['i-A', 97, 'bad agent frame']);
    assert.equal(w.trackedPeers(), 0, 'a peer whose interval is over is forgotten');
  });

  it('limits each peer on its own', () => {
    const w = make();
    for (let i = 0; i < 10; i++) w.warn('i-A', 'bad agent frame');
    w.warn('i-B', 'bad agent frame');
    const logged = linesWith(lines, 'bad agent frame').map((l) => l['instanceId']);
    assert.deepEqual(logged, ['i-A', 'i-A', 'i-A', 'i-B']);
  });

  it('starts a new interval with the summary of the last one when the peer warns again', () => {
    const w = make();
    for (let i = 0; i < 5; i++) w.warn('i-A', 'bad agent frame');
    clock.advance(61_000);
    w.warn('i-A', 'bad agent frame');
    assert.equal(linesWith(lines, 'repeated warnings suppressed')[0]?.['suppressed'], 2);
    assert.equal(linesWith(lines, 'bad agent frame').length, 4);
  });

  it('writes no summary when nothing was held back', () => {
    const w = make();
    w.warn('i-A', 'bad agent frame');
    clock.advance(60_000);
    w.flush();
    assert.equal(linesWith(lines, 'repeated warnings suppressed').length, 0);
  });

  it('tracks at most maxPeers peers and counts the others together', () => {
    const w = make({ maxPeers: 10 });
    for (let i = 0; i < 1000; i++) w.warn(`10.0.${i >> 8}.${i & 255}`, 'agent connection refused');
    assert.equal(w.trackedPeers(), 10);
    assert.equal(linesWith(lines, 'agent connection refused').length, 10);
    clock.advance(60_000);
    w.flush();
    const other = linesWith(lines, 'repeated warnings suppressed').find((l) => l['instanceId'] === '(peers beyond the tracked limit)');
    assert.equal(other?.['suppressed'], 990);
  });
});
