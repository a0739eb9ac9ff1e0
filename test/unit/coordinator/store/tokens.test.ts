import assert from 'node:assert/strict';
import { tokenHasher } from '../../../../coordinator/src/auth/token-hash.ts';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-02T00:00:00.000Z';
const hasher = tokenHasher(Buffer.alloc(32, 3));
const apiToken = (name: string, secret: string) => ({ name, role: 'deployer' as const, applications: ['web'], groups: null, hash: hasher.hash(secret), createdAt: AT, createdBy: 'admin' });

interface HashRow {
  hash: string;
}

forEachStore('store/tokens', (current) => {
  it('stores only the keyed hash of an API token, never the secret', async () => {
    const t = current();
    await t.store.tokens.insertApiToken(apiToken('ci', 'dh_secret'));
    const raw = await t.get<HashRow>('SELECT hash FROM api_tokens');
    assert.equal(raw?.hash, hasher.hash('dh_secret'));
    assert.notEqual(raw?.hash, tokenHasher(Buffer.alloc(32, 4)).hash('dh_secret'), 'another key gives another hash');
  });

  it('finds an API token by its secret with its role and scope, and not by a wrong one', async () => {
    const { store } = current();
    await store.tokens.insertApiToken(apiToken('ci', 'dh_secret'));
    const row = await store.tokens.findApiToken(hasher.lookup('dh_secret'));
    assert.equal(row?.name, 'ci');
    assert.equal(row?.role, 'deployer');
    assert.deepEqual(row?.applications, ['web']);
    assert.equal(row?.groups, null);
    assert.equal(await store.tokens.findApiToken(hasher.lookup('dh_other')), undefined);
  });

  it('still finds a token stored as the plain sha256 of earlier versions', async () => {
    const t = current();
    await t.run("INSERT INTO api_tokens (token_id, name, hash, created_at) VALUES ('at_old', 'admin', ?, ?)", hasher.lookup('dh_legacy')[1], AT);
    const row = await t.store.tokens.findApiToken(hasher.lookup('dh_legacy'));
    assert.equal(row?.name, 'admin');
    assert.equal(row?.role, 'admin', 'tokens from before roles were admins');
  });

  it('refuses a second live token of one name, and allows the name again once revoked', async () => {
    const { store } = current();
    const first = await store.tokens.insertApiToken(apiToken('ci', 'dh_a'));
    await assert.rejects(store.tokens.insertApiToken(apiToken('ci', 'dh_b')), /UNIQUE|unique|duplicate/);
    assert.equal(await store.tokens.revokeApiToken(first.tokenId, LATER), true);
    assert.equal(await store.tokens.revokeApiToken(first.tokenId, LATER), false, 'a revoked token is not revoked twice');
    await store.tokens.insertApiToken(apiToken('ci', 'dh_b'));
    assert.equal((await store.tokens.findLiveApiTokenByName('ci'))?.tokenId !== first.tokenId, true);
    assert.equal((await store.tokens.listApiTokens()).length, 2);
  });

  it('round-trips a registration token with tags, counts its uses and revokes it', async () => {
    const { store } = current();
    const row = await store.tokens.insertRegistrationToken({ hash: hasher.hash('dhr_x'), expiresAt: AT, maxUses: 2, tags: { env: 'prod' }, allowTagKeys: ['role'], createdAt: AT });
    await store.transaction((tx) => tx.tokens.countRegistrationTokenUse(row.tokenId));
    assert.deepEqual(await store.tokens.findRegistrationToken(hasher.lookup('dhr_x')), { ...row, uses: 1 });
    assert.equal((await store.tokens.listRegistrationTokens()).length, 1);
    assert.equal(await store.tokens.revokeRegistrationToken(row.tokenId, LATER), true);
    assert.equal((await store.tokens.findRegistrationToken(hasher.lookup('dhr_x')))?.revokedAt, LATER);
    assert.equal(await store.tokens.revokeRegistrationToken(row.tokenId, LATER), false);
  });

  it('keeps an unlimited registration token as maxUses null', async () => {
    const { store } = current();
    await store.tokens.insertRegistrationToken({ hash: hasher.hash('dhr_y'), expiresAt: AT, maxUses: null, tags: {}, allowTagKeys: [], createdAt: AT });
    assert.equal((await store.tokens.findRegistrationToken(hasher.lookup('dhr_y')))?.maxUses, null);
  });
});
