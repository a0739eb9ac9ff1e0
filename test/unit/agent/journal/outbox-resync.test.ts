import assert from 'node:assert/strict';
import path from 'node:path';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { KEEP_ACKED_ROWS } from '../../../../agent/src/journal/outbox.ts';
import { resyncOnWelcome } from '../../../../agent/src/transport/resync.ts';
import type { Logger } from '../../../../common/src/logger.ts';
import { deployCommand, removeDir, tempDir } from './fixtures.ts';

const AT = new Date('2026-01-02T03:04:05.000Z');

/** A logger that keeps the error lines it is given. */
function recorder(): { log: Logger; errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = [];
  return { errors, log: { error: (message: string, fields: Record<string, unknown>) => errors.push({ message, ...fields }) } as unknown as Logger };
}

describe('the outbox across resynchronisation', () => {
  let dir: string;
  let journal: Journal;
  let next = 0;

  beforeEach(() => {
    dir = tempDir();
    journal = Journal.open(path.join(dir, 'agent.db'));
    journal.recordCommand(deployCommand('c-CMD0001', 'd-DEP0001'), AT);
    journal.startDeployment({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', deploymentGroupId: 'dg-GROUP01', archiveDir: '/x' }, AT);
    next = 0;
  });
  afterEach(() => {
    journal.close();
    removeDir(dir);
  });

  /** Journals `n` events (one outbox row each); returns their seqs. */
  function events(n: number): number[] {
    const before = journal.outbox.lastSeq();
    for (let i = 0; i < n; i++) journal.startEvent({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', event: `E${next++}` }, AT);
    return Array.from({ length: journal.outbox.lastSeq() - before }, (_, i) => before + 1 + i);
  }

  it('keeps acknowledged rows to send again, and lets go of the oldest beyond its limit', () => {
    events(5);
    journal.outbox.ackThrough(3);
    assert.deepEqual(journal.outbox.pending().map((r) => r.seq), [4, 5]);
    assert.deepEqual(journal.outbox.kept(1).map((r) => r.seq), [2, 3, 4, 5], 'acked rows are still there for a coordinator that lost them');
    assert.equal(journal.outbox.ackedThrough(), 3);
    journal.outbox.ackThrough(2);
    assert.equal(journal.outbox.ackedThrough(), 3, 'an older ack never moves it back');
    journal.outbox.ackThrough(KEEP_ACKED_ROWS + 3);
    assert.equal(journal.outbox.kept().length, 2, 'rows more than the limit behind the newest ack are gone');
    assert.equal(journal.outbox.position().firstKeptSeq, 4);
  });

  it('opens an epoch at the next seq each run and lists the newest few in its position', () => {
    const first = journal.outbox.openEpoch(AT);
    assert.equal(first.firstSeq, journal.outbox.lastSeq() + 1);
    events(3);
    const second = journal.outbox.openEpoch(AT);
    assert.equal(second.firstSeq, first.firstSeq + 3);
    for (let i = 0; i < 40; i++) journal.outbox.openEpoch(AT);
    const position = journal.outbox.position();
    assert.equal(position.epochs.length, 32);
    assert.ok(!position.epochs.some((e) => e.id === first.id), 'the oldest epochs are let go');
    assert.equal(position.lastSeq, journal.outbox.lastSeq());
  });

  it('renumbers rows and epochs from a seq, and hands out seqs after them', () => {
    events(2); // 1..2 (+ the deployment's rows before)
    const base = journal.outbox.lastSeq();
    const epoch = journal.outbox.openEpoch(AT);
    events(3);
    const moved = journal.outbox.rebase({ fromSeq: epoch.firstSeq, toSeq: 101 });
    assert.equal(moved, 3);
    assert.deepEqual(journal.outbox.kept(base).map((r) => r.seq), [101, 102, 103]);
    assert.equal(journal.outbox.position().epochs.at(-1)?.firstSeq, 101);
    assert.deepEqual(events(1), [104]);
  });

  it('moves the next seq past the coordinator\'s cursor even with no row to move', () => {
    events(2);
    journal.outbox.ackThrough(journal.outbox.lastSeq());
    const last = journal.outbox.lastSeq();
    assert.equal(journal.outbox.rebase({ fromSeq: last + 1, toSeq: 51 }), 0);
    assert.deepEqual(events(1), [51]);
  });

  it('on a welcome from a coordinator that applied more than this journal holds, keeps the unsent rows by renumbering them', () => {
    // An old coordinator (no rebase in its welcome) with cursor 40; this journal never went past a few.
    events(3);
    const unsent = journal.outbox.pending().map((r) => r.lifecycleEvent);
    const { log, errors } = recorder();
    const moved = resyncOnWelcome(journal.outbox, { instanceId: 'i-X', lastAppliedSeq: 40, heartbeatMs: 1000 }, log);
    assert.ok(moved > 0);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.['finding'], 'journal_behind');
    journal.outbox.ackThrough(40);
    assert.deepEqual(journal.outbox.pending().map((r) => r.lifecycleEvent), unsent, 'nothing unsent was dropped as applied');
    assert.ok(journal.outbox.pending().every((r) => r.seq > 40));
  });

  it('on a welcome with a rebase, renumbers as told and says so', () => {
    events(3);
    const { log, errors } = recorder();
    const from = journal.outbox.lastSeq() - 1;
    const moved = resyncOnWelcome(journal.outbox, { instanceId: 'i-X', lastAppliedSeq: 60, heartbeatMs: 1000, rebase: { fromSeq: from, toSeq: 61 } }, log);
    assert.equal(moved, 2);
    assert.equal(errors.length, 1);
    assert.deepEqual(journal.outbox.kept(from - 1).map((r) => r.seq), [61, 62]);
  });

  it('on a welcome in step, moves nothing', () => {
    events(3);
    const { log, errors } = recorder();
    const moved = resyncOnWelcome(journal.outbox, { instanceId: 'i-X', lastAppliedSeq: 2, heartbeatMs: 1000 }, log);
    assert.equal(moved, 0);
    assert.deepEqual(errors, []);
  });
});
