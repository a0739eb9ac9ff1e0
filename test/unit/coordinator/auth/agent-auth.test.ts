import assert from 'node:assert/strict';
import path from 'node:path';
import { NonceCache, verifyAgentRequest } from '../../../../coordinator/src/auth/agent-auth.ts';
import { openSqliteStore, type SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import { agentKeys, FakeClock, signedHeaders, tempDir } from '../api/harness.ts';

const ID = 'i-AGENT0001';
const CONNECT = '/v1/agent/connect';

describe('verifyAgentRequest', () => {
  let store: SqliteStore;
  let remove: () => void;
  let clock: FakeClock;
  let nonces: NonceCache;
  let keys: ReturnType<typeof agentKeys>;
  beforeEach(async () => {
    const t = tempDir();
    remove = t.remove;
    store = openSqliteStore(path.join(t.dir, 'coordinator.db'));
    clock = new FakeClock();
    nonces = new NonceCache(store.nonces);
    keys = agentKeys();
    await store.instances.insert({ instanceId: ID, hostname: 'h', publicKey: keys.publicKeyPem, tags: {}, registeredAt: clock.now().toISOString() });
  });
  afterEach(async () => {
    await store.close();
    remove();
  });

  function verify(headers: Record<string, string>, method = 'GET', urlPath = CONNECT) {
    return verifyAgentRequest({ instances: store.instances, clock, nonces }, { method, path: urlPath, headers });
  }

  it('accepts a request signed with the registered key', async () => {
    assert.deepEqual(await verify(signedHeaders(ID, keys.privateKey, 'GET', CONNECT, clock.now())), { ok: true, instanceId: ID });
  });

  it('rejects a request signed with another key', async () => {
    const other = agentKeys();
    assert.deepEqual(await verify(signedHeaders(ID, other.privateKey, 'GET', CONNECT, clock.now())), { ok: false, message: 'signature does not verify' });
  });

  it('rejects a signature made for another path', async () => {
    const headers = signedHeaders(ID, keys.privateKey, 'GET', '/v1/revisions/r-AAAAAAAA/content', clock.now());
    assert.deepEqual(await verify(headers), { ok: false, message: 'signature does not verify' });
  });

  it('rejects an unknown instance', async () => {
    assert.deepEqual(await verify(signedHeaders('i-NOBODY001', keys.privateKey, 'GET', CONNECT, clock.now())), { ok: false, message: 'unknown instance' });
  });

  it('rejects a timestamp beyond the allowed skew', async () => {
    const old = new Date(clock.now().getTime() - 6 * 60 * 1000);
    const result = await verify(signedHeaders(ID, keys.privateKey, 'GET', CONNECT, old));
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /skew/);
  });

  it('accepts a timestamp within the allowed skew', async () => {
    const ahead = new Date(clock.now().getTime() + 4 * 60 * 1000);
    assert.equal((await verify(signedHeaders(ID, keys.privateKey, 'GET', CONNECT, ahead))).ok, true);
  });

  it('rejects a replayed nonce', async () => {
    const headers = signedHeaders(ID, keys.privateKey, 'GET', CONNECT, clock.now());
    assert.equal((await verify(headers)).ok, true);
    assert.deepEqual(await verify(headers), { ok: false, message: 'nonce was already used' });
  });

  it('rejects a request without signature headers', async () => {
    assert.deepEqual(await verify({}), { ok: false, message: 'missing signature headers' });
  });
});

describe('NonceCache (store/nonces)', () => {
  let store: SqliteStore;
  let dir: string;
  let remove: () => void;
  beforeEach(() => {
    ({ dir, remove } = tempDir());
    store = openSqliteStore(path.join(dir, 'coordinator.db'));
  });
  afterEach(async () => {
    await store.close();
    remove();
  });

  it('forgets a nonce after its TTL', async () => {
    const cache = new NonceCache(store.nonces, 1000);
    assert.equal(await cache.checkAndAdd('n', 0), true);
    assert.equal(await cache.checkAndAdd('n', 999), false);
    assert.equal(await cache.checkAndAdd('n', 2000), true);
  });

  it('deletes expired nonces so the table stays bounded', async () => {
    const cache = new NonceCache(store.nonces, 1000);
    for (let i = 0; i < 100; i++) await cache.checkAndAdd(`n${i}`, i);
    await cache.checkAndAdd('late', 120_000);
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM used_nonces').get() as { n: number }).n, 1);
  });

  it('remembers a nonce across a restart of the coordinator, and another coordinator of the store refuses it', async () => {
    assert.equal(await new NonceCache(store.nonces).checkAndAdd('i-A:n1', 0), true);
    await store.close();
    store = openSqliteStore(path.join(dir, 'coordinator.db'));
    assert.equal(await new NonceCache(store.nonces).checkAndAdd('i-A:n1', 1000), false);
  });
});

describe('verifyAgentRequest nonces', () => {
  it('refuses a nonce that is not 16 to 64 random bytes, before anything else', async () => {
    const { dir, remove } = tempDir();
    const store = openSqliteStore(path.join(dir, 'coordinator.db'));
    try {
      const clock = new FakeClock();
      const keys = agentKeys();
      await store.instances.insert({ instanceId: ID, hostname: 'h', publicKey: keys.publicKeyPem, tags: {}, registeredAt: clock.now().toISOString() });
      const headers = signedHeaders(ID, keys.privateKey, 'GET', CONNECT, clock.now());
      for (const nonce of ['short', 'x'.repeat(10_000), 'not base64url!!!!!!!!!!!!!!']) {
        const result = await verifyAgentRequest({ instances: store.instances, clock, nonces: new NonceCache(store.nonces) }, { method: 'GET', path: CONNECT, headers: { ...headers, 'x-deckhand-nonce': nonce } });
        assert.deepEqual(result, { ok: false, message: 'the nonce must be 16 to 64 random bytes, base64url' });
      }
      assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM used_nonces').get() as { n: number }).n, 0);
    } finally {
      await store.close();
      remove();
    }
  });
});
