import assert from 'node:assert/strict';
import path from 'node:path';
import { hasErrorCode } from '../../../../../protocol/src/index.ts';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import {
  getApplication,
  getApplicationByName,
  insertApplication,
  listApplications,
} from '../../../../../coordinator/src/store/sqlite/applications.ts';
import { tempDir } from '../../api/harness.ts';

describe('store/applications', () => {
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

  it('reads back an inserted application by id and by name', () => {
    const row = insertApplication(db, { name: 'web', createdAt: '2030-01-01T00:00:00.000Z' });
    assert.match(row.applicationId, /^a-/);
    assert.deepEqual(getApplication(db, row.applicationId), row);
    assert.deepEqual(getApplicationByName(db, 'web'), row);
  });

  it('refuses a second application with the same name as CONFLICT', () => {
    insertApplication(db, { name: 'web', createdAt: '2030-01-01T00:00:00.000Z' });
    assert.throws(() => insertApplication(db, { name: 'web', createdAt: '2030-01-01T00:00:00.000Z' }), (err) => hasErrorCode(err, 'CONFLICT'));
  });

  it('lists applications by name', () => {
    insertApplication(db, { name: 'zeta', createdAt: '2030-01-01T00:00:00.000Z' });
    insertApplication(db, { name: 'alpha', createdAt: '2030-01-01T00:00:00.000Z' });
    assert.deepEqual(listApplications(db).map((a) => a.name), ['alpha', 'zeta']);
  });

  it('returns undefined for an unknown name', () => {
    assert.equal(getApplicationByName(db, 'nope'), undefined);
  });
});
