import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../harness.ts';

describe('the dashboard session (/v1/session) and cookie authentication', () => {
  let h: Harness;
  let viewer: string;
  beforeEach(async () => {
    h = await startHarness();
    await h.app.inject({ method: 'POST', url: '/v1/applications', headers: h.auth, payload: { name: 'web' } });
    const made = await h.app.inject({ method: 'POST', url: '/v1/api-tokens', headers: h.auth, payload: { name: 'watcher', role: 'viewer' } });
    viewer = made.json().token;
  });
  afterEach(() => h.close());

  const signIn = async (token: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    const setCookie = String(res.headers['set-cookie'] ?? '');
    return { res, setCookie, cookie: setCookie.split(';')[0] ?? '' };
  };

  it('signs in with a valid token: an HttpOnly, SameSite=Strict session cookie and the session with its permissions', async () => {
    const { res, setCookie } = await signIn(h.adminToken);
    assert.equal(res.statusCode, 200);
    assert.match(setCookie, /^deckhand_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const body = res.json();
    assert.equal(body.name, 'admin');
    assert.equal(body.role, 'admin');
    assert.deepEqual(body.permissions, ['read', 'deploy', 'manage', 'admin']);
    assert.match(body.csrf, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(body).includes(h.adminToken), 'the answer never repeats the token');
  });

  it('refuses an unknown token with 401, sets no cookie and records nothing', async () => {
    const before = (await h.app.inject({ method: 'GET', url: '/v1/audit', headers: h.auth })).json().records.length;
    const { res, setCookie } = await signIn('dh_not-a-token');
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { error: { code: 'AUTH_FAILED', message: 'unknown API token' } });
    assert.equal(setCookie, '');
    const after = (await h.app.inject({ method: 'GET', url: '/v1/audit', headers: h.auth })).json().records;
    assert.equal(after.length, before);
  });

  it('refuses a body without a token, naming the field', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { tokn: 'x' } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().error, { code: 'VALIDATION_FAILED', message: 'token: Required', field: 'token' });
  });

  it('audits a sign-in under the token\'s name without the token in it', async () => {
    await signIn(viewer);
    const { records } = (await h.app.inject({ method: 'GET', url: '/v1/audit', headers: h.auth })).json();
    const record = records.find((r: { action: string }) => r.action === 'POST /v1/session');
    assert.equal(record?.actor, 'watcher');
    assert.ok(!JSON.stringify(records).includes(viewer), 'the token is not in the audit log');
  });

  it('authenticates reads by the cookie and says who is signed in', async () => {
    const { cookie } = await signIn(viewer);
    const res = await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().role, 'viewer');
    assert.deepEqual(res.json().permissions, ['read']);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/applications', headers: { cookie } })).statusCode, 200);
  });

  it('refuses a cookie-authenticated change without the CSRF header, and changes nothing', async () => {
    const { cookie } = await signIn(h.adminToken);
    const res = await h.app.inject({ method: 'POST', url: '/v1/applications', headers: { cookie }, payload: { name: 'api' } });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /must send the x-deckhand-csrf header/);
    const apps = (await h.app.inject({ method: 'GET', url: '/v1/applications', headers: h.auth })).json().applications;
    assert.deepEqual(apps.map((a: { name: string }) => a.name), ['web']);
  });

  it('refuses a wrong CSRF value, and accepts the session\'s own', async () => {
    const { res: signed, cookie } = await signIn(h.adminToken);
    const wrong = await h.app.inject({ method: 'POST', url: '/v1/applications', headers: { cookie, 'x-deckhand-csrf': 'f'.repeat(64) }, payload: { name: 'api' } });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.json().error.message, /does not match this session/);
    const right = await h.app.inject({ method: 'POST', url: '/v1/applications', headers: { cookie, 'x-deckhand-csrf': signed.json().csrf }, payload: { name: 'api' } });
    assert.equal(right.statusCode, 201);
  });

  it('does not let the CSRF value of one session serve another token', async () => {
    const admin = await signIn(h.adminToken);
    const other = await signIn(viewer);
    assert.notEqual(admin.res.json().csrf, other.res.json().csrf);
  });

  it('applies the role of the cookie\'s token: a viewer may not stop a deployment', async () => {
    const { res: signed, cookie } = await signIn(viewer);
    const res = await h.app.inject({ method: 'POST', url: '/v1/deployments/d-AAAAAAAAAA/stop', headers: { cookie, 'x-deckhand-csrf': signed.json().csrf }, payload: {} });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /token watcher has the role viewer, which lacks the permission deploy/);
  });

  it('signs out by clearing the cookie', async () => {
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/session' });
    assert.equal(res.statusCode, 204);
    assert.match(String(res.headers['set-cookie']), /^deckhand_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
  });

  it('stops accepting the cookie once its token is revoked', async () => {
    const { cookie } = await signIn(viewer);
    assert.equal((await h.app.inject({ method: 'DELETE', url: '/v1/api-tokens/watcher', headers: h.auth })).statusCode, 200);
    const res = await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(res.statusCode, 401);
    assert.match(res.json().error.message, /API token watcher was revoked at/);
  });

  it('prefers the Authorization header when both are sent (a bearer request needs no CSRF header)', async () => {
    const { cookie } = await signIn(viewer);
    const res = await h.app.inject({ method: 'POST', url: '/v1/applications', headers: { cookie, ...h.auth }, payload: { name: 'api' } });
    assert.equal(res.statusCode, 201);
  });
});
