import assert from 'node:assert/strict';
import { ensureAdminToken } from '../../../../coordinator/src/auth/admin-token.ts';
import { forEachStore } from '../store/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

forEachStore('auth/admin-token', (current) => {
  describe('#ensureAdminToken', () => {
    it('generates and returns a token when the store has none', async () => {
      const { store } = current();
      const shown = await ensureAdminToken(store, { createdAt: AT, generate: () => 'dh_generated' });
      assert.equal(shown, 'dh_generated');
      assert.equal((await store.tokens.findApiToken('dh_generated'))?.name, 'admin');
    });

    it('generates nothing once a token exists', async () => {
      const { store } = current();
      await ensureAdminToken(store, { createdAt: AT, generate: () => 'dh_first' });
      assert.equal(await ensureAdminToken(store, { createdAt: AT, generate: () => 'dh_second' }), undefined);
      assert.equal(await store.tokens.countApiTokens(), 1);
    });

    it('stores the environment token once and shows nothing', async () => {
      const { store } = current();
      assert.equal(await ensureAdminToken(store, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' }), undefined);
      await ensureAdminToken(store, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' });
      assert.equal(await store.tokens.countApiTokens(), 1);
      assert.ok(await store.tokens.findApiToken('dh_env'));
    });

    it('stores the environment token once when several coordinators start together', async () => {
      const { store } = current();
      await Promise.all([1, 2, 3].map(() => ensureAdminToken(store, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' })));
      assert.equal(await store.tokens.countApiTokens(), 1);
    });
  });
});
