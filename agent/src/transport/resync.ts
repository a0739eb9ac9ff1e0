/**
 * The agent's half of journal resynchronisation (protocol/src/journal-resync.ts), run on each
 * welcome before the outbox is acknowledged through the coordinator's cursor: when the
 * coordinator applied other events under seqs this journal is reusing (the journal was restored
 * from a backup, or the VM reverted), the journal's rows from there are renumbered to follow
 * the cursor, so none is dropped as already applied and none is applied twice. A coordinator
 * whose store lost commits needs nothing here: it welcomes with its older cursor, and the rows
 * it lacks, still kept, are sent again.
 */
import type { CoordBodies } from '../../../protocol/src/messages.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Outbox } from '../journal/outbox.ts';

type Welcome = CoordBodies['coord.welcome'];

/** Renumbers the outbox as the welcome requires; returns the rows moved. */
export function resyncOnWelcome(outbox: Pick<Outbox, 'rebase' | 'lastSeq' | 'ackedThrough'>, welcome: Welcome, log: Logger): number {
  if (welcome.rebase !== undefined) {
    const moved = outbox.rebase(welcome.rebase);
    log.error('journal behind the coordinator: it applied other events under seqs this journal holds (restored from a backup, or a reverted VM?); renumbered them to follow', {
      event: 'journal.resync',
      finding: 'journal_behind',
      fromSeq: welcome.rebase.fromSeq,
      toSeq: welcome.rebase.toSeq,
      rows: moved,
    });
    return moved;
  }
  const lastSeq = outbox.lastSeq();
  if (welcome.lastAppliedSeq <= lastSeq) return 0;
  // A coordinator from before resynchronisation: it names a cursor past anything this journal
  // ever handed out. Acknowledging through it would drop unsent rows; they follow it instead.
  const rebase = { fromSeq: Math.min(outbox.ackedThrough(), lastSeq) + 1, toSeq: welcome.lastAppliedSeq + 1 };
  const moved = outbox.rebase(rebase);
  log.error('journal behind the coordinator: its cursor is past every seq this journal handed out (restored from a backup, or a reverted VM?); renumbered the unsent events to follow', {
    event: 'journal.resync',
    finding: 'journal_behind',
    lastSeq,
    lastAppliedSeq: welcome.lastAppliedSeq,
    rows: moved,
  });
  return moved;
}
