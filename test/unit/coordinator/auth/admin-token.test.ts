import assert from 'node:assert/strict';
import { ensureAdminToken } from '../../../../coordinator/src/auth/admin-token.ts';
import { tokenHasher } from '../../../../coordinator/src/auth/token-hash.ts';
import { countApiTokens, findApiToken, listApiTokens } from '../../../../coordinator/src/store/sqlite/tokens.ts';
import type { Db } from '../../../../coordinator/src/store/sqlite/db.ts';
import type { SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import { tempStore } from '../scheduler/seed.ts';

const AT = '2030-01-01T00:00:00.000Z';
const hasher = tokenHasher(Buffer.alloc(32, 1));

describe('auth/admin-token', () => {
  let store: SqliteStore;
  let db: Db;
  let cleanup: () => void;
  beforeEach(() => {
    ({ store, db, cleanup } = tempStore());
  });
  afterEach(() => cleanup());

  describe('#ensureAdminToken', () => {
    it('generates and returns an admin-role token when the store has none', async () => {
      const shown = await ensureAdminToken(store, hasher, { createdAt: AT, generate: () => 'dh_generated' });
      assert.equal(shown, 'dh_generated');
      const row = findApiToken(db, hasher.lookup('dh_generated'));
      assert.equal(row?.name, 'admin');
      assert.equal(row?.role, 'admin');
      assert.equal(row?.applications, null);
    });

    it('generates nothing once a token exists', async () => {
      await ensureAdminToken(store, hasher, { createdAt: AT, generate: () => 'dh_first' });
      assert.equal(await ensureAdminToken(store, hasher, { createdAt: AT, generate: () => 'dh_second' }), undefined);
      assert.equal(countApiTokens(db), 1);
    });

    it('stores the environment token once and shows nothing', async () => {
      assert.equal(await ensureAdminToken(store, hasher, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' }), undefined);
      await ensureAdminToken(store, hasher, { envToken: 'dh_env', createdAt: AT, generate: () => 'dh_gen' });
      assert.equal(countApiTokens(db), 1);
      assert.ok(findApiToken(db, hasher.lookup('dh_env')));
    });

    it('replaces an earlier environment token: the old secret is revoked, the new one works', async () => {
      await ensureAdminToken(store, hasher, { envToken: 'dh_old', createdAt: AT, generate: () => 'dh_gen' });
      await ensureAdminToken(store, hasher, { envToken: 'dh_new', createdAt: AT, generate: () => 'dh_gen' });
      assert.equal(findApiToken(db, hasher.lookup('dh_old'))?.revokedAt, AT);
      assert.equal(findApiToken(db, hasher.lookup('dh_new'))?.revokedAt, undefined);
      assert.equal(listApiTokens(db).length, 2);
    });
  });
});
