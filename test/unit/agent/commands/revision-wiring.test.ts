import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { revisionOps } from '../../../../agent/src/commands/revision-wiring.ts';

describe('revision wiring', () => {
  it('prunes at DownloadBundle keeping the current and the last successful dirs', async () => {
    const groupDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-wiring-'));
    try {
      for (let i = 1; i <= 4; i++) {
        await fs.mkdir(path.join(groupDir, `d-${i}`));
        const when = new Date(Date.UTC(2030, 0, 1, 0, i));
        await fs.utimes(path.join(groupDir, `d-${i}`), when, when);
      }
      const { prune } = revisionOps({ maxRevisions: 2 });
      await prune?.({ groupDir, currentDir: path.join(groupDir, 'd-4'), lastSuccessfulDir: path.join(groupDir, 'd-1') });
      assert.deepEqual((await fs.readdir(groupDir)).sort(), ['d-1', 'd-4']);
    } finally {
      await fs.rm(groupDir, { recursive: true, force: true });
    }
  });
});
