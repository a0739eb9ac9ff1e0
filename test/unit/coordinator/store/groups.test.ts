import assert from 'node:assert/strict';
import { hasErrorCode } from '../../../../protocol/src/index.ts';
import type { ApplicationRow } from '../../../../coordinator/src/store/applications.ts';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

forEachStore('store/groups', (current) => {
  let app: ApplicationRow;
  beforeEach(async () => {
    app = await current().store.applications.insert({ name: 'web', createdAt: AT });
  });

  function group(name: string) {
    return current().store.groups.insert({
      applicationId: app.applicationId,
      name,
      tagFilters: [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }],
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      createdAt: AT,
    });
  }

  it('round-trips tag filters as parsed JSON', async () => {
    const row = await group('prod');
    const read = await current().store.groups.get(row.deploymentGroupId);
    assert.deepEqual(read?.tagFilters, [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }]);
    assert.equal(read?.lastSuccessfulDeploymentId, undefined);
    assert.equal('lastSuccessfulDeploymentId' in (read ?? {}), false);
  });

  it('finds a group by application and name', async () => {
    const row = await group('prod');
    assert.deepEqual(await current().store.groups.getByName(app.applicationId, 'prod'), row);
  });

  it('refuses a duplicate group name within one application as CONFLICT', async () => {
    await group('prod');
    await assert.rejects(group('prod'), (err) => hasErrorCode(err, 'CONFLICT'));
  });

  it('lists only the groups of the given application', async () => {
    const { store } = current();
    await group('b');
    await group('a');
    const other = await store.applications.insert({ name: 'api', createdAt: AT });
    await store.groups.insert({ applicationId: other.applicationId, name: 'c', tagFilters: [], deploymentConfigName: 'x', createdAt: AT });
    assert.deepEqual((await store.groups.listOfApplication(app.applicationId)).map((g) => g.name), ['a', 'b']);
  });

  it('records the last successful deployment', async () => {
    const { store } = current();
    const row = await group('prod');
    await store.groups.setLastSuccessfulDeployment(row.deploymentGroupId, 'd-LAST');
    assert.equal((await store.groups.get(row.deploymentGroupId))?.lastSuccessfulDeploymentId, 'd-LAST');
  });
});
