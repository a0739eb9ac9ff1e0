import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { insertInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { MINIMAL_REVISION, tarBytes, tgzBytes, zipBytes } from '../../../../support/archives.ts';
import { agentKeys, signedHeaders, startHarness, type Harness } from '../harness.ts';

const OCTET = { 'content-type': 'application/octet-stream' };

describe('revision routes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ maxBytes: 64 * 1024 });
    await h.app.inject({ method: 'POST', url: '/v1/applications', headers: h.auth, payload: { name: 'web' } });
  });
  afterEach(() => h.close());

  const upload = (payload: Buffer, query = 'bundleType=tgz') =>
    h.app.inject({ method: 'POST', url: `/v1/applications/web/revisions?${query}`, headers: { ...h.auth, ...OCTET }, payload });

  describe('POST /v1/applications/:app/revisions', () => {
    it('stores the bundle and answers 201 with its sha256 and size', async () => {
      const bytes = await zipBytes({ ...MINIMAL_REVISION, 'data.bin': randomBytes(5000) });
      const res = await upload(bytes, 'bundleType=zip&description=first');
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(body.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(body.size, bytes.length);
      assert.equal(body.bundleType, 'zip');
      assert.equal(body.description, 'first');
      assert.equal(body.applicationName, 'web');
      assert.deepEqual(fs.readFileSync(h.artifacts.path(body.sha256)), bytes);
    });

    it('dedupes identical uploads into one stored file with two revisions', async () => {
      const bytes = tgzBytes();
      const a = (await upload(bytes)).json();
      const b = (await upload(bytes)).json();
      assert.notEqual(a.revisionId, b.revisionId);
      assert.equal(a.sha256, b.sha256);
      assert.equal(fs.readdirSync(path.dirname(h.artifacts.path(a.sha256))).length, 1);
    });

    it('names bundleType when it is missing', async () => {
      const res = await upload(Buffer.from('x'), '');
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().error, { code: 'VALIDATION_FAILED', message: 'bundleType: Required', field: 'bundleType' });
    });

    it('names bundleType when it is not tar, tgz or zip', async () => {
      const res = await upload(Buffer.from('x'), 'bundleType=rar');
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'bundleType');
    });

    it('refuses bytes that are not an archive of the declared type, naming what they are, and stores nothing', async () => {
      for (const [bytes, query, why] of [
        [randomBytes(5000), 'bundleType=tgz', /^body: the bundle is not a tgz archive$/],
        [tgzBytes(), 'bundleType=zip', /^body: the bundle is not a zip archive \(its first bytes say tgz: upload it with bundleType=tgz\)$/],
        [tarBytes(), 'bundleType=tgz', /its first bytes say tar/],
        [tgzBytes().subarray(0, 40), 'bundleType=tgz', /^body: the tgz archive cannot be read to its end/],
      ] as const) {
        const res = await upload(bytes, query);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.field, 'body');
        assert.match(res.json().error.message, why);
      }
      assert.equal(fs.existsSync(path.join(h.dir, 'artifacts', 'sha256')) ? fs.readdirSync(path.join(h.dir, 'artifacts', 'sha256')).length : 0, 0);
      assert.deepEqual(fs.readdirSync(path.join(h.dir, 'artifacts', 'tmp')), []);
    });

    it('refuses an archive without an appspec at its root, and accepts one in its only top-level folder', async () => {
      const nested = await upload(tgzBytes({ 'site/appspec.yml': 'version: 0.0\nos: linux\n', 'other/x': 'y' }));
      assert.equal(nested.statusCode, 400);
      assert.match(nested.json().error.message, /no appspec.yml or appspec.yaml at its root \(nor in its only top-level folder\)/);
      const folder = await upload(tgzBytes({ 'myapp/appspec.yaml': 'version: 0.0\nos: linux\n', 'myapp/index.html': 'x' }));
      assert.equal(folder.statusCode, 201, folder.body);
      const zip = await upload(await zipBytes({ 'README.md': 'no appspec' }), 'bundleType=zip');
      assert.equal(zip.statusCode, 400);
    });

    it('refuses an empty bundle naming the body', async () => {
      const res = await upload(Buffer.alloc(0));
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'body');
    });

    it('refuses a JSON body naming the body', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/applications/web/revisions?bundleType=tgz', headers: h.auth, payload: { a: 1 } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'body');
    });

    it('answers 413 BUNDLE_TOO_LARGE for a bundle over the limit', async () => {
      const res = await upload(Buffer.alloc(64 * 1024 + 1));
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().error.code, 'BUNDLE_TOO_LARGE');
    });

    it('answers 404 for an unknown application', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/applications/nope/revisions?bundleType=tgz', headers: { ...h.auth, ...OCTET }, payload: tgzBytes() });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, 'application nope not found');
    });

    it('answers 413 to a chunked upload over the limit on a real socket', async () => {
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = h.app.server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/applications/web/revisions?bundleType=tgz', headers: { ...h.auth, ...OCTET } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16 * 1024));
        req.end();
      });
      assert.equal(status, 413);
      assert.deepEqual(fs.readdirSync(path.join(h.dir, 'artifacts', 'tmp')), []);
    });
  });

  describe('GET /v1/revisions/:id', () => {
    it('returns the revision view', async () => {
      const created = (await upload(tgzBytes())).json();
      const res = await h.app.inject({ method: 'GET', url: `/v1/revisions/${created.revisionId}`, headers: h.auth });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), created);
    });

    it('names the id when it is malformed', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/revisions/bad', headers: h.auth });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'id');
    });

    it('answers 404 for an unknown revision', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/revisions/r-UNKNOWN01', headers: h.auth });
      assert.equal(res.statusCode, 404);
    });
  });

  describe('GET /v1/revisions/:id/content', () => {
    const bytes = tgzBytes({ ...MINIMAL_REVISION, 'data.bin': randomBytes(20_000) });
    const instanceId = 'i-AGENT0001';
    let keys: ReturnType<typeof agentKeys>;
    let url: string;
    let revisionId: string;
    /** Records that a deployment of the revision sent the host its command. */
    const command = async (): Promise<void> => {
      await h.app.inject({ method: 'POST', url: '/v1/applications/web/deployment-groups', headers: h.auth, payload: { name: 'g' } });
      const created = await h.app.inject({ method: 'POST', url: '/v1/deployments', headers: h.auth, payload: { applicationName: 'web', deploymentGroupName: 'g', revisionId } });
      h.db.prepare("INSERT INTO deployment_targets (deployment_id, instance_id, position, status, command_id) VALUES (?, ?, 0, 'InProgress', 'c-COMMAND01')")
        .run(created.json().deploymentId, instanceId);
    };
    beforeEach(async () => {
      keys = agentKeys();
      insertInstance(h.db, { instanceId, hostname: 'h', publicKey: keys.publicKeyPem, tags: {}, registeredAt: h.clock.now().toISOString() });
      revisionId = (await upload(bytes)).json().revisionId;
      url = `/v1/revisions/${revisionId}/content`;
    });

    it('serves the bytes to an admin token', async () => {
      const res = await h.app.inject({ method: 'GET', url, headers: h.auth });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.rawPayload, bytes);
      assert.equal(res.headers['content-type'], 'application/octet-stream');
    });

    it('refuses a signed agent request for a revision no command sent the host (403)', async () => {
      const res = await h.app.inject({ method: 'GET', url, headers: signedHeaders(instanceId, keys.privateKey, 'GET', url, h.clock.now()) });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.message, `instance ${instanceId} was sent no command for revision ${revisionId}`);
    });

    it('serves a revision the host is asked to preflight', async () => {
      h.preflighting.add(`${instanceId} ${revisionId}`);
      const res = await h.app.inject({ method: 'GET', url, headers: signedHeaders(instanceId, keys.privateKey, 'GET', url, h.clock.now()) });
      assert.equal(res.statusCode, 200);
    });

    it('serves the bytes to a correctly signed agent request of a host it was sent to', async () => {
      await command();
      const res = await h.app.inject({ method: 'GET', url, headers: signedHeaders(instanceId, keys.privateKey, 'GET', url, h.clock.now()) });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.rawPayload, bytes);
      assert.equal(res.headers['x-deckhand-sha256'], createHash('sha256').update(bytes).digest('hex'));
    });

    it('refuses an agent request signed with the wrong key', async () => {
      const res = await h.app.inject({ method: 'GET', url, headers: signedHeaders(instanceId, agentKeys().privateKey, 'GET', url, h.clock.now()) });
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json().error, { code: 'AUTH_FAILED', message: 'signature does not verify' });
    });

    it('refuses a replayed agent request', async () => {
      await command();
      const headers = signedHeaders(instanceId, keys.privateKey, 'GET', url, h.clock.now());
      assert.equal((await h.app.inject({ method: 'GET', url, headers })).statusCode, 200);
      const again = await h.app.inject({ method: 'GET', url, headers });
      assert.equal(again.statusCode, 401);
    });

    it('refuses a request with neither token nor signature', async () => {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 401);
    });

    it('does not let a signed agent use admin routes', async () => {
      const other = '/v1/applications';
      const res = await h.app.inject({ method: 'GET', url: other, headers: signedHeaders(instanceId, keys.privateKey, 'GET', other, h.clock.now()) });
      assert.equal(res.statusCode, 401);
    });
  });

  it('accepts a bundle larger than fastify\'s JSON body limit', async () => {
    const big = await startHarness();
    try {
      await big.app.inject({ method: 'POST', url: '/v1/applications', headers: big.auth, payload: { name: 'web' } });
      const bytes = await zipBytes({ ...MINIMAL_REVISION, 'data.bin': randomBytes(3 * 1024 * 1024) });
      const res = await big.app.inject({ method: 'POST', url: '/v1/applications/web/revisions?bundleType=zip', headers: { ...big.auth, ...OCTET }, payload: bytes });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().size, bytes.length);
    } finally {
      await big.close();
    }
  });
});
