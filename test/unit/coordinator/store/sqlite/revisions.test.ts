import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import type { ApplicationRow } from '../../../../../coordinator/src/store/applications.ts';
import { insertApplication } from '../../../../../coordinator/src/store/sqlite/applications.ts';
import { getRevision, insertRevision, listRevisions } from '../../../../../coordinator/src/store/sqlite/revisions.ts';
import { tempDir } from '../../api/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const SHA = 'a'.repeat(64);

describe('store/revisions', () => {
  let db: Db;
  let remove: () => void;
  let app: ApplicationRow;
  beforeEach(() => {
    const t = tempDir();
    remove = t.remove;
    db = openDatabase(path.join(t.dir, 'coordinator.db'));
    app = insertApplication(db, { name: 'web', createdAt: AT });
  });
  afterEach(() => {
    db.close();
    remove();
  });

  it('reads back a revision with its description', () => {
    const row = insertRevision(db, { applicationId: app.applicationId, sha256: SHA, size: 10, bundleType: 'tgz', description: 'v1', createdAt: AT });
    assert.deepEqual(getRevision(db, row.revisionId), row);
  });

  it('leaves description absent when none was given', () => {
    const row = insertRevision(db, { applicationId: app.applicationId, sha256: SHA, size: 10, bundleType: 'zip', createdAt: AT });
    const read = getRevision(db, row.revisionId);
    assert.equal(read !== undefined && 'description' in read, false);
  });

  it('lists the revisions of an application', () => {
    insertRevision(db, { applicationId: app.applicationId, sha256: SHA, size: 1, bundleType: 'tar', createdAt: AT });
    insertRevision(db, { applicationId: app.applicationId, sha256: SHA, size: 1, bundleType: 'tar', createdAt: AT });
    assert.equal(listRevisions(db, app.applicationId).length, 2);
  });
});
