import assert from 'node:assert/strict';
import { hashSecret } from '../../../../coordinator/src/store/secrets.ts';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

interface HashRow {
  hash: string;
}

forEachStore('store/tokens', (current) => {
  it('stores only the sha256 of an API token', async () => {
    const t = current();
    await t.store.tokens.insertApiToken({ name: 'admin', secret: 'dh_secret', createdAt: AT });
    const raw = await t.get<HashRow>('SELECT hash FROM api_tokens');
    assert.equal(raw?.hash, hashSecret('dh_secret'));
    assert.notEqual(raw?.hash, 'dh_secret');
  });

  it('finds an API token by its secret and not by a wrong one', async () => {
    const { store } = current();
    await store.tokens.insertApiToken({ name: 'admin', secret: 'dh_secret', createdAt: AT });
    assert.equal((await store.tokens.findApiToken('dh_secret'))?.name, 'admin');
    assert.equal(await store.tokens.findApiToken('dh_other'), undefined);
    assert.equal(await store.tokens.countApiTokens(), 1);
  });

  it('round-trips a registration token with tags and counts its uses', async () => {
    const { store } = current();
    const row = await store.tokens.insertRegistrationToken({ secret: 'dhr_x', expiresAt: AT, maxUses: 2, tags: { env: 'prod' }, createdAt: AT });
    await store.transaction((tx) => tx.tokens.countRegistrationTokenUse(row.tokenId));
    assert.deepEqual(await store.tokens.findRegistrationToken('dhr_x'), { ...row, uses: 1 });
    assert.equal((await store.tokens.listRegistrationTokens()).length, 1);
  });

  it('keeps an unlimited registration token as maxUses null', async () => {
    const { store } = current();
    await store.tokens.insertRegistrationToken({ secret: 'dhr_y', expiresAt: AT, maxUses: null, tags: {}, createdAt: AT });
    assert.equal((await store.tokens.findRegistrationToken('dhr_y'))?.maxUses, null);
  });
});
