import assert from 'node:assert/strict';
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
});
