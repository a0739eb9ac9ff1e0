import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installRevision } from '../../../../agent/src/install/install.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { requireTmpfs, unmount, usedBytes } from '../../../support/tmpfs.ts';

describe('installRevision on a full disk', () => {
  let root: string;
  let destRoot: string;
  beforeEach(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-install-full-'));
    destRoot = path.join(root, 'host');
    requireTmpfs(this, destRoot, '2m');
  });
  afterEach(() => {
    unmount(destRoot);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('fails with DISK_FULL and removes what it had installed, giving the space back', async () => {
    const archiveDir = path.join(root, 'archive');
    for (let i = 0; i < 4; i++) {
      fs.mkdirSync(path.join(archiveDir, 'site', `d${i}`), { recursive: true });
      fs.writeFileSync(path.join(archiveDir, 'site', `d${i}`, 'blob.bin'), randomBytes(768 * 1024));
    }
    const before = usedBytes(destRoot);
    const spec = { version: '0.0' as const, os: 'linux' as const, hooks: {}, permissions: [], files: [{ source: 'site', destination: '/srv/app' }] };
    const installing = installRevision({ archiveDir, spec, fileExistsBehavior: 'DISALLOW', instructionsDir: path.join(root, 'instructions'), deploymentGroupId: 'dg-FULL', destRoot });
    await assert.rejects(installing, (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, 'DISK_FULL', err.message);
      assert.match(err.message, /^disk full on the host: installing the revision failed.* \(ENOSPC\); the \d+ files and folders it had created were removed$/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(destRoot), [], 'nothing of the revision is left in the destination');
    assert.equal(usedBytes(destRoot), before);
  });
});
