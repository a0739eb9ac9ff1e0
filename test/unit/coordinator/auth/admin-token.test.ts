import assert from 'node:assert/strict';
import { ensureAdminToken } from '../../../../coordinator/src/auth/admin-token.ts';
import { countApiTokens, findApiToken } from '../../../../coordinator/src/store/sqlite/tokens.ts';
import type { Db } from '../../../../coordinator/src/store/sqlite/db.ts';
import type { SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import { tempStore } from '../scheduler/seed.ts';

const AT = '2030-01-01T00:00:00.000Z';

describe('auth/admin-token', () => {
  let store: SqliteStore;
  let db: Db;
  let cleanup: () => void;
  beforeEach(() => {
    ({ store, db, cleanup } = tempStore());
  });
  afterEach(() => cleanup());

  describe('#ensureAdminToken', () => {
    it('generates and returns a token when the store has none', async () => {
      const shown = await ensureAdminToken(store, { createdAt: AT, generate: () => 'dh_generated' });
      assert.equal(shown, 'dh_generated');
      assert.equal(findApiToken(db, 'dh_generated')?.name, 'admin');
    });

    it('generates nothing once a token exists', async () => {
      await ensureAdminToken(store, { createdAt: AT, generate: () => 'dh_first' });
      assert.equal(await ensureAdminToken(store, { createdAt: AT, generate: () => 'dh_second' }), undefined);
      assert.equal(countApiTokens(db), 1);
    });

    it('stores the environment token once and shows nothing', async () => {
      assert.equal(await ensureAdminToken(store, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' }), undefined);
      await ensureAdminToken(store, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' });
      assert.equal(countApiTokens(db), 1);
      assert.ok(findApiToken(db, 'dh_env'));
    });
  });
});
