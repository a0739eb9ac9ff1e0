import assert from 'node:assert/strict';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { CommandDispatcher } from '../../../../agent/src/transport/dispatch.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';

describe('CommandDispatcher', () => {
  let root: string;
  let journal: Journal;
  let acks: string[];
  let queued: string[];
  let dispatcher: CommandDispatcher;

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    acks = [];
    queued = [];
    dispatcher = new CommandDispatcher({
      clock: systemClock,
      logger: silentLogger(),
      journal,
      queue: { enqueue: (id) => queued.push(id), cancel: () => false },
      ack: (id) => acks.push(id),
    });
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  it('journals a command before acknowledging and enqueuing it', () => {
    let journaledAtAck = false;
    dispatcher = new CommandDispatcher({
      clock: systemClock,
      logger: silentLogger(),
      journal,
      queue: { enqueue: (id) => queued.push(id), cancel: () => false },
      ack: (id) => {
        journaledAtAck = journal.getCommand(id) !== undefined;
        acks.push(id);
      },
    });
    dispatcher.onCommand(deployCommand('c-CMD0001', 'd-DEP0001'));
    assert.equal(journaledAtAck, true);
    assert.deepEqual(queued, ['c-CMD0001']);
  });

  it('only re-acknowledges a re-delivered command', () => {
    dispatcher.onCommand(deployCommand('c-CMD0001', 'd-DEP0001'));
    dispatcher.onCommand(deployCommand('c-CMD0001', 'd-DEP0001'));
    assert.deepEqual(acks, ['c-CMD0001', 'c-CMD0001']);
    assert.deepEqual(queued, ['c-CMD0001']);
  });

  it('neither acknowledges nor journals commands once stopped', () => {
    dispatcher.stop();
    dispatcher.onCommand(deployCommand('c-CMD0001', 'd-DEP0001'));
    assert.deepEqual(acks, []);
    assert.equal(journal.getCommand('c-CMD0001'), undefined);
  });
});
