import assert from 'node:assert/strict';
import { createWin32KillTree } from '../../../../agent/src/hooks/kill-tree.win32.ts';
import { FakeSpawner } from './fake-spawner.ts';

describe('createWin32KillTree', () => {
  it('runs taskkill /PID <pid> /T /F from System32 and waits for it', async () => {
    const spawner = new FakeSpawner((p) => setImmediate(() => p.exit({ code: 0, signal: null })));
    await createWin32KillTree({ spawner, systemRoot: 'C:\\Windows' }).kill(4242);
    assert.equal(spawner.spawned.length, 1);
    assert.equal(spawner.spawned[0]?.cmd, 'C:\\Windows\\System32\\taskkill.exe');
    assert.deepEqual(spawner.spawned[0]?.args, ['/PID', '4242', '/T', '/F']);
  });

  it('uses the 64-bit taskkill under Sysnative for a 32-bit agent on 64-bit Windows', async () => {
    const spawner = new FakeSpawner((p) => setImmediate(() => p.exit({ code: 0, signal: null })));
    await createWin32KillTree({ spawner, systemRoot: 'C:\\Windows', wow64: true }).kill(1);
    assert.equal(spawner.spawned[0]?.cmd, 'C:\\Windows\\Sysnative\\taskkill.exe');
  });

  it('resolves even when taskkill cannot be started', async () => {
    const spawner = { spawn: () => { throw new Error('ENOENT'); } };
    await createWin32KillTree({ spawner }).kill(1);
  });
});
