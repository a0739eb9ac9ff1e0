import assert from 'node:assert/strict';
import { SlicedSender } from '../../../../coordinator/src/scheduler/sliced-sender.ts';

describe('SlicedSender', () => {
  it('hands out a send that fits in one slice before returning', () => {
    const got: number[] = [];
    const sender = new SlicedSender<number>((n) => got.push(n), 3);
    void sender.send([1, 2, 3]);
    assert.deepEqual(got, [1, 2, 3]);
  });

  it('hands out one slice, lets the event loop turn, then the next', async () => {
    const got: number[] = [];
    const turns: number[] = [];
    const sender = new SlicedSender<number>((n) => got.push(n), 2);
    // Queued before the send, as I/O waiting for its turn: it runs before the second slice.
    setImmediate(() => turns.push(got.length));
    const done = sender.send([1, 2, 3, 4, 5]);
    assert.deepEqual(got, [1, 2]);
    await done;
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
    assert.deepEqual(turns, [2]);
  });

  it('keeps the order of sends: a later one waits behind what an earlier one has not handed out', async () => {
    const got: string[] = [];
    const sender = new SlicedSender<string>((s) => got.push(s), 2);
    const first = sender.send(['a1', 'a2', 'a3', 'a4']);
    const second = sender.send(['b1']);
    assert.deepEqual(got, ['a1', 'a2']);
    await second;
    await first;
    assert.deepEqual(got, ['a1', 'a2', 'a3', 'a4', 'b1']);
    // Idle again: the next send goes at once.
    void sender.send(['c1']);
    assert.deepEqual(got.at(-1), 'c1');
  });

  it('refuses a slice that is not a positive integer', () => {
    assert.throws(() => new SlicedSender(() => undefined, 0), /slice must be a positive integer, got 0/);
  });
});
