/**
 * The transactional outbox: agent.event bodies waiting for the coordinator's acknowledgement.
 * Rows are appended only inside the journal's state transitions (same transaction), so there is
 * no state without its event and no event without its state.
 */
import type { AgentEventBody } from '../../../protocol/src/messages.ts';
import { EVENT_TEXT_LIMITS as LIMITS } from '../../../protocol/src/wire.ts';
import type { JournalDb } from './db.ts';

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
    const rows = this.db
      .prepare('SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(afterSeq, limit) as Array<{ seq: number; body: string }>;
    return rows.map((row) => ({ ...(JSON.parse(row.body) as OutboxEvent), seq: row.seq }));
  }

  /** Deletes every row with seq ≤ `seq` (the coordinator applied them). Returns how many. */
  ackThrough(seq: number): number {
    return this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(seq).changes;
  }

  /** The highest seq ever handed out (0 when none), acked or not. */
  lastSeq(): number {
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
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
