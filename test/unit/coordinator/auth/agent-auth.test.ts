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
    nonces = new NonceCache();
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

describe('NonceCache', () => {
  it('forgets a nonce after its TTL', async () => {
    const cache = new NonceCache(1000);
    assert.equal(cache.checkAndAdd('n', 0), true);
    assert.equal(cache.checkAndAdd('n', 999), false);
    assert.equal(cache.checkAndAdd('n', 2000), true);
  });

  it('prunes expired nonces so memory stays bounded', async () => {
    const cache = new NonceCache(1000);
    for (let i = 0; i < 100; i++) cache.checkAndAdd(`n${i}`, i);
    cache.checkAndAdd('late', 5000);
    assert.equal(cache.size, 1);
  });
});
