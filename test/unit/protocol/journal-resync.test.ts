import assert from 'node:assert/strict';
import { decideResync, rebasedEpochs, type JournalEpochBody, type JournalPositionBody } from '../../../protocol/src/index.ts';

const e = (id: string, firstSeq: number): JournalEpochBody => ({ id: `epoch-${id}`, firstSeq });
const position = (epochs: JournalEpochBody[], lastSeq: number, ackedThrough: number, firstKeptSeq = 1): JournalPositionBody => ({
  epochs,
  lastSeq,
  ackedThrough,
  firstKeptSeq,
});

describe('journal resynchronisation: the decision', () => {
  it('finds an agent that restarted (a new epoch after the cursor) in step', () => {
    const d = decideResync(30, [e('a', 1), e('b', 10)], position([e('a', 1), e('b', 10), e('c', 31)], 34, 30));
    assert.equal(d.finding, 'in_step');
    assert.equal(d.cursor, 30);
    assert.equal(d.rebase, undefined);
    assert.deepEqual(d.epochs.map((x) => x.id), ['epoch-a', 'epoch-b', 'epoch-c']);
  });

  it('finds a first hello (nothing known yet) in step', () => {
    assert.equal(decideResync(0, [], position([e('a', 1)], 0, 0)).finding, 'in_step');
    assert.equal(decideResync(12, [], position([e('a', 1)], 12, 12)).finding, 'in_step');
  });

  it('has the agent send again what a coordinator that lost commits no longer has', () => {
    // The store went back to 15; the agent had acks through 30 and keeps its rows from 1.
    const d = decideResync(15, [e('a', 1)], position([e('a', 1)], 30, 30, 1));
    assert.equal(d.finding, 'coordinator_behind');
    assert.equal(d.cursor, 15);
  });

  it('moves the cursor, naming the seqs lost, when the agent no longer holds them', () => {
    const d = decideResync(15, [e('a', 1)], position([e('a', 1)], 40, 40, 21));
    assert.equal(d.finding, 'events_lost');
    assert.equal(d.cursor, 20);
    assert.deepEqual(d.lost, { fromSeq: 16, toSeq: 20 });
  });

  it('has an agent whose journal went back renumber its new rows after the cursor', () => {
    // Backup at 15; the coordinator applied 16..30 of the old history; the restored journal
    // opened a new epoch at 16 and has written nothing yet, or a little.
    const d = decideResync(30, [e('a', 1), e('b', 10)], position([e('a', 1), e('b', 10), e('r', 16)], 18, 15, 1));
    assert.equal(d.finding, 'diverged');
    assert.deepEqual(d.rebase, { fromSeq: 16, toSeq: 31 });
    assert.deepEqual(d.epochs, [e('a', 1), e('b', 10), e('r', 31)]);
  });

  it('tells a restored journal that has written past the cursor from one in step, by its epochs', () => {
    // Seqs alone look in step (35 ≥ 30): the epoch covering 16..30 is not the one the coordinator saw.
    const d = decideResync(30, [e('a', 1), e('b', 20)], position([e('a', 1), e('r', 16)], 35, 15));
    assert.equal(d.finding, 'diverged');
    assert.deepEqual(d.rebase, { fromSeq: 16, toSeq: 31 });
  });

  it('renumbers from the agent\'s last seq when it is behind without a new epoch to show it', () => {
    // An agent from the same epoch (no restart recorded) that has fewer rows than were applied.
    const d = decideResync(30, [e('a', 1)], position([e('a', 1)], 15, 15));
    assert.equal(d.finding, 'agent_behind');
    assert.deepEqual(d.rebase, { fromSeq: 16, toSeq: 31 });
  });

  it('agrees where either list was cut short', () => {
    assert.equal(decideResync(100, [e('x', 90)], position([e('y', 95)], 120, 100)).finding, 'diverged');
    assert.equal(decideResync(100, [e('x', 90)], position([e('x', 90), e('y', 101)], 120, 100)).finding, 'in_step');
    assert.equal(decideResync(100, [e('w', 50), e('x', 90)], position([e('x', 90)], 120, 100)).finding, 'in_step');
  });

  it('shifts only the epochs from the rebase on', () => {
    assert.deepEqual(rebasedEpochs([e('a', 1), e('b', 16), e('c', 20)], { fromSeq: 16, toSeq: 31 }), [e('a', 1), e('b', 31), e('c', 35)]);
  });
});
