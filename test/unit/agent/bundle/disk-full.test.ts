import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fetchRevision } from '../../../../agent/src/bundle/sources.ts';
import { DeckhandError, type DeploySpec, type RevisionLocation } from '../../../../protocol/src/index.ts';
import { requireTmpfs, unmount, usedBytes } from '../../../support/tmpfs.ts';
import { gzip, rawTar } from './archives.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function revision(location: RevisionLocation, bytes: Buffer): DeploySpec['revision'] {
  return { revisionId: 'rev-FULL0001', sha256: sha(bytes), bundleType: 'tgz', size: bytes.length, location };
}

/** A tgz that unpacks to `bytes` of random hex, which gzip halves. */
function noiseBundle(bytes: number): Buffer {
  return gzip(rawTar([{ path: 'appspec.yml', body: 'version: 0.0\nos: linux\n' }, { path: 'noise.txt', body: randomBytes(bytes / 2).toString('hex') }]));
}

async function rejectsDiskFull(p: Promise<unknown>, doing: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DeckhandError, String(err));
    assert.equal(err.code, 'DISK_FULL', err.message);
    assert.match(err.message, /^disk full on the host: /);
    assert.match(err.message, doing);
    assert.equal(err.retryable, false);
    return true;
  });
}

describe('fetchRevision on a full disk', () => {
  let tmp: string;
  let small: string;
  let dirs: { bundleFile: string; archiveDir: string };
  beforeEach(async function () {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dh-full-'));
    small = path.join(tmp, 'small');
    requireTmpfs(this, small, '2m');
    dirs = { bundleFile: path.join(small, 'd', 'bundle.tgz'), archiveDir: path.join(small, 'd', 'deployment-archive') };
  });
  afterEach(async () => {
    unmount(small);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('fails a bundle copy that fills the disk with DISK_FULL and leaves no partial file', async () => {
    const bundle = noiseBundle(6 * 1024 * 1024);
    const file = path.join(tmp, 'b.tgz');
    await fs.writeFile(file, bundle);
    await rejectsDiskFull(fetchRevision({ revision: revision({ kind: 'local', path: file }, bundle), ...dirs }), /saving the bundle failed.* \(ENOSPC\); the partial file was removed$/);
    assert.deepEqual(await fs.readdir(path.join(small, 'd')), []);
  });

  it('fails an unpacking that fills the disk with DISK_FULL, removing the bundle and what was unpacked', async () => {
    const bundle = noiseBundle(2 * 1024 * 1024);
    const file = path.join(tmp, 'b.tgz');
    await fs.writeFile(file, bundle);
    await rejectsDiskFull(fetchRevision({ revision: revision({ kind: 'local', path: file }, bundle), ...dirs }), /unpacking the bundle failed.* \(ENOSPC\); what was unpacked was removed$/);
    assert.deepEqual(await fs.readdir(path.join(small, 'd')), []);
    assert.ok(usedBytes(small) < 64 * 1024, `${usedBytes(small)} bytes still used`);
  });

  it('does not retry a download that filled the disk', async () => {
    const bundle = noiseBundle(6 * 1024 * 1024);
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.end(bundle);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/b.tgz`;
      const fetching = fetchRevision({ revision: revision({ kind: 'url', url }, bundle), ...dirs, retryDelaysMs: [10, 10] });
      await rejectsDiskFull(fetching, /saving the bundle failed/);
      assert.equal(requests, 1);
      assert.deepEqual(await fs.readdir(path.join(small, 'd')), []);
    } finally {
      server.close();
    }
  });
});
