import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { c as create, t as list, x as extract } from 'tar';
import { runCli } from '../../../cli/src/cli.ts';
import { checkRevisionDir } from '../../../cli/src/pack.ts';
import { capture, startFakeApi, type FakeApi } from './helpers.ts';

const REVISION = {
  revisionId: 'r-PUSHED0001',
  applicationName: 'web',
  sha256: 'a'.repeat(64),
  size: 123,
  bundleType: 'tgz',
  createTime: '2024-05-01T12:00:00.000Z',
};

describe('deckhand push', () => {
  let tmp: string;
  let api: FakeApi;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
    api = await startFakeApi((req) => {
      if (req.url === '/v1/applications') return req.method === 'GET' ? { status: 200, json: { applications: [] } } : { status: 201, json: { applicationId: 'a-APPAPP01', name: 'web' } };
      // The coordinator answers with the sha256 of what it received, as the real one does.
      return { status: 201, json: { ...REVISION, sha256: createHash('sha256').update(req.body).digest('hex'), size: req.body.length } };
    });
  });

  afterEach(async () => {
    await api.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function writeRevision(dir: string): void {
    fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    fs.writeFileSync(path.join(dir, 'scripts', 'start.sh'), '#!/bin/bash\necho hi\n', { mode: 0o755 });
  }

  it('uploads a tgz with the appspec and scripts at the archive root', async () => {
    const src = path.join(tmp, 'rev');
    writeRevision(src);
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['push', src, '--application', 'web'], c.ctx), 0);
    const upload = api.requests.find((r) => r.url.startsWith('/v1/applications/web/revisions'));
    assert.ok(upload);
    assert.equal(upload.url, '/v1/applications/web/revisions?bundleType=tgz');
    const file = path.join(tmp, 'upload.tgz');
    fs.writeFileSync(file, upload.body);
    const out = path.join(tmp, 'out');
    fs.mkdirSync(out);
    await extract({ file, cwd: out });
    assert.equal(fs.readFileSync(path.join(out, 'appspec.yml'), 'utf8'), 'version: 0.0\nos: linux\n');
    assert.equal(fs.statSync(path.join(out, 'scripts', 'start.sh')).mode & 0o111, 0o111);
    const entries: string[] = [];
    await list({ file, onReadEntry: (e) => entries.push(e.path) });
    assert.deepEqual(entries, ['appspec.yml', 'scripts/', 'scripts/start.sh']);
  });

  it('creates the application before uploading', async () => {
    const src = path.join(tmp, 'rev');
    writeRevision(src);
    await runCli(['push', src, '--application', 'web', '--token', 't', '--url', api.url], capture().ctx);
    assert.deepEqual(
      api.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
      ['GET /v1/applications', 'POST /v1/applications', 'POST /v1/applications/web/revisions'],
    );
  });

  it('prints only the revision id on stdout', async () => {
    const src = path.join(tmp, 'rev');
    writeRevision(src);
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    await runCli(['push', src, '--application', 'web'], c.ctx);
    assert.equal(c.stdout(), 'r-PUSHED0001\n');
  });

  it('fails clearly without uploading when the folder has no appspec', async () => {
    const src = path.join(tmp, 'empty');
    fs.mkdirSync(src);
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['push', src, '--application', 'web'], c.ctx), 1);
    assert.equal(c.stderr(), `error: ${src} has no appspec.yml or appspec.yaml at its root\n`);
    assert.equal(api.requests.length, 0);
  });

  it('accepts appspec.yaml as well', async () => {
    const src = path.join(tmp, 'yaml');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'appspec.yaml'), 'version: 0.0\n');
    assert.deepEqual(await checkRevisionDir(src), ['appspec.yaml']);
  });

  it('needs --application, with exit code 2', async () => {
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['push', tmp], c.ctx), 2);
    assert.match(c.stderr(), /^error: missing required --application\n/);
  });

  it('refuses a push the coordinator recorded with other bytes than were sent (exit 1, naming both)', async () => {
    await api.close();
    api = await startFakeApi((req) => {
      if (req.url === '/v1/applications') return req.method === 'GET' ? { status: 200, json: { applications: [{ applicationId: 'a-APPAPP01', name: 'web', createTime: 'x' }] } } : { status: 409 };
      return { status: 201, json: REVISION };
    });
    const src = path.join(tmp, 'rev');
    writeRevision(src);
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['push', src, '--application', 'web'], c.ctx), 1);
    assert.match(c.stderr(), /the coordinator recorded revision r-PUSHED0001 with sha256 a{64}, but this machine sent [0-9a-f]{64}/);
  });

  it('sends a prebuilt archive as it is, after checking it has an appspec', async () => {
    const src = path.join(tmp, 'rev');
    writeRevision(src);
    const archive = path.join(tmp, 'site.tar.gz');
    await create({ gzip: true, cwd: src, file: archive, portable: true }, ['appspec.yml', 'scripts']);
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['push', archive, '--application', 'web'], c.ctx), 0, c.stderr());
    const upload = api.requests.find((r) => r.url.startsWith('/v1/applications/web/revisions'));
    assert.equal(upload?.url, '/v1/applications/web/revisions?bundleType=tgz');
    assert.deepEqual(upload?.body, fs.readFileSync(archive));
    const bad = path.join(tmp, 'empty.zip');
    fs.writeFileSync(bad, 'PK not really');
    const refused = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    const before = api.requests.length;
    assert.equal(await runCli(['push', bad, '--application', 'web'], refused.ctx), 1);
    assert.match(refused.stderr(), /empty\.zip: the zip archive cannot be read to its end/);
    assert.equal(api.requests.length, before, 'nothing was sent');
    const unknown = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['push', path.join(tmp, 'x.rar'), '--application', 'web'], unknown.ctx), 1);
  });
});
