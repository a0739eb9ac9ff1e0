import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { DeckhandError, type DeploySpec, type RevisionLocation } from '../../../../protocol/src/index.ts';
import { checkUrl, fetchRevision } from '../../../../agent/src/bundle/sources.ts';
import { sha256Tree } from '../../../../agent/src/bundle/verify.ts';
import { gzip, rawTar as tar } from './archives.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const BUNDLE = gzip(tar([{ path: 'appspec.yml', body: 'version: 0.0\nos: linux\n' }, { path: 'app/run.sh', body: 'echo hi\n', mode: 0o755 }]));

function revision(location: RevisionLocation, bytes: Buffer | string, bundleType: DeploySpec['revision']['bundleType'] = 'tgz'): DeploySpec['revision'] {
  return { revisionId: 'rev-TEST001', sha256: typeof bytes === 'string' ? bytes : sha(bytes), bundleType, size: 0, location };
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof DeckhandError && err.code === code && pattern.test(err.message));
}

describe('bundle sources', () => {
  let tmp: string;
  let dirs: { bundleFile: string; archiveDir: string };
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-sources-'));
    dirs = { bundleFile: path.join(tmp, 'd', 'bundle.tgz'), archiveDir: path.join(tmp, 'd', 'deployment-archive') };
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  describe('local files and directories', () => {
    it('unpacks a local tgz whose sha256 matches', async () => {
      const file = path.join(tmp, 'b.tgz');
      await fs.writeFile(file, BUNDLE);
      await fetchRevision({ revision: revision({ kind: 'local', path: file }, BUNDLE), ...dirs });
      assert.equal(await fs.readFile(path.join(dirs.archiveDir, 'app', 'run.sh'), 'utf8'), 'echo hi\n');
    });

    it('refuses a local file whose sha256 differs and unpacks nothing', async () => {
      const file = path.join(tmp, 'b.tar');
      await fs.writeFile(file, tar([{ path: 'appspec.yml', body: 'x' }]));
      await rejectsWith(fetchRevision({ revision: revision({ kind: 'local', path: file }, 'f'.repeat(64), 'tar'), ...dirs }), 'BUNDLE_CHECKSUM_MISMATCH', /expected f{64}/);
      await assert.rejects(fs.stat(dirs.archiveDir), { code: 'ENOENT' });
      await assert.rejects(fs.stat(dirs.bundleFile), { code: 'ENOENT' });
    });

    it('copies a directory revision, links kept as links, verified by its tree digest', async () => {
      const src = path.join(tmp, 'src');
      await fs.mkdir(path.join(src, 'a'), { recursive: true });
      await fs.writeFile(path.join(src, 'a', 'f.txt'), 'f');
      await fs.symlink('a/f.txt', path.join(src, 'link'));
      await fetchRevision({ revision: revision({ kind: 'local', path: src }, await sha256Tree(src), 'directory'), ...dirs });
      assert.equal(await fs.readlink(path.join(dirs.archiveDir, 'link')), 'a/f.txt');
    });

    it('refuses a directory revision that changed since its digest was taken', async () => {
      const src = path.join(tmp, 'src');
      await fs.mkdir(src);
      await fs.writeFile(path.join(src, 'f'), 'one');
      const digest = await sha256Tree(src);
      await fs.writeFile(path.join(src, 'f'), 'two');
      await rejectsWith(fetchRevision({ revision: revision({ kind: 'local', path: src }, digest, 'directory'), ...dirs }), 'BUNDLE_CHECKSUM_MISMATCH', /sha256/);
      await assert.rejects(fs.stat(dirs.archiveDir), { code: 'ENOENT' });
    });

    it('refuses a directory revision that is not a local path', async () => {
      await rejectsWith(fetchRevision({ revision: revision({ kind: 'url', url: 'https://example.com/x' }, BUNDLE, 'directory'), ...dirs }), 'VALIDATION_FAILED', /local path/);
    });
  });

  describe('http(s) URLs', () => {
    let server: http.Server;
    let base: string;
    before(async () => {
      server = http.createServer((req, res) => {
        requests.push(req.url ?? '');
        if (req.url === '/b.tgz') return res.end(BUNDLE);
        // Fails twice (a 503, then a body cut short), then serves the bundle.
        if (req.url === '/flaky.tgz') {
          const seen = requests.filter((u) => u === req.url).length;
          if (seen === 1) return res.writeHead(503).end();
          return res.end(seen === 2 ? BUNDLE.subarray(0, 20) : BUNDLE);
        }
        return res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const requests: string[] = [];
    beforeEach(() => {
      requests.length = 0;
    });

    it('downloads and unpacks a bundle from a loopback http URL', async () => {
      await fetchRevision({ revision: revision({ kind: 'url', url: `${base}/b.tgz` }, BUNDLE), ...dirs });
      assert.ok((await fs.stat(path.join(dirs.archiveDir, 'appspec.yml'))).isFile());
    });

    it('fails cleanly on a 404, without retrying it', async () => {
      const rev = revision({ kind: 'url', url: `${base}/nope` }, BUNDLE);
      await rejectsWith(fetchRevision({ revision: rev, ...dirs, retryDelaysMs: [10, 10] }), 'BUNDLE_DOWNLOAD_FAILED', /HTTP 404/);
      assert.deepEqual(requests, ['/nope']);
    });

    it('retries a 503 and a truncated body, then unpacks the bundle', async () => {
      const retries: string[] = [];
      const onRetry = (attempt: number, err: Error): number => retries.push(`${attempt}: ${err.message}`);
      await fetchRevision({ revision: revision({ kind: 'url', url: `${base}/flaky.tgz` }, BUNDLE), ...dirs, retryDelaysMs: [10, 10], onRetry });
      assert.equal(requests.length, 3);
      assert.match(retries[0]!, /^1: .*HTTP 503/);
      assert.match(retries[1]!, /^2: the bundle's sha256 is/);
      assert.ok((await fs.stat(path.join(dirs.archiveDir, 'appspec.yml'))).isFile());
    });

    it('gives up after the last retry with the last error', async () => {
      const rev = revision({ kind: 'url', url: `${base}/flaky.tgz` }, BUNDLE);
      await rejectsWith(fetchRevision({ revision: rev, ...dirs, retryDelaysMs: [10] }), 'BUNDLE_CHECKSUM_MISMATCH', /sha256/);
      assert.equal(requests.length, 2);
      await assert.rejects(fs.stat(dirs.archiveDir), 'nothing is unpacked from a failed download');
    });

    it('refuses plain http to a host other than this one', () => {
      assert.throws(() => checkUrl('http://example.com/b.tgz'), /must be https/);
    });
  });

  describe('S3 (a real s3rver on loopback)', function () {
    this.timeout(20_000);
    let s3: S3rver;
    let proxy: http.Server;
    let endpoint: string;
    const seen: string[] = [];
    const saved = { ...process.env };

    before(async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-s3rver-'));
      s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'bundles' }] });
      const { port } = await s3.run();
      // s3rver does not implement versioning, so a recording proxy shows what the agent asked for.
      proxy = http.createServer((req, res) => {
        seen.push(req.url ?? '');
        const up = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        req.pipe(up);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      // The default credential chain reads these, as it would on a real host.
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
      const client = new S3Client({ endpoint, forcePathStyle: true });
      await client.send(new PutObjectCommand({ Bucket: 'bundles', Key: 'app/v1.tgz', Body: BUNDLE }));
      client.destroy();
    });
    after(async () => {
      process.env = saved;
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3.close();
    });

    it('fetches a revision by bucket, key and version id', async () => {
      const loc: RevisionLocation = { kind: 's3', bucket: 'bundles', key: 'app/v1.tgz', versionId: 'v-123', endpoint };
      await fetchRevision({ revision: revision(loc, BUNDLE), ...dirs });
      assert.equal(await fs.readFile(path.join(dirs.archiveDir, 'app', 'run.sh'), 'utf8'), 'echo hi\n');
      assert.ok(seen.some((u) => u.startsWith('/bundles/app/v1.tgz') && u.includes('versionId=v-123')), seen.join('\n'));
    });

    it('fails cleanly on a sha256 mismatch, leaving no bundle behind', async () => {
      const loc: RevisionLocation = { kind: 's3', bucket: 'bundles', key: 'app/v1.tgz', endpoint };
      // No retries here: a mismatch is retried like any transfer fault (see the http tests).
      await rejectsWith(fetchRevision({ revision: revision(loc, 'e'.repeat(64)), ...dirs, retryDelaysMs: [] }), 'BUNDLE_CHECKSUM_MISMATCH', /expected e{64}/);
      await assert.rejects(fs.stat(dirs.bundleFile), { code: 'ENOENT' });
    });

    it('fails cleanly on a missing key', async () => {
      const loc: RevisionLocation = { kind: 's3', bucket: 'bundles', key: 'app/missing.tgz', endpoint };
      await rejectsWith(fetchRevision({ revision: revision(loc, BUNDLE), ...dirs }), 'BUNDLE_DOWNLOAD_FAILED', /s3:\/\/bundles\/app\/missing\.tgz.*no such key \(HTTP 404\)/);
    });

    it('fails cleanly when the ETag is not the expected one', async () => {
      const loc: RevisionLocation = { kind: 's3', bucket: 'bundles', key: 'app/v1.tgz', etag: '"0000"', endpoint };
      await rejectsWith(fetchRevision({ revision: revision(loc, BUNDLE), ...dirs }), 'BUNDLE_DOWNLOAD_FAILED', /expected "0000"/);
    });
  });
});
