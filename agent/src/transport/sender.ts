/**
 * Drains the journal outbox to the coordinator: after each welcome it marks what the coordinator
 * already applied, sends every row after its cursor in seq order (acknowledged ones too, for a
 * coordinator that lost them), follows new rows as they are journaled, and
 * deletes rows once acknowledged. Anything unacked is sent again after a reconnect, and also, on
 * the same connection, a while after the coordinator answered with a retryable coord.error: it
 * could not apply them then (its store was busy), and waiting for a reconnect that may never
 * come left the host's last event unapplied and its deployment InProgress. Sending a row twice
 * is harmless: the coordinator applies a seq once and acks its cursor (reliability.md §6).
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
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
  /** Times the resend after a retryable coord.error; without it, unacked rows wait for a reconnect. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /**
   * About how long to wait before that resend (between half and one and a half times this),
   * doubling while the coordinator keeps refusing, up to 60 s, until an ack moves. @default 5000
   */
  retryMs?: number;
  /** @default Math.random */
  random?: () => number;
}

/** The longest pause before resending refused rows. */
const MAX_RETRY_MS = 60_000;

export class OutboxSender {
  private ready = false;
  private sentThrough = 0;
  private ackedThrough = 0;
  private markFailing = false;
  private retry: TimerHandle | undefined;
  /** Resends since an ack last moved. */
  private retries = 0;

  constructor(private readonly deps: SenderDeps) {}

  /** The coordinator has applied everything up to `lastAppliedSeq`; start sending after it. */
  onWelcome(lastAppliedSeq: number): void {
    this.cancelRetry();
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
      this.retries = 0;
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
    this.cancelRetry();
  }

  /**
   * The coordinator answered a frame with a retryable coord.error: the rows sent and not acked yet
   * are sent again after a pause (jittered, so that hosts refused together do not come back
   * together). One resend is pending at a time; a welcome or a disconnect cancels it.
   */
  onRetryableError(): void {
    const { clock } = this.deps;
    if (!clock || !this.ready || this.retry !== undefined || this.sentThrough <= this.ackedThrough) return;
    const base = Math.min((this.deps.retryMs ?? 5000) * 2 ** this.retries, MAX_RETRY_MS);
    const delay = base * (0.5 + (this.deps.random ?? Math.random)());
    this.retries += 1;
    this.retry = clock.setTimeout(() => {
      this.retry = undefined;
      if (!this.ready || this.sentThrough <= this.ackedThrough) return;
      this.sentThrough = this.ackedThrough;
      this.flush();
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retry !== undefined) this.deps.clock?.clearTimeout(this.retry);
    this.retry = undefined;
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
