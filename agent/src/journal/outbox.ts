/**
 * The transactional outbox: agent.event bodies waiting for the coordinator's acknowledgement.
 * Rows are appended only inside the journal's state transitions (same transaction), so there is
 * no state without its event and no event without its state.
 *
 * Acknowledged rows are kept (the newest {@link KEEP_ACKED_ROWS}), so a coordinator whose store
 * went back in time can have them again; the journal's epochs and a renumbering let a journal
 * that went back in time itself catch up without any event applied twice (journal-resync.ts).
 */
import { randomBytes } from 'node:crypto';
import { JOURNAL_EPOCHS_MAX, type AgentEventBody, type JournalEpochBody, type JournalPositionBody, type RebaseBody } from '../../../protocol/src/messages.ts';
import { EVENT_TEXT_LIMITS as LIMITS } from '../../../protocol/src/wire.ts';
import type { JournalDb } from './db.ts';

/** Acknowledged rows kept to send again to a coordinator that lost them (a few MB at most). */
export const KEEP_ACKED_ROWS = 10_000;

/** An agent.event body before the outbox gives it its sequence number. */
export type OutboxEvent = Omit<AgentEventBody, 'seq'>;

/** Called after a transaction that appended rows has committed. */
export type OutboxListener = () => void;

function clip(text: string, max: number, keepEnd: boolean): string {
  if (text.length <= max) return text;
  return keepEnd ? text.slice(text.length - max) : text.slice(0, max);
}

/** Trims text fields to what the protocol accepts; a log tail keeps its end. */
function fitToWire(event: OutboxEvent): OutboxEvent {
  const out: OutboxEvent = { ...event };
  if (out.message !== undefined) out.message = clip(out.message, LIMITS.message, false);
  if (out.scriptName !== undefined) out.scriptName = clip(out.scriptName, LIMITS.scriptName, false);
  if (out.logTail !== undefined) out.logTail = clip(out.logTail, LIMITS.logTail, true);
  return out;
}

export class Outbox {
  private readonly listeners = new Set<OutboxListener>();

  constructor(private readonly db: JournalDb) {}

  /** Appends one row; call only inside a journal transaction. Returns its seq. */
  append(event: OutboxEvent, at: Date): number {
    const info = this.db
      .prepare('INSERT INTO outbox (body, created_at) VALUES (?, ?)')
      .run(JSON.stringify(fitToWire(event)), at.toISOString());
    return Number(info.lastInsertRowid);
  }

  /** Unacknowledged rows with seq > `afterSeq`, oldest first, with their seq filled in. */
  pending(afterSeq = 0, limit = 1000): AgentEventBody[] {
    return this.rows('SELECT seq, body FROM outbox WHERE acked = 0 AND seq > ? ORDER BY seq LIMIT ?', afterSeq, limit);
  }

  /** Every row still held with seq > `afterSeq`, acknowledged or not: what to send after a welcome. */
  kept(afterSeq = 0, limit = 1000): AgentEventBody[] {
    return this.rows('SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit);
  }

  private rows(sql: string, afterSeq: number, limit: number): AgentEventBody[] {
    const rows = this.db.prepare(sql).all(afterSeq, limit) as Array<{ seq: number; body: string }>;
    return rows.map((row) => ({ ...(JSON.parse(row.body) as OutboxEvent), seq: row.seq }));
  }

  /**
   * Marks every row with seq ≤ `seq` acknowledged (the coordinator applied them), and lets go of
   * acknowledged rows beyond the newest {@link KEEP_ACKED_ROWS}. Returns how many were newly acked.
   */
  ackThrough(seq: number): number {
    return this.db.transaction(() => {
      const changes = this.db.prepare('UPDATE outbox SET acked = 1 WHERE acked = 0 AND seq <= ?').run(seq).changes;
      this.db.prepare('UPDATE outbox_state SET acked_through = MAX(acked_through, ?) WHERE id = 1').run(seq);
      this.db.prepare('DELETE FROM outbox WHERE acked = 1 AND seq <= ?').run(seq - KEEP_ACKED_ROWS);
      return changes;
    })();
  }

  /** The highest seq ever handed out (0 when none), acked or not. */
  lastSeq(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
  }

  /** The highest seq the coordinator ever acknowledged to this journal. */
  ackedThrough(): number {
    return (this.db.prepare('SELECT acked_through FROM outbox_state WHERE id = 1').get() as { acked_through: number } | undefined)?.acked_through ?? 0;
  }

  /**
   * Starts a new epoch (one per run of the agent, never by a command that only reads the
   * journal): its first seq is the next one to be handed out. Keeps the newest few.
   */
  openEpoch(at: Date): JournalEpochBody {
    const epoch = { id: randomBytes(12).toString('base64url'), firstSeq: this.lastSeq() + 1 };
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO journal_epochs (id, first_seq, opened_at) VALUES (?, ?, ?)').run(epoch.id, epoch.firstSeq, at.toISOString());
      this.db
        .prepare('DELETE FROM journal_epochs WHERE id NOT IN (SELECT id FROM journal_epochs ORDER BY first_seq DESC, rowid DESC LIMIT ?)')
        .run(JOURNAL_EPOCHS_MAX);
    })();
    return epoch;
  }

  /** Where the outbox stands, for agent.hello. */
  position(): JournalPositionBody {
    const epochs = this.db.prepare('SELECT id, first_seq FROM journal_epochs ORDER BY first_seq, rowid').all() as Array<{ id: string; first_seq: number }>;
    const lastSeq = this.lastSeq();
    const first = (this.db.prepare('SELECT MIN(seq) AS seq FROM outbox').get() as { seq: number | null }).seq;
    return {
      epochs: epochs.map((e) => ({ id: e.id, firstSeq: e.first_seq })),
      lastSeq,
      ackedThrough: this.ackedThrough(),
      firstKeptSeq: first ?? lastSeq + 1,
    };
  }

  /**
   * Renumbers the rows (and epochs) from `fromSeq` on to start at `toSeq`, and has the next seq
   * handed out follow them: the coordinator applied other events under those seqs. Returns how
   * many rows moved.
   */
  rebase(rebase: RebaseBody): number {
    const shift = rebase.toSeq - rebase.fromSeq;
    if (shift <= 0) return 0;
    return this.db.transaction(() => {
      // Through negatives: one UPDATE of a primary key in place could collide with itself.
      const moved = this.db.prepare('UPDATE outbox SET seq = -(seq + ?) WHERE seq >= ?').run(shift, rebase.fromSeq).changes;
      this.db.prepare('UPDATE outbox SET seq = -seq WHERE seq < 0').run();
      this.db.prepare('UPDATE journal_epochs SET first_seq = first_seq + ? WHERE first_seq >= ?').run(shift, rebase.fromSeq);
      const next = Math.max(rebase.toSeq - 1, this.lastSeq() >= rebase.fromSeq ? this.lastSeq() + shift : this.lastSeq());
      this.db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox'").run(next);
      if (this.db.prepare("SELECT 1 FROM sqlite_sequence WHERE name = 'outbox'").get() === undefined) {
        this.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(next);
      }
      return moved;
    })();
  }

  /** Registers a listener told after rows are committed; returns its remover. */
  subscribe(listener: OutboxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells listeners that new rows are committed. The journal calls this after each commit. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
