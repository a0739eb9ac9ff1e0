import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { prepareRoot } from '../../../../agent/src/journal/root-layout.ts';
import { lockRoot } from '../../../../agent/src/journal/root-lock.ts';

const modeOf = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

describe('the agent root layout', function () {
  let dir: string;
  beforeEach(function () {
    if (process.platform === 'win32') this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-layout-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a new root traversable but not listable, and its journal and lock readable by the agent only', () => {
    const root = path.join(dir, 'state');
    prepareRoot(root);
    const lock = lockRoot(root);
    const journal = Journal.open(path.join(root, 'agent.db'));
    try {
      assert.equal(modeOf(root), '711');
      for (const file of ['agent.db', 'agent.db-wal', 'agent.db-shm', 'agent.lock']) {
        if (fs.existsSync(path.join(root, file))) assert.equal(modeOf(path.join(root, file)), '600', file);
      }
    } finally {
      journal.close();
      lock.release();
    }
  });

  it('opens up a root an older installer made 0700, and closes what is the agent\'s alone', () => {
    const root = path.join(dir, 'state');
    fs.mkdirSync(path.join(root, 'identity'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(root, 'deployment-instructions'), { mode: 0o755 });
    fs.writeFileSync(path.join(root, 'agent.db'), '', { mode: 0o644 });
    fs.chmodSync(root, 0o700);
    fs.symlinkSync(dir, path.join(root, 'logs'));
    prepareRoot(root);
    assert.deepEqual(
      [root, 'identity', 'deployment-instructions', 'agent.db'].map((p) => modeOf(path.resolve(root, p))),
      ['711', '700', '700', '600'],
    );
    assert.equal(modeOf(dir), '700', 'a linked logs folder keeps its own mode');
  });
});
