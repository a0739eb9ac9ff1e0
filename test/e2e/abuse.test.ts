/** Issue 14 (hold under loss and abuse), agent side, as real processes: what a hostile revision or a lost journal gets. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { c as tarCreate } from 'tar';
import { Journal } from '../../agent/src/journal/journal.ts';
import { requireTmpfs, unmount, usedBytes } from '../support/tmpfs.ts';
import { runAgent } from './local-run.ts';

describe('deckhand-agent under abuse', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-abuse-'));
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('local refuses a hook whose location climbs out of the revision, journals ScriptOutsideRevision and leaves the host file alone', async () => {
    const hostFile = path.join(tmp, 'host-tool.sh');
    await fs.writeFile(hostFile, `#!/bin/sh\necho ran > ${JSON.stringify(path.join(tmp, 'ran'))}\n`, { mode: 0o644 });
    const revision = path.join(tmp, 'revision');
    await fs.mkdir(revision);
    // Far enough up to reach / from any root, then down to the host file.
    const location = `${'../'.repeat(30)}${hostFile.slice(1)}`;
    await fs.writeFile(path.join(revision, 'appspec.yml'), `version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: ${location}\n`);
    const root = path.join(tmp, 'root');
    const r = await runAgent(['local', '--bundle-location', revision, '--root', root, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { deploymentId: string; failed?: { event: string; errorCode?: string; message?: string } };
    assert.equal(report.failed?.event, 'AfterInstall');
    assert.equal(report.failed?.errorCode, 'ScriptOutsideRevision');
    assert.match(report.failed?.message ?? '', new RegExp(`resolves to ${hostFile}, outside the revision`));
    const journal = Journal.open(path.join(root, 'agent.db'));
    try {
      const event = journal.events(report.deploymentId).find((e) => e.event === 'AfterInstall');
      assert.deepEqual([event?.status, event?.errorCode], ['Failed', 'ScriptOutsideRevision']);
    } finally {
      journal.close();
    }
    assert.equal((await fs.stat(hostFile)).mode & 0o777, 0o644, 'the host file was not made executable');
    await assert.rejects(fs.stat(path.join(tmp, 'ran')), { code: 'ENOENT' });
  });

  it('run reports a 0-byte journal as lost, not as an unregistered host, and exits 2', async () => {
    const root = path.join(tmp, 'agent-root');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'agent.db'), '');
    const r = await runAgent(['run', '--root', root]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the journal .*agent\.db is empty \(0 bytes\)/);
    assert.doesNotMatch(r.stderr, /not registered/);
    assert.equal((await fs.stat(path.join(root, 'agent.db'))).size, 0);
  });

  describe('disk full', () => {
    let small: string;
    afterEach(() => unmount(small));

    /** A revision of `blobs` files of 768 KiB of random hex (gzip halves them) installed to /srv/app. */
    async function bigRevision(blobs: number): Promise<string> {
      const dir = path.join(tmp, 'revision');
      await fs.mkdir(path.join(dir, 'site'), { recursive: true });
      await fs.writeFile(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /srv/app\n');
      for (let i = 0; i < blobs; i++) await fs.writeFile(path.join(dir, 'site', `blob${i}.txt`), randomBytes(384 * 1024).toString('hex'));
      return dir;
    }

    type Report = { deploymentDir: string; failed?: { event: string; errorCode?: string; message?: string } };

    it('a bundle that cannot be unpacked for space fails DownloadBundle with DISK_FULL and leaves neither bundle nor archive', async function () {
      small = path.join(tmp, 'small-root');
      requireTmpfs(this, small, '4m');
      const bundle = path.join(tmp, 'big.tgz');
      await tarCreate({ gzip: true, file: bundle, cwd: await bigRevision(4) }, ['.']);
      const r = await runAgent(['local', '--bundle-location', bundle, '--type', 'tgz', '--root', small, '--dest-root', path.join(tmp, 'dest'), '--json']);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.failed?.event, 'DownloadBundle');
      assert.match(report.failed?.message ?? '', /^DISK_FULL: disk full on the host: unpacking the bundle failed/);
      assert.deepEqual((await fs.readdir(report.deploymentDir)).sort(), ['logs', 'status']);
    });

    it('an Install that fills the destination fails with DISK_FULL and gives back the destination and the revision copy', async function () {
      small = path.join(tmp, 'small-dest');
      requireTmpfs(this, small, '2m');
      const before = usedBytes(small);
      const r = await runAgent(['local', '--bundle-location', await bigRevision(4), '--root', path.join(tmp, 'root'), '--dest-root', small, '--json']);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(report.failed?.event, 'Install');
      assert.match(report.failed?.message ?? '', /^DISK_FULL: disk full on the host: installing the revision failed.*; the \d+ files and folders it had created were removed$/);
      assert.equal(usedBytes(small), before);
      assert.deepEqual((await fs.readdir(report.deploymentDir)).sort(), ['logs', 'status']);
    });
  });
});
