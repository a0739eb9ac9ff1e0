import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import type { TrafficRequestBody } from '../../../../protocol/src/index.ts';
import { TrafficRequests } from '../../../../agent/src/transport/traffic-requests.ts';

const REQ: TrafficRequestBody = { deploymentId: 'd-DEP00001', commandId: 'c-CMD00001', lifecycleEvent: 'BlockTraffic' };

describe('TrafficRequests', () => {
  it('asks, and settles with the answer for the same command', async () => {
    const sent: TrafficRequestBody[] = [];
    const t = new TrafficRequests({ clock: systemClock, logger: silentLogger(), send: (b) => (sent.push(b), true) });
    const waiting = t.perform(REQ, new AbortController().signal);
    t.onResult({ ...REQ, commandId: 'c-OTHER0001', status: 'Failed' });
    t.onResult({ ...REQ, status: 'Succeeded', message: 'drained' });
    assert.deepEqual(await waiting, { ...REQ, status: 'Succeeded', message: 'drained' });
    assert.deepEqual(sent, [REQ]);
    t.stop();
  });

  it('asks again after every welcome and every resend interval while it waits', async () => {
    let sent = 0;
    const t = new TrafficRequests({ clock: systemClock, logger: silentLogger(), send: () => (sent++, false), resendMs: 30 });
    const waiting = t.perform(REQ, new AbortController().signal);
    t.onWelcome();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(sent >= 4, `sent ${sent} times`);
    t.onResult({ ...REQ, status: 'Succeeded' });
    await waiting;
    const after = sent;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(sent, after, 'nothing is sent once answered');
    t.stop();
  });

  it('stops waiting when the deployment is stopped or the agent detaches', async () => {
    const t = new TrafficRequests({ clock: systemClock, logger: silentLogger(), send: () => true });
    const stop = new AbortController();
    const waiting = t.perform(REQ, stop.signal);
    stop.abort(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
    t.stop();
  });
});
