import assert from 'node:assert/strict';
import { tgzBytes } from '../../../../support/archives.ts';
import { insertInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { startHarness, type Harness } from '../harness.ts';

describe('POST /v1/deployments/preflight', () => {
  let h: Harness;
  let revisionId: string;
  beforeEach(async () => {
    h = await startHarness();
    const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: h.auth, payload });
    await post('/v1/applications', { name: 'web' });
    await post('/v1/applications/web/deployment-groups', { name: 'prod', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    const rev = await h.app.inject({
      method: 'POST', url: '/v1/applications/web/revisions?bundleType=tgz',
      headers: { ...h.auth, 'content-type': 'application/octet-stream' }, payload: tgzBytes(),
    });
    revisionId = rev.json().revisionId;
    for (const [instanceId, hostname, role] of [['i-WEB00001', 'web-1', 'web'], ['i-WEB00002', 'web-2', 'web'], ['i-WEB00003', 'web-3', 'web'], ['i-DB000001', 'db-1', 'db']]) {
      insertInstance(h.db, { instanceId: instanceId!, hostname: hostname!, publicKey: 'k', tags: { role: role! }, registeredAt: '2030-01-01T00:00:00.000Z' });
    }
  });
  afterEach(() => h.close());

  const preflight = (payload: object) => h.app.inject({ method: 'POST', url: '/v1/deployments/preflight', headers: h.auth, payload });

  it('reports each target host of the group: its problems, agent offline or no answer', async () => {
    h.scheduler.preflightAnswers.set('i-WEB00001', { ok: true, problems: [] });
    h.scheduler.preflightAnswers.set('i-WEB00002', { ok: false, problems: ['conflicts: /srv/a already exists'] });
    h.scheduler.preflightAnswers.set('i-WEB00003', 'offline');
    const res = await preflight({ applicationName: 'web', deploymentGroupName: 'prod', revisionId });
    assert.equal(res.statusCode, 200, res.body);
    const byHost = Object.fromEntries(res.json().hosts.map((x: { hostname: string; ok: boolean; problems: string[] }) => [x.hostname, [x.ok, x.problems]]));
    assert.deepEqual(byHost, {
      'web-1': [true, []],
      'web-2': [false, ['conflicts: /srv/a already exists']],
      'web-3': [false, ['agent offline']],
    });
  });

  it('reports a host whose agent did not answer in time as "no answer"', async () => {
    h.scheduler.preflightAnswers.set('i-WEB00001', 'timeout');
    const res = await preflight({ applicationName: 'web', deploymentGroupName: 'prod', revisionId });
    const web1 = res.json().hosts.find((x: { hostname: string }) => x.hostname === 'web-1');
    assert.deepEqual(web1, { instanceId: 'i-WEB00001', hostname: 'web-1', ok: false, problems: ['no answer'] });
  });

  it('asks about the requested revision and creates no deployment', async () => {
    await preflight({ applicationName: 'web', deploymentGroupName: 'prod', revisionId });
    assert.equal(h.scheduler.preflightsSent[0]?.revisionId, revisionId);
    assert.equal(h.scheduler.created.length, 0);
    const list = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: h.auth });
    assert.deepEqual(list.json().deployments, []);
  });

  it('refuses an unknown deployment group with 404 and asks no agent', async () => {
    const res = await preflight({ applicationName: 'web', deploymentGroupName: 'staging', revisionId });
    assert.equal(res.statusCode, 404);
    assert.match(res.json().error.message, /staging/);
    assert.equal(h.scheduler.preflightsSent.length, 0);
  });

  it('names a missing revisionId', async () => {
    const res = await preflight({ applicationName: 'web', deploymentGroupName: 'prod' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'revisionId');
  });
});
