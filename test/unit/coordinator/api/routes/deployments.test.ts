import assert from 'node:assert/strict';
import { tgzBytes } from '../../../../support/archives.ts';
import { startHarness, type Harness } from '../harness.ts';

describe('deployment routes', () => {
  let h: Harness;
  let revisionId: string;
  beforeEach(async () => {
    h = await startHarness();
    const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: h.auth, payload });
    await post('/v1/applications', { name: 'web' });
    await post('/v1/applications', { name: 'api' });
    await post('/v1/applications/web/deployment-groups', { name: 'prod', deploymentConfigName: 'HalfAtATime' });
    const rev = await h.app.inject({
      method: 'POST', url: '/v1/applications/web/revisions?bundleType=tgz',
      headers: { ...h.auth, 'content-type': 'application/octet-stream' }, payload: tgzBytes(),
    });
    revisionId = rev.json().revisionId;
  });
  afterEach(() => h.close());

  const create = (payload: object) => h.app.inject({ method: 'POST', url: '/v1/deployments', headers: h.auth, payload });

  describe('POST /v1/deployments', () => {
    it('hands the resolved deployment to the scheduler and answers 201 with its summary, without targets', async () => {
      const res = await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId, parameters: { FOO: 'bar' }, description: 'd' });
      assert.equal(res.statusCode, 201);
      const view = res.json();
      assert.match(view.deploymentId, /^d-/);
      assert.equal(view.status, 'Created');
      assert.equal(view.creator, 'admin');
      assert.deepEqual(view.overview, { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0 });
      assert.equal('targets' in view, false);
      const input = h.scheduler.created[0];
      assert.equal(input?.revisionId, revisionId);
      assert.equal(input?.deploymentConfigName, 'CodeDeployDefault.HalfAtATime');
      assert.equal(input?.fileExistsBehavior, 'DISALLOW');
      assert.equal(input?.ignoreApplicationStopFailures, false);
      assert.deepEqual(input?.parameters, { FOO: 'bar' });
      assert.equal(input?.description, 'd');
    });

    it('uses a short deployment config name as the canonical one', async () => {
      await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId, deploymentConfigName: 'AllAtOnce' });
      assert.equal(h.scheduler.created[0]?.deploymentConfigName, 'CodeDeployDefault.AllAtOnce');
    });

    it('refuses an unknown deployment config naming deploymentConfigName', async () => {
      const res = await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId, deploymentConfigName: 'Fast' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'deploymentConfigName');
      assert.equal(h.scheduler.created.length, 0);
    });

    it('names a missing deploymentGroupName', async () => {
      const res = await create({ applicationName: 'web', revisionId });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { error: { code: 'VALIDATION_FAILED', message: 'deploymentGroupName: Required', field: 'deploymentGroupName' } });
    });

    it('names a wrongly typed fileExistsBehavior', async () => {
      const res = await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId, fileExistsBehavior: 'CLOBBER' });
      assert.equal(res.json().error.field, 'fileExistsBehavior');
    });

    it('answers 404 naming a missing application', async () => {
      const res = await create({ applicationName: 'nope', deploymentGroupName: 'prod', revisionId });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, 'application nope not found');
    });

    it('answers 404 naming a missing deployment group', async () => {
      const res = await create({ applicationName: 'web', deploymentGroupName: 'nope', revisionId });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, 'deployment group nope not found');
    });

    it('answers 404 naming a missing revision', async () => {
      const res = await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId: 'r-MISSING01' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, 'revision r-MISSING01 not found');
    });

    it('refuses a revision of another application', async () => {
      await h.app.inject({ method: 'POST', url: '/v1/applications/api/deployment-groups', headers: h.auth, payload: { name: 'prod' } });
      const res = await create({ applicationName: 'api', deploymentGroupName: 'prod', revisionId });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.message, `revision ${revisionId} of application api not found`);
    });
  });

  describe('GET /v1/deployments', () => {
    it('lists deployments, filtered by application, group and status', async () => {
      await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId });
      const all = await h.app.inject({ method: 'GET', url: '/v1/deployments?application=web&group=prod&status=Created', headers: h.auth });
      assert.equal(all.statusCode, 200);
      assert.equal(all.json().deployments.length, 1);
      const none = await h.app.inject({ method: 'GET', url: '/v1/deployments?status=Succeeded', headers: h.auth });
      assert.equal(none.json().deployments.length, 0);
    });

    it('lists summaries, without targets', async () => {
      const created = (await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId })).json();
      const res = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: h.auth });
      assert.deepEqual(res.json().deployments, [created]);
      assert.equal('targets' in res.json().deployments[0], false);
    });

    it('names an unknown status filter', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/deployments?status=Done', headers: h.auth });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'status');
    });
  });

  describe('POST /v1/applications/:app/deployment-groups/:group/rollback', () => {
    it('answers 201 with the rollback deployment\'s summary, without targets', async () => {
      await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId });
      const res = await h.app.inject({ method: 'POST', url: '/v1/applications/web/deployment-groups/prod/rollback', headers: h.auth, payload: {} });
      assert.equal(res.statusCode, 201);
      const summary = res.json();
      assert.equal(summary.creator, 'rollback');
      assert.equal('targets' in summary, false);
      const view = await h.app.inject({ method: 'GET', url: `/v1/deployments/${summary.deploymentId}`, headers: h.auth });
      assert.deepEqual(view.json(), { ...summary, targets: [] });
    });
  });

  describe('GET /v1/deployments/:id', () => {
    it('returns the deployment view: the summary creating it answered, with its targets', async () => {
      const created = (await create({ applicationName: 'web', deploymentGroupName: 'prod', revisionId })).json();
      const res = await h.app.inject({ method: 'GET', url: `/v1/deployments/${created.deploymentId}`, headers: h.auth });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { ...created, targets: [] });
    });

    it('answers 404 for an unknown deployment', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/deployments/d-UNKNOWN01', headers: h.auth });
      assert.equal(res.statusCode, 404);
    });
  });
});
