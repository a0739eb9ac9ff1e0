import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import { createPosixKillTree } from '../../../../agent/src/hooks/kill-tree.posix.ts';

const esrch = () => Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });

/** A signal sender over a pretend group that dies on the listed signals. */
function fakeGroup(diesOn: Array<NodeJS.Signals>) {
  const sent: Array<[number, NodeJS.Signals | 0]> = [];
  let alive = true;
  return {
    sent,
    send: (pid: number, sig: NodeJS.Signals | 0) => {
      if (!alive) throw esrch();
      sent.push([pid, sig]);
      if (sig !== 0 && diesOn.includes(sig)) alive = false;
    },
  };
}

describe('createPosixKillTree', () => {
  it('sends SIGTERM to the negative pid, so the whole group gets it', async () => {
    const group = fakeGroup(['SIGTERM']);
    await createPosixKillTree({ clock: systemClock, graceMs: 50, sendSignal: group.send }).kill(77);
    assert.deepEqual(group.sent[0], [-77, 'SIGTERM']);
  });

  it('does not send SIGKILL when the group exits within the grace period', async () => {
    const group = fakeGroup(['SIGTERM']);
    await createPosixKillTree({ clock: systemClock, graceMs: 50, pollMs: 5, sendSignal: group.send }).kill(77);
    assert.ok(!group.sent.some(([, sig]) => sig === 'SIGKILL'));
  });

  it('sends SIGKILL to the group after the grace period when SIGTERM is ignored', async () => {
    const group = fakeGroup(['SIGKILL']);
    const started = performance.now();
    await createPosixKillTree({ clock: systemClock, graceMs: 100, pollMs: 10, sendSignal: group.send }).kill(77);
    assert.deepEqual(group.sent.at(-1), [-77, 'SIGKILL']);
    assert.ok(performance.now() - started >= 90);
  });

  it('returns at once when the group is already gone', async () => {
    const group = fakeGroup([]);
    await createPosixKillTree({ clock: systemClock, graceMs: 50, sendSignal: () => { throw esrch(); } }).kill(77);
    assert.deepEqual(group.sent, []);
  });

  for (const pgid of [1, 0, -1, Number.NaN]) {
    it(`never signals anything for group id ${pgid}`, async () => {
      const sent: number[] = [];
      await createPosixKillTree({ clock: systemClock, graceMs: 10, sendSignal: (pid) => void sent.push(pid) }).kill(pgid);
      assert.deepEqual(sent, []);
    });
  }

  it('never rejects, even on EPERM', async () => {
    const send = () => { throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' }); };
    await createPosixKillTree({ clock: systemClock, graceMs: 50, sendSignal: send }).kill(77);
  });
});
