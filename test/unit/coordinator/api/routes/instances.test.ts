import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { findRegistrationToken } from '../../../../../coordinator/src/store/sqlite/tokens.ts';
import { getInstance, touchInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { agentKeys, startHarness, testHasher, type Harness } from '../harness.ts';

describe('instance, registration-token and registration routes', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const newToken = async (payload: object = {}): Promise<string> => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/registration-tokens', headers: h.auth, payload });
    assert.equal(res.statusCode, 201);
    return res.json().token as string;
  };
  const getInstances = (harness: Harness) => harness.db.prepare('SELECT instance_id FROM instances').all();
  const register = (token: string, extra: object = {}) =>
    h.app.inject({ method: 'POST', url: '/v1/register', payload: { token, publicKey: agentKeys().publicKeyPem, hostname: 'web-1', ...extra } });

  describe('POST /v1/registration-tokens', () => {
    it('returns the secret once, with defaults of one hour and one use', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/registration-tokens', headers: h.auth, payload: {} });
      const body = res.json();
      assert.match(body.token, /^dhr_/);
      assert.equal(body.expiresAt, '2030-01-01T01:00:00.000Z');
      assert.equal(body.maxUses, 1);
      assert.equal(body.uses, 0);
    });

    it('lists tokens without their secrets', async () => {
      await newToken({ tags: { env: 'prod' } });
      const res = await h.app.inject({ method: 'GET', url: '/v1/registration-tokens', headers: h.auth });
      const [token] = res.json().registrationTokens;
      assert.equal(token.token, undefined);
      assert.deepEqual(token.tags, { env: 'prod' });
    });

    it('names a bad ttlSeconds', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/registration-tokens', headers: h.auth, payload: { ttlSeconds: -1 } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'ttlSeconds');
    });

    it('requires an admin token', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/registration-tokens', payload: {} });
      assert.equal(res.statusCode, 401);
    });
  });

  describe('POST /v1/register', () => {
    it('registers a host without an admin token and stores its key', async () => {
      const keys = agentKeys();
      const res = await register(await newToken({ allowTagKeys: ['role'] }), { publicKey: keys.publicKeyPem, tags: { role: 'web' } });
      assert.equal(res.statusCode, 201);
      const body = res.json();
      assert.match(body.instanceId, /^i-/);
      assert.deepEqual(body.tags, { role: 'web' });
      assert.equal(getInstance(h.db, body.instanceId)?.publicKey, keys.publicKeyPem);
    });

    it('refuses a tag the token does not let the host set, naming it, and registers nothing', async () => {
      const token = await newToken({ tags: { env: 'dev' }, maxUses: null });
      const res = await register(token, { tags: { env: 'dev', role: 'db' } });
      assert.equal(res.statusCode, 403);
      assert.match(res.json().error.message, /does not let a host set the tag role \(it allows env\); an operator can tag the host, or make a token with --allow-tag-keys role/);
      assert.equal(findRegistrationToken(h.db, testHasher.lookup(token))?.uses, 0);
      assert.deepEqual(getInstances(h), []);
      assert.equal((await register(token, { tags: { env: 'prod' } })).json().tags.env, 'dev', 'a preset key: the token wins');
      const any = await newToken({ allowTagKeys: ['*'] });
      assert.equal((await register(any, { tags: { role: 'db' } })).statusCode, 201, '* allows any key');
    });

    it('merges preset tags over the host\'s own tags', async () => {
      const token = await newToken({ tags: { env: 'prod', team: 'a' }, allowTagKeys: ['role'] });
      const res = await register(token, { tags: { env: 'dev', role: 'web' } });
      assert.deepEqual(res.json().tags, { env: 'prod', team: 'a', role: 'web' });
    });

    it('refuses a second use of a single-use token', async () => {
      const token = await newToken();
      assert.equal((await register(token)).statusCode, 201);
      const res = await register(token);
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json().error, { code: 'AUTH_FAILED', message: 'registration token has been used up' });
    });

    it('allows exactly maxUses registrations and counts them', async () => {
      const token = await newToken({ maxUses: 3 });
      for (let i = 0; i < 3; i++) assert.equal((await register(token)).statusCode, 201);
      assert.equal((await register(token)).statusCode, 401);
      assert.equal(findRegistrationToken(h.db, testHasher.lookup(token))?.uses, 3);
    });

    it('allows unlimited registrations when maxUses is null', async () => {
      const token = await newToken({ maxUses: null });
      for (let i = 0; i < 5; i++) assert.equal((await register(token)).statusCode, 201);
    });

    it('refuses an expired token', async () => {
      const token = await newToken({ ttlSeconds: 60 });
      h.clock.advance(60_000);
      const res = await register(token);
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json().error, { code: 'AUTH_FAILED', message: 'registration token has expired' });
    });

    it('accepts a token just before it expires', async () => {
      const token = await newToken({ ttlSeconds: 60 });
      h.clock.advance(59_999);
      assert.equal((await register(token)).statusCode, 201);
    });

    it('refuses an unknown token', async () => {
      const res = await register('dhr_unknown');
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json().error, { code: 'AUTH_FAILED', message: 'unknown registration token' });
    });

    it('refuses a public key that is not Ed25519 without using the token', async () => {
      const token = await newToken();
      const res = await register(token, { publicKey: 'not a key' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'publicKey');
      assert.equal(findRegistrationToken(h.db, testHasher.lookup(token))?.uses, 0);
    });

    it('refuses a private key sent as publicKey, stores nothing and does not echo the key', async () => {
      const token = await newToken();
      const { privateKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const res = await register(token, { publicKey: pem });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'publicKey');
      assert.match(res.json().error.message, /private key/);
      assert.doesNotMatch(res.body, /PRIVATE KEY|MC4CAQ/);
      assert.equal(getInstances(h).length, 0);
      assert.equal(findRegistrationToken(h.db, testHasher.lookup(token))?.uses, 0);
    });

    it('refuses an X25519 public key', async () => {
      const token = await newToken();
      const pem = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const res = await register(token, { publicKey: pem });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /publicKey: must be an Ed25519 key/);
    });

    it('refuses a public key followed by a second PEM block', async () => {
      const token = await newToken();
      const res = await register(token, { publicKey: agentKeys().publicKeyPem + agentKeys().publicKeyPem });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /publicKey: must be one PEM block/);
    });

    it('names a missing hostname', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/register', payload: { token: 't', publicKey: 'k' } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'hostname');
    });
  });

  describe('GET /v1/instances', () => {
    it('lists instances with connected taken from the hub', async () => {
      const a = (await register(await newToken())).json().instanceId as string;
      const b = (await register(await newToken())).json().instanceId as string;
      h.connected.add(a);
      touchInstance(h.db, b, { lastSeen: '2030-01-01T00:05:00.000Z', agentVersion: '0.1.0' });
      const res = await h.app.inject({ method: 'GET', url: '/v1/instances', headers: h.auth });
      assert.equal(res.statusCode, 200);
      const byId = new Map(res.json().instances.map((i: { instanceId: string }) => [i.instanceId, i]));
      assert.equal((byId.get(a) as { connected: boolean }).connected, true);
      assert.equal((byId.get(b) as { connected: boolean }).connected, false);
      assert.equal((byId.get(b) as { agentVersion: string }).agentVersion, '0.1.0');
      assert.equal((byId.get(a) as object as Record<string, unknown>)['publicKey'], undefined);
    });
  });
});
