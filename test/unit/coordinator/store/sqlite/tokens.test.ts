import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import {
  findApiToken,
  findLiveApiTokenByName,
  findRegistrationToken,
  incrementRegistrationTokenUses,
  insertApiToken,
  insertRegistrationToken,
  listApiTokens,
  listRegistrationTokens,
  revokeApiToken,
  revokeRegistrationToken,
} from '../../../../../coordinator/src/store/sqlite/tokens.ts';
import { tokenHasher } from '../../../../../coordinator/src/auth/token-hash.ts';
import { tempDir } from '../../api/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-02T00:00:00.000Z';
const hasher = tokenHasher(Buffer.alloc(32, 3));
const apiToken = (name: string, secret: string) => ({ name, role: 'deployer' as const, applications: ['web'], groups: null, hash: hasher.hash(secret), createdAt: AT, createdBy: 'admin' });

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

  it('stores only the keyed hash of an API token, never the secret', () => {
    insertApiToken(db, apiToken('ci', 'dh_secret'));
    const raw = db.prepare('SELECT hash FROM api_tokens').get() as { hash: string };
    assert.equal(raw.hash, hasher.hash('dh_secret'));
    assert.notEqual(raw.hash, tokenHasher(Buffer.alloc(32, 4)).hash('dh_secret'), 'another key gives another hash');
  });

  it('finds an API token by its secret with its role and scope, and not by a wrong one', () => {
    insertApiToken(db, apiToken('ci', 'dh_secret'));
    const row = findApiToken(db, hasher.lookup('dh_secret'));
    assert.equal(row?.name, 'ci');
    assert.equal(row?.role, 'deployer');
    assert.deepEqual(row?.applications, ['web']);
    assert.equal(row?.groups, null);
    assert.equal(findApiToken(db, hasher.lookup('dh_other')), undefined);
  });

  it('still finds a token stored as the plain sha256 of earlier versions', () => {
    db.prepare("INSERT INTO api_tokens (token_id, name, hash, created_at) VALUES ('at_old', 'admin', ?, ?)")
      .run(hasher.lookup('dh_legacy')[1], AT);
    const row = findApiToken(db, hasher.lookup('dh_legacy'));
    assert.equal(row?.name, 'admin');
    assert.equal(row?.role, 'admin', 'tokens from before roles were admins');
  });

  it('refuses a second live token of one name, and allows the name again once revoked', () => {
    const first = insertApiToken(db, apiToken('ci', 'dh_a'));
    assert.throws(() => insertApiToken(db, apiToken('ci', 'dh_b')), /UNIQUE/);
    assert.equal(revokeApiToken(db, first.tokenId, LATER), true);
    assert.equal(revokeApiToken(db, first.tokenId, LATER), false, 'a revoked token is not revoked twice');
    insertApiToken(db, apiToken('ci', 'dh_b'));
    assert.equal(findLiveApiTokenByName(db, 'ci')?.tokenId !== first.tokenId, true);
    assert.equal(listApiTokens(db).length, 2);
  });

  it('round-trips a registration token with tags, counts its uses and revokes it', () => {
    const row = insertRegistrationToken(db, { hash: hasher.hash('dhr_x'), expiresAt: AT, maxUses: 2, tags: { env: 'prod' }, allowTagKeys: ['role'], createdAt: AT });
    incrementRegistrationTokenUses(db, row.tokenId);
    assert.deepEqual(findRegistrationToken(db, hasher.lookup('dhr_x')), { ...row, uses: 1 });
    assert.equal(listRegistrationTokens(db).length, 1);
    assert.equal(revokeRegistrationToken(db, row.tokenId, LATER), true);
    assert.equal(findRegistrationToken(db, hasher.lookup('dhr_x'))?.revokedAt, LATER);
    assert.equal(revokeRegistrationToken(db, row.tokenId, LATER), false);
  });

  it('keeps an unlimited registration token as maxUses null', () => {
    insertRegistrationToken(db, { hash: hasher.hash('dhr_y'), expiresAt: AT, maxUses: null, tags: {}, allowTagKeys: [], createdAt: AT });
    assert.equal(findRegistrationToken(db, hasher.lookup('dhr_y'))?.maxUses, null);
  });
});
