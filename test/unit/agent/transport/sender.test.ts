import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '../../../../common/src/clock.ts';
import type { AgentEventBody } from '../../../../protocol/src/messages.ts';
import { OutboxSender } from '../../../../agent/src/transport/sender.ts';

function row(seq: number): AgentEventBody {
  return { seq, commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', lifecycleEvent: 'Install', status: 'InProgress', at: new Date(0).toISOString() };
}

describe('OutboxSender', () => {
  it('keeps sending when marking acknowledged rows fails (a full disk), tells it once, and marks them with the next ack', () => {
    const rows = [1, 2, 3, 4, 5].map(row);
    const marked: number[] = [];
    let full = false;
    const sent: number[] = [];
    const failures: number[] = [];
    const sender = new OutboxSender({
      outbox: {
        kept: (after = 0, limit = 1000) => rows.filter((r) => r.seq > after).slice(0, limit),
        ackThrough: (seq) => {
          if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
          marked.push(seq);
          return 0;
        },
      },
      send: (body) => (sent.push(body.seq), true),
      window: 2,
      markFailed: (_err, seq) => failures.push(seq),
    });
    sender.onWelcome(0);
    assert.deepEqual(sent, [1, 2]);
    full = true;
    sender.onAck(1);
    sender.onAck(2);
    assert.deepEqual(sent, [1, 2, 3, 4], 'the window moved on although the marks failed');
    assert.deepEqual(failures, [1], 'told once per run of failures');
    full = false;
    sender.onAck(4);
    assert.deepEqual(marked, [0, 4], 'the next ack marks every row through it');
    assert.deepEqual(sent, [1, 2, 3, 4, 5]);
  });

  /** Timers run only when the test says so. */
  function manualTimers(): { clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>; pending: { fn: () => void; ms: number }[]; fire(): void } {
    const pending: { fn: () => void; ms: number }[] = [];
    return {
      pending,
      clock: {
        setTimeout: (fn, ms) => (pending.push({ fn, ms }), pending.at(-1) as unknown as TimerHandle),
        clearTimeout: (handle) => {
          const i = pending.indexOf(handle as unknown as { fn: () => void; ms: number });
          if (i >= 0) pending.splice(i, 1);
        },
      },
      fire: () => pending.splice(0).forEach((t) => t.fn()),
    };
  }

  function sender(rows: AgentEventBody[], sent: number[], timers: ReturnType<typeof manualTimers>): OutboxSender {
    return new OutboxSender({
      outbox: { kept: (after = 0, limit = 1000) => rows.filter((r) => r.seq > after).slice(0, limit), ackThrough: () => 0 },
      send: (body) => (sent.push(body.seq), true),
      clock: timers.clock,
      retryMs: 1000,
      random: () => 0.5,
    });
  }

  it('sends the unacked rows again a while after a retryable coord.error, on the same connection, backing off while refused', () => {
    const rows = [1, 2, 3].map(row);
    const sent: number[] = [];
    const timers = manualTimers();
    const s = sender(rows, sent, timers);
    s.onWelcome(0);
    s.onAck(1);
    // The coordinator could not apply 2 (say its store deadlocked) and said so.
    s.onRetryableError();
    s.onRetryableError();
    assert.deepEqual(
      timers.pending.map((t) => t.ms),
      [1000],
      'one resend pending, after the pause',
    );
    assert.deepEqual(sent, [1, 2, 3], 'nothing sent again before the pause');
    timers.fire();
    assert.deepEqual(sent, [1, 2, 3, 2, 3]);
    s.onRetryableError();
    assert.deepEqual(
      timers.pending.map((t) => t.ms),
      [2000],
      'refused again: a longer pause',
    );
    s.onAck(3);
    timers.fire();
    assert.deepEqual(sent, [1, 2, 3, 2, 3], 'everything acked meanwhile: nothing sent again');
  });

  it('drops a pending resend on disconnect and sends nothing again when every row is acked', () => {
    const rows = [1, 2].map(row);
    const sent: number[] = [];
    const timers = manualTimers();
    const s = sender(rows, sent, timers);
    s.onWelcome(0);
    s.onRetryableError();
    s.onDisconnect();
    assert.deepEqual(timers.pending, []);
    s.onWelcome(0);
    s.onAck(2);
    s.onRetryableError();
    assert.deepEqual(timers.pending, [], 'nothing unacked: no resend');
    assert.deepEqual(sent, [1, 2, 1, 2]);
  });
});
