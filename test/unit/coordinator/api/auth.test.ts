import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.ts';

describe('API authentication', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  it('answers /healthz without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ok: true });
  });

  it('refuses a request without a bearer token with 401 AUTH_FAILED', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/applications' });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { error: { code: 'AUTH_FAILED', message: 'missing Authorization: Bearer token' } });
  });

  it('refuses an unknown token with 401 AUTH_FAILED', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/applications', headers: { authorization: 'Bearer dh_wrong' } });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { error: { code: 'AUTH_FAILED', message: 'unknown API token' } });
  });

  it('refuses a non-bearer Authorization header', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/applications', headers: { authorization: `Basic ${h.adminToken}` } });
    assert.equal(res.statusCode, 401);
  });

  it('refuses an upload without a token before reading the body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/applications/web/revisions?bundleType=tgz',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from('bytes'),
    });
    assert.equal(res.statusCode, 401);
  });

  it('accepts a known token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/applications', headers: h.auth });
    assert.equal(res.statusCode, 200);
  });

  it('answers an unknown route with 404 NOT_FOUND in the API error shape', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/nothing', headers: h.auth });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });
});
