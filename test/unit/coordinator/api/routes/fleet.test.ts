import assert from 'node:assert/strict';
import { insertInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { startHarness, type Harness } from '../harness.ts';
import { tgzBytes } from '../../../../support/archives.ts';

describe('fleet routes', () => {
  let h: Harness;
  let revisionId: string;

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    h.app.inject({ method, url, headers: h.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  async function deploy(): Promise<string> {
    const res = await call('POST', '/v1/deployments', { applicationName: 'web', deploymentGroupName: 'prod', revisionId });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().deploymentId as string;
  }

  beforeEach(async () => {
    h = await startHarness();
    await call('POST', '/v1/applications', { name: 'web' });
    await call('POST', '/v1/applications/web/deployment-groups', { name: 'prod', tagFilters: [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }] });
    const upload = await h.app.inject({ method: 'POST', url: '/v1/applications/web/revisions?bundleType=tgz', headers: { ...h.auth, 'content-type': 'application/octet-stream' }, payload: tgzBytes() });
    revisionId = upload.json().revisionId;
  });
  afterEach(() => h.close());

  it('changes a group\'s settings and leaves the others', async () => {
    const res = await call('PATCH', '/v1/applications/web/deployment-groups/prod', { agentWaitSeconds: 60, deploymentConfigName: 'AllAtOnce' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().agentWaitSeconds, 60);
    assert.equal(res.json().deploymentConfigName, 'CodeDeployDefault.AllAtOnce');
    assert.deepEqual(res.json().tagFilters, [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }]);
    const bad = await call('PATCH', '/v1/applications/web/deployment-groups/prod', {});
    assert.equal(bad.statusCode, 400);
  });

  it('refuses to delete a group with a deployment in progress, then deletes it with its history', async () => {
    const id = await deploy();
    const refused = await call('DELETE', '/v1/applications/web/deployment-groups/prod');
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().error.message, new RegExp(`${id} in progress or queued`));
    h.db.prepare(`UPDATE deployments SET status = 'Succeeded' WHERE deployment_id = ?`).run(id);
    const res = await call('DELETE', '/v1/applications/web/deployment-groups/prod');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().deployments, 1);
    assert.equal((await call('GET', `/v1/deployments/${id}`)).statusCode, 404);
  });

  it('refuses to delete an application that still has groups', async () => {
    const res = await call('DELETE', '/v1/applications/web');
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /still has deployment groups \(prod\)/);
  });

  it('refuses to delete a revision in use or the last good one of a group, and deletes one that is neither', async () => {
    const id = await deploy();
    assert.match((await call('DELETE', `/v1/revisions/${revisionId}`)).json().error.message, new RegExp(`being deployed by ${id}`));
    h.db.prepare(`UPDATE deployments SET status = 'Succeeded' WHERE deployment_id = ?`).run(id);
    h.db.prepare(`UPDATE deployment_groups SET last_successful_deployment_id = ?`).run(id);
    const lastGood = await call('DELETE', `/v1/revisions/${revisionId}`);
    assert.equal(lastGood.statusCode, 409);
    assert.match(lastGood.json().error.message, /last successful revision of deployment group\(s\) prod/);
    h.db.prepare(`UPDATE deployment_groups SET last_successful_deployment_id = NULL`).run();
    assert.equal((await call('DELETE', `/v1/revisions/${revisionId}`)).statusCode, 200);
    const listed = (await call('GET', '/v1/applications/web/revisions')).json().revisions;
    assert.ok(listed[0].deleteTime, 'the revision stays listed as deleted: a deployment names it');
    const again = await call('POST', '/v1/deployments', { applicationName: 'web', deploymentGroupName: 'prod', revisionId });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error.field, 'revisionId');
  });

  it('refuses to delete a built-in or in-use configuration', async () => {
    assert.equal((await call('DELETE', '/v1/deployment-configs/AllAtOnce')).statusCode, 400);
    await call('POST', '/v1/deployment-configs', { name: 'two', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } });
    await call('PATCH', '/v1/applications/web/deployment-groups/prod', { deploymentConfigName: 'two' });
    const res = await call('DELETE', '/v1/deployment-configs/two');
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /default of deployment group\(s\) web\/prod/);
    assert.equal((await call('DELETE', '/v1/deployment-configs/missing')).statusCode, 404);
  });

  it('lists instances by tag and only the offline ones', async () => {
    insertInstance(h.db, { instanceId: 'i-AAAAAAAA', hostname: 'a', publicKey: 'k', tags: { env: 'prod', role: 'web' }, registeredAt: '2030-01-01T00:00:00.000Z' });
    insertInstance(h.db, { instanceId: 'i-BBBBBBBB', hostname: 'b', publicKey: 'k', tags: { env: 'dev' }, registeredAt: '2030-01-01T00:00:00.000Z' });
    h.connected.add('i-AAAAAAAA');
    const byTag = (await call('GET', '/v1/instances?tag=env=prod&tag=role')).json().instances;
    assert.deepEqual(byTag.map((i: { hostname: string }) => i.hostname), ['a']);
    const offline = (await call('GET', '/v1/instances?offline=1')).json().instances;
    assert.deepEqual(offline.map((i: { hostname: string }) => i.hostname), ['b']);
  });
});
