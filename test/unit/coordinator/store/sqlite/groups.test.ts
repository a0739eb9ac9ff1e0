import assert from 'node:assert/strict';
import path from 'node:path';
import { hasErrorCode } from '../../../../../protocol/src/index.ts';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import type { ApplicationRow } from '../../../../../coordinator/src/store/applications.ts';
import { insertApplication } from '../../../../../coordinator/src/store/sqlite/applications.ts';
import {
  getDeploymentGroup,
  getDeploymentGroupByName,
  insertDeploymentGroup,
  listDeploymentGroups,
} from '../../../../../coordinator/src/store/sqlite/groups.ts';
import { tempDir } from '../../api/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

describe('store/groups', () => {
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

  function group(name: string) {
    return insertDeploymentGroup(db, {
      applicationId: app.applicationId,
      name,
      tagFilters: [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }],
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      createdAt: AT,
    });
  }

  it('round-trips tag filters as parsed JSON', () => {
    const row = group('prod');
    const read = getDeploymentGroup(db, row.deploymentGroupId);
    assert.deepEqual(read?.tagFilters, [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }]);
    assert.equal(read?.lastSuccessfulDeploymentId, undefined);
    assert.equal('lastSuccessfulDeploymentId' in (read ?? {}), false);
  });

  it('finds a group by application and name', () => {
    const row = group('prod');
    assert.deepEqual(getDeploymentGroupByName(db, app.applicationId, 'prod'), row);
  });

  it('refuses a duplicate group name within one application as CONFLICT', () => {
    group('prod');
    assert.throws(() => group('prod'), (err) => hasErrorCode(err, 'CONFLICT'));
  });

  it('lists only the groups of the given application', () => {
    group('b');
    group('a');
    const other = insertApplication(db, { name: 'api', createdAt: AT });
    insertDeploymentGroup(db, { applicationId: other.applicationId, name: 'c', tagFilters: [], deploymentConfigName: 'x', createdAt: AT });
    assert.deepEqual(listDeploymentGroups(db, app.applicationId).map((g) => g.name), ['a', 'b']);
  });
});
