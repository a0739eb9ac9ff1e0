import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../harness.ts';

describe('application and deployment-group routes', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: h.auth, payload: payload as object });
  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: h.auth });

  describe('POST /v1/applications', () => {
    it('creates an application with 201 and its view', async () => {
      const res = await post('/v1/applications', { name: 'web' });
      assert.equal(res.statusCode, 201);
      const body = res.json();
      assert.equal(body.name, 'web');
      assert.match(body.applicationId, /^a-/);
      assert.equal(body.createTime, '2030-01-01T00:00:00.000Z');
    });

    it('refuses a duplicate name with 409 CONFLICT', async () => {
      await post('/v1/applications', { name: 'web' });
      const res = await post('/v1/applications', { name: 'web' });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'CONFLICT');
    });

    it('names the missing field in a 400', async () => {
      const res = await post('/v1/applications', {});
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { error: { code: 'VALIDATION_FAILED', message: 'name: Required', field: 'name' } });
    });

    it('names an invalid name in a 400', async () => {
      const res = await post('/v1/applications', { name: 'has space' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'name');
    });

    it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
      const res = await h.app.inject({
        method: 'POST', url: '/v1/applications', headers: { ...h.auth, 'content-type': 'application/json' }, payload: '{"name":',
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    });
  });

  it('lists applications', async () => {
    await post('/v1/applications', { name: 'web' });
    const res = await get('/v1/applications');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().applications.map((a: { name: string }) => a.name), ['web']);
  });

  describe('deployment groups', () => {
    beforeEach(() => post('/v1/applications', { name: 'web' }));

    it('creates a group with defaults and canonicalises a short config name', async () => {
      const res = await post('/v1/applications/web/deployment-groups', { name: 'prod', deploymentConfigName: 'AllAtOnce' });
      assert.equal(res.statusCode, 201);
      const body = res.json();
      assert.equal(body.applicationName, 'web');
      assert.equal(body.deploymentConfigName, 'CodeDeployDefault.AllAtOnce');
      assert.deepEqual(body.tagFilters, []);
    });

    it('defaults the deployment config to OneAtATime', async () => {
      const res = await post('/v1/applications/web/deployment-groups', { name: 'prod' });
      assert.equal(res.json().deploymentConfigName, 'CodeDeployDefault.OneAtATime');
    });

    it('refuses an unknown deployment config naming deploymentConfigName', async () => {
      const res = await post('/v1/applications/web/deployment-groups', { name: 'prod', deploymentConfigName: 'Nope' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'deploymentConfigName');
    });

    it('names a bad tag filter field', async () => {
      const res = await post('/v1/applications/web/deployment-groups', { name: 'prod', tagFilters: [{ key: 'env', type: 'WRONG' }] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'tagFilters.0.type');
    });

    it('answers 404 naming an unknown application', async () => {
      const res = await post('/v1/applications/nope/deployment-groups', { name: 'prod' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, 'application nope not found');
    });

    it('lists and gets groups', async () => {
      const filters = [{ key: 'env', value: 'prod', type: 'KEY_AND_VALUE' }];
      await post('/v1/applications/web/deployment-groups', { name: 'prod', tagFilters: filters });
      const list = await get('/v1/applications/web/deployment-groups');
      assert.deepEqual(list.json().deploymentGroups.map((g: { name: string }) => g.name), ['prod']);
      const one = await get('/v1/applications/web/deployment-groups/prod');
      assert.equal(one.statusCode, 200);
      assert.deepEqual(one.json().tagFilters, filters);
    });

    it('answers 404 naming an unknown group', async () => {
      const res = await get('/v1/applications/web/deployment-groups/nope');
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, 'deployment group nope not found');
    });
  });
});
