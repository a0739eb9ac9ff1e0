/**
 * Drains the journal outbox to the coordinator: after each welcome it marks what the coordinator
 * already applied, sends every row after its cursor in seq order (acknowledged ones too, for a
 * coordinator that lost them), follows new rows as they are journaled, and
 * deletes rows once acknowledged. Anything unacked is sent again after a reconnect.
 */
import type { AgentEventBody } from '../../../protocol/src/messages.ts';
import type { Outbox } from '../journal/outbox.ts';

export interface SenderDeps {
  outbox: Pick<Outbox, 'kept' | 'ackThrough'>;
  /** Sends one agent.event; false when the socket is gone (the row stays for the next connection). */
  send: (body: AgentEventBody) => boolean;
  /** Most rows in flight without an ack. @default 100 */
  window?: number;
  /**
   * Marking rows acknowledged in the journal failed (a full disk): sending goes on, and the next
   * acknowledgement marks them (acks are cumulative). Told once per run of failures.
   */
  markFailed?: (err: unknown, seq: number) => void;
}

export class OutboxSender {
  private ready = false;
  private sentThrough = 0;
  private ackedThrough = 0;
  private markFailing = false;

  constructor(private readonly deps: SenderDeps) {}

  /** The coordinator has applied everything up to `lastAppliedSeq`; start sending after it. */
  onWelcome(lastAppliedSeq: number): void {
    this.mark(lastAppliedSeq);
    this.ackedThrough = lastAppliedSeq;
    this.sentThrough = lastAppliedSeq;
    this.ready = true;
    this.flush();
  }

  /** Cumulative ack: rows ≤ `seq` are applied and can go. */
  onAck(seq: number): void {
    if (seq > this.ackedThrough) {
      this.mark(seq);
      this.ackedThrough = seq;
    }
    if (seq > this.sentThrough) this.sentThrough = seq;
    this.flush();
  }

  /** Marks rows ≤ `seq` acknowledged in the journal; a failure is told, not thrown. */
  private mark(seq: number): void {
    try {
      this.deps.outbox.ackThrough(seq);
      this.markFailing = false;
    } catch (err) {
      if (!this.markFailing) this.deps.markFailed?.(err, seq);
      this.markFailing = true;
    }
  }

  /** The socket closed: stop until the next welcome, which restarts from the coordinator's cursor. */
  onDisconnect(): void {
    this.ready = false;
  }

  /** Sends every pending row the window allows; called after welcome, acks and new journal rows. */
  flush(): void {
    if (!this.ready) return;
    const window = this.deps.window ?? 100;
    const room = this.ackedThrough + window - this.sentThrough;
    if (room <= 0) return;
    for (const body of this.deps.outbox.kept(this.sentThrough, room)) {
      if (!this.deps.send(body)) {
        this.ready = false;
        return;
      }
      this.sentThrough = body.seq;
    }
  }
}
