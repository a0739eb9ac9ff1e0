import assert from 'node:assert/strict';
import { ensureAdminToken } from '../../../../coordinator/src/auth/admin-token.ts';
import { tokenHasher } from '../../../../coordinator/src/auth/token-hash.ts';
import { forEachStore } from '../store/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const hasher = tokenHasher(Buffer.alloc(32, 1));

forEachStore('auth/admin-token', (current) => {
  describe('#ensureAdminToken', () => {
    it('generates and returns an admin-role token when the store has none', async () => {
      const { store } = current();
      const shown = await ensureAdminToken(store, hasher, { createdAt: AT, generate: () => 'dh_generated' });
      assert.equal(shown, 'dh_generated');
      const row = await store.tokens.findApiToken(hasher.lookup('dh_generated'));
      assert.equal(row?.name, 'admin');
      assert.equal(row?.role, 'admin');
      assert.equal(row?.applications, null);
    });

    it('generates nothing once a token exists', async () => {
      const { store } = current();
      await ensureAdminToken(store, hasher, { createdAt: AT, generate: () => 'dh_first' });
      assert.equal(await ensureAdminToken(store, hasher, { createdAt: AT, generate: () => 'dh_second' }), undefined);
      assert.equal(await store.tokens.countApiTokens(), 1);
    });

    it('stores the environment token once and shows nothing', async () => {
      const { store } = current();
      assert.equal(await ensureAdminToken(store, hasher, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' }), undefined);
      await ensureAdminToken(store, hasher, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' });
      assert.equal(await store.tokens.countApiTokens(), 1);
      assert.ok(await store.tokens.findApiToken(hasher.lookup('dh_env')));
    });

    it('replaces an earlier environment token: the old secret is revoked, the new one works', async () => {
      const { store } = current();
      await ensureAdminToken(store, hasher, { envToken: 'dh_old', createdAt: AT, generate: () => 'dh_gen' });
      await ensureAdminToken(store, hasher, { envToken: 'dh_new', createdAt: AT, generate: () => 'dh_gen' });
      assert.equal((await store.tokens.findApiToken(hasher.lookup('dh_old')))?.revokedAt, AT);
      assert.equal((await store.tokens.findApiToken(hasher.lookup('dh_new')))?.revokedAt, undefined);
      assert.equal((await store.tokens.listApiTokens()).length, 2);
    });

    it('stores the environment token once when several coordinators start together', async () => {
      const { store } = current();
      await Promise.all([1, 2, 3].map(() => ensureAdminToken(store, hasher, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' })));
      assert.equal(await store.tokens.countApiTokens(), 1);
    });
  });
});
