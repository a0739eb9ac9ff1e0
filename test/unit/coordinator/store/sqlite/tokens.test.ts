import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import {
  findApiToken,
  findRegistrationToken,
  incrementRegistrationTokenUses,
  insertApiToken,
  insertRegistrationToken,
  listRegistrationTokens,
} from '../../../../../coordinator/src/store/sqlite/tokens.ts';
import { hashSecret } from '../../../../../coordinator/src/store/secrets.ts';
import { tempDir } from '../../api/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

describe('store/tokens', () => {
  let db: Db;
  let remove: () => void;
  beforeEach(() => {
    const t = tempDir();
    remove = t.remove;
    db = openDatabase(path.join(t.dir, 'coordinator.db'));
  });
  afterEach(() => {
    db.close();
    remove();
  });

  it('stores only the sha256 of an API token', () => {
    insertApiToken(db, { name: 'admin', secret: 'dh_secret', createdAt: AT });
    const raw = db.prepare('SELECT hash FROM api_tokens').get() as { hash: string };
    assert.equal(raw.hash, hashSecret('dh_secret'));
    assert.notEqual(raw.hash, 'dh_secret');
  });

  it('finds an API token by its secret and not by a wrong one', () => {
    insertApiToken(db, { name: 'admin', secret: 'dh_secret', createdAt: AT });
    assert.equal(findApiToken(db, 'dh_secret')?.name, 'admin');
    assert.equal(findApiToken(db, 'dh_other'), undefined);
  });

  it('round-trips a registration token with tags and counts its uses', () => {
    const row = insertRegistrationToken(db, { secret: 'dhr_x', expiresAt: AT, maxUses: 2, tags: { env: 'prod' }, createdAt: AT });
    incrementRegistrationTokenUses(db, row.tokenId);
    const read = findRegistrationToken(db, 'dhr_x');
    assert.deepEqual(read, { ...row, uses: 1 });
    assert.equal(listRegistrationTokens(db).length, 1);
  });

  it('keeps an unlimited registration token as maxUses null', () => {
    insertRegistrationToken(db, { secret: 'dhr_y', expiresAt: AT, maxUses: null, tags: {}, createdAt: AT });
    assert.equal(findRegistrationToken(db, 'dhr_y')?.maxUses, null);
  });
});
