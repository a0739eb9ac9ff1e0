/**
 * Revisions kept outside the coordinator, end to end: `deckhand push --s3` puts a bundle in an
 * S3-compatible server (s3rver on loopback) and registers it; `deckhand deploy --s3-location`
 * and `--https-location` register and deploy one; the agent downloads it itself with its own
 * credentials and checks it (sha256, or the ETag). A prebuilt zip is pushed to the coordinator.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { Cluster, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';
import { zipBytes } from '../support/archives.ts';

const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

describe('revisions kept in S3 or at a URL, end to end (s3rver on loopback)', function () {
  this.timeout(120_000);
  const cluster = new Cluster({ agentEnv: S3_ENV });
  let agent: AgentProcess;
  let s3: S3rver;
  let endpoint = '';
  let files: http.Server;
  let filesUrl = '';
  const served = new Map<string, Buffer>();
  const saved = { ...process.env };

  function revisionDir(text: string): string {
    const dir = path.join(cluster.dir, `rev-${text}`);
    mkdirSync(path.join(dir, 'site'), { recursive: true });
    writeFileSync(path.join(dir, 'appspec.yml'), appspec({}));
    writeFileSync(path.join(dir, 'site', 'index.html'), `${text}\n`);
    return dir;
  }

  async function deployed(args: string[]): Promise<any> {
    const out = await cluster.cli(['deploy', '--application', 'shop', '--group', 'web', '--file-exists-behavior', 'OVERWRITE', ...args]);
    assert.equal(out.code, 0, out.stderr);
    return cluster.waitForDeployment(out.stdout.trim());
  }

  const installed = (): string => readFileSync(path.join(agent.destRoot, 'srv/app/index.html'), 'utf8');

  before(async () => {
    Object.assign(process.env, S3_ENV);
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(path.join(tmpdir(), 'dh-s3rver-')), configureBuckets: [{ name: 'bundles' }] });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
    files = http.createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    agent = await cluster.addAgent({ role: 'web' });
  });
  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    process.env = saved;
    await cluster.stop();
    await new Promise<void>((resolve) => files.close(() => resolve()));
    await s3.close();
  });

  it('push --s3 puts the bundle in S3 and registers it; the agent downloads it from there', async () => {
    const pushed = await cluster.cli(['push', revisionDir('from-s3'), '--application', 'shop', '--s3', 's3://bundles/releases/', '--s3-endpoint', endpoint, '--json']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const revision = JSON.parse(pushed.stdout);
    assert.equal(revision.location.kind, 's3');
    assert.equal(revision.location.bucket, 'bundles');
    assert.match(revision.location.key, /^releases\/shop-[0-9a-f]{16}\.tgz$/);
    assert.match(revision.sha256, /^[0-9a-f]{64}$/);
    const content = await cluster.api('GET', `/v1/revisions/${revision.revisionId}/content`);
    assert.equal(content.status, 404);
    assert.match(content.body.error.message, /is kept at s3:\/\/bundles\/releases\//);
    const view = await deployed(['--revision', revision.revisionId]);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.equal(installed(), 'from-s3\n');
  });

  it('deploy --s3-location registers an object by its ETag and deploys it', async () => {
    const bundle = await makeTgz({ 'appspec.yml': appspec({}), 'site/index.html': 'by-etag\n' });
    const put = await fetch(`${endpoint}/bundles/manual/by-etag.tgz`, { method: 'PUT', body: bundle });
    assert.equal(put.status, 200);
    const etag = (put.headers.get('etag') ?? '').replace(/"/g, '');
    const view = await deployed(['--s3-location', 's3://bundles/manual/by-etag.tgz', '--etag', etag, '--s3-endpoint', endpoint]);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.equal(installed(), 'by-etag\n');
    const wrong = await deployed(['--s3-location', 's3://bundles/manual/by-etag.tgz', '--etag', '0'.repeat(32), '--s3-endpoint', endpoint]);
    assert.equal(wrong.status, 'Failed');
    const event = wrong.targets[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === 'DownloadBundle');
    assert.match(event.diagnostics.message, /ETag/i);
    assert.equal(installed(), 'by-etag\n');
  });

  it('deploy --https-location downloads from the URL and checks its sha256', async () => {
    const bundle = await makeTgz({ 'appspec.yml': appspec({}), 'site/index.html': 'by-url\n' });
    served.set('/b.tgz', Buffer.from(bundle));
    const sha256 = createHash('sha256').update(bundle).digest('hex');
    const view = await deployed(['--https-location', `${filesUrl}/b.tgz`, '--sha256', sha256]);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.equal(installed(), 'by-url\n');
    const mismatch = await deployed(['--https-location', `${filesUrl}/b.tgz`, '--sha256', 'f'.repeat(64)]);
    assert.equal(mismatch.status, 'Failed');
    const event = mismatch.targets[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === 'DownloadBundle');
    assert.match(JSON.stringify(event.diagnostics), /BUNDLE_CHECKSUM_MISMATCH|sha256/);
    const missing = await cluster.cli(['deploy', '--application', 'shop', '--group', 'web', '--https-location', `${filesUrl}/b.tgz`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--https-location needs --sha256/);
  });

  it('pushes a prebuilt zip to the coordinator as it is, and deploys it', async () => {
    const zip = path.join(cluster.dir, 'site.zip');
    writeFileSync(zip, await zipBytes({ 'appspec.yml': appspec({}), 'site/index.html': 'zipped\n' }));
    const pushed = await cluster.cli(['push', zip, '--application', 'shop']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const view = await deployed(['--revision', pushed.stdout.trim()]);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.equal(installed(), 'zipped\n');
  });
});
