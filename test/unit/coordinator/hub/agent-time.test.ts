import assert from 'node:assert/strict';
import { clampAgentTime, MAX_AGENT_FUTURE_MS, MAX_AGENT_PAST_MS } from '../../../../coordinator/src/hub/agent-time.ts';

describe('clampAgentTime', () => {
  const received = new Date('2030-01-01T12:00:00.000Z');

  it('keeps a time within the window as it is, without a separate agent value', () => {
    assert.deepEqual(clampAgentTime('2030-01-01T11:59:58.123Z', received), { at: '2030-01-01T11:59:58.123Z' });
    assert.deepEqual(clampAgentTime('2030-01-01T12:01:00.000Z', received), { at: '2030-01-01T12:01:00.000Z' });
  });

  it('brings a time in the far future (year 9999) back to when it was received, keeping the agent value', () => {
    const t = clampAgentTime('9999-12-31T23:59:59.000Z', received);
    assert.deepEqual(t, { at: received.toISOString(), agentAt: '9999-12-31T23:59:59.000Z' });
  });

  it('brings a time long past (year 1970) up to the window, keeping the agent value', () => {
    const t = clampAgentTime('1970-01-01T00:00:00.000Z', received);
    assert.deepEqual(t, { at: new Date(received.getTime() - MAX_AGENT_PAST_MS).toISOString(), agentAt: '1970-01-01T00:00:00.000Z' });
  });

  it('keeps the edges of the window themselves', () => {
    const high = new Date(received.getTime() + MAX_AGENT_FUTURE_MS).toISOString();
    const low = new Date(received.getTime() - MAX_AGENT_PAST_MS).toISOString();
    assert.deepEqual(clampAgentTime(high, received), { at: high });
    assert.deepEqual(clampAgentTime(low, received), { at: low });
  });
});
