import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../harness.ts';

describe('health-check routes, and the alarms and analyses that name checks', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: h.auth, payload: payload as object });
  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: h.auth });
  const del = (url: string) => h.app.inject({ method: 'DELETE', url, headers: h.auth });
  const prom = { name: 'error-rate', type: 'prometheus', address: 'http://monitor:s3cret@prom:9090', query: 'sum(rate(errors{ {{canary.selector}} }[1m]))', condition: 'result < 0.01', headers: { 'X-Scope-OrgID': 'team-secret' } };

  it('creates a check and shows it with its defaults and without its secrets, to any reader', async () => {
    const res = await post('/v1/health-checks', prom);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.name, 'error-rate');
    assert.equal(body.type, 'prometheus');
    assert.equal(body.spec.hostLabel, 'instance');
    assert.equal(body.spec.timeoutSeconds, 10);
    assert.equal(body.createdBy, 'admin');
    const listed = (await get('/v1/health-checks')).body;
    for (const text of [res.body, listed, (await get('/v1/health-checks/error-rate')).body]) {
      assert.doesNotMatch(text, /s3cret|team-secret/);
      assert.match(text, /\*\*\*/);
    }
  });

  it('refuses bad input with the field named, and stores nothing', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ ...prom, condition: 'result ~ 1' }, 'condition', /expected "result OP NUMBER"/],
      [{ ...prom, query: 'up{x="{{host.address}}"}' }, 'query', /unknown placeholder \{\{host\.address\}\}/],
      [{ ...prom, address: 'ftp://prom' }, 'address', /must be an http/],
      [{ name: 'h', type: 'http', url: 'http://{{host.address}}/', condition: '$..x == 1' }, 'condition', /unsupported path syntax/],
      [{ name: 'h', type: 'carrier-pigeon' }, 'type', /.+/],
      [{ ...prom, timeoutSeconds: 600 }, 'timeoutSeconds', /.+/],
    ];
    for (const [payload, field, message] of cases) {
      const res = await post('/v1/health-checks', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.field, field, res.body);
      assert.match(res.json().error.message, message);
    }
    assert.deepEqual((await get('/v1/health-checks')).json().healthChecks, []);
  });

  it('changes a group\'s alarms and guard rail with PATCH, refusing an alarm naming no check and changing nothing then', async () => {
    await post('/v1/applications', { name: 'web' });
    await post('/v1/applications/web/deployment-groups', { name: 'prod', largeBlastRadius: { percent: 50, hosts: 20 } });
    const patch = (payload: unknown) => h.app.inject({ method: 'PATCH', url: '/v1/applications/web/deployment-groups/prod', headers: h.auth, payload: payload as object });
    let res = await patch({ alarmConfiguration: { enabled: true, alarms: [{ name: 'error-rate' }] }, agentWaitSeconds: 60 });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'alarmConfiguration.alarms.0.name');
    assert.equal((await get('/v1/applications/web/deployment-groups/prod')).json().agentWaitSeconds, 300, 'nothing changed');
    await post('/v1/health-checks', prom);
    res = await patch({ alarmConfiguration: { enabled: true, alarms: [{ name: 'error-rate' }] } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().alarmConfiguration.alarms, [{ name: 'error-rate' }]);
    assert.deepEqual(res.json().largeBlastRadius, { percent: 50, hosts: 20 }, 'the guard rail left out stays');
    res = await patch({ alarmConfiguration: null, largeBlastRadius: null });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().alarmConfiguration, undefined);
    assert.equal(res.json().largeBlastRadius, undefined);
    assert.equal((await del('/v1/health-checks/error-rate')).statusCode, 200, 'no group names the check any more');
  });

  it('refuses a second check of the same name with 409', async () => {
    await post('/v1/health-checks', prom);
    assert.equal((await post('/v1/health-checks', prom)).statusCode, 409);
  });

  it('refuses group alarms and analyses naming no check, and a check in use cannot be deleted', async () => {
    await post('/v1/applications', { name: 'web' });
    const group = { name: 'prod', alarmConfiguration: { enabled: true, alarms: [{ name: 'error-rate' }] } };
    let res = await post('/v1/applications/web/deployment-groups', group);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'alarmConfiguration.alarms.0.name');
    assert.match(res.json().error.message, /no health check is named error-rate, and the coordinator has no Alertmanager/);
    res = await post('/v1/deployment-configs', { name: 'Canary', batches: [1, '100%'], analysis: { checks: ['error-rate'] } });
    assert.equal(res.json().error.field, 'analysis.checks.0');

    await post('/v1/health-checks', prom);
    res = await post('/v1/applications/web/deployment-groups', group);
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().alarmConfiguration, { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'error-rate' }] });
    assert.deepEqual((await get('/v1/applications/web/deployment-groups/prod')).json().alarmConfiguration.alarms, [{ name: 'error-rate' }]);
    res = await post('/v1/deployment-configs', { name: 'Canary', batches: [1, '100%'], analysis: { checks: ['error-rate'], baseline: {} } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().analysis.consecutiveErrorLimit, 4);

    res = await del('/v1/health-checks/error-rate');
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /in use by the alarms of deployment group web\/prod and the analysis of deployment configuration Canary/);
    assert.equal((await get('/v1/health-checks/error-rate')).statusCode, 200);
  });

  it('deletes a check no one uses, and answers 404 for one that does not exist', async () => {
    await post('/v1/health-checks', prom);
    assert.equal((await del('/v1/health-checks/error-rate')).statusCode, 200);
    assert.equal((await del('/v1/health-checks/error-rate')).statusCode, 404);
  });

  it('refuses to replay a check that keeps no history, and a window upside down', async () => {
    await post('/v1/health-checks', { name: 'ping', type: 'http', url: 'http://svc/health' });
    let res = await get('/v1/health-checks/ping/replay?from=2025-01-01T00:00:00Z&to=2025-01-01T01:00:00Z');
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /http check, which keeps no history/);
    await post('/v1/health-checks', prom);
    res = await get('/v1/health-checks/error-rate/replay?from=2025-01-01T01:00:00Z&to=2025-01-01T00:00:00Z');
    assert.match(res.json().error.message, /to: must be after from/);
    res = await get('/v1/health-checks/error-rate/replay?from=2025-01-01T00:00:00Z&to=2025-01-01T01:00:00Z');
    assert.match(res.json().error.message, /canary: the query names \{\{canary\.\*\}\}/);
  });

  it('retries a deployment through the scheduler, passing the confirmation', async () => {
    await post('/v1/applications', { name: 'web' });
    await post('/v1/applications/web/deployment-groups', { name: 'prod' });
    h.db.prepare(`INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) SELECT 'r-REVREVREV', application_id, ?, 1, 'tgz', 'x' FROM applications`).run('a'.repeat(64));
    const created = await post('/v1/deployments', { applicationName: 'web', deploymentGroupName: 'prod', revisionId: 'r-REVREVREV' });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(h.scheduler.created[0]?.confirmLargeBlastRadius, false, 'a deployment is checked by the guard rail');
    const res = await post(`/v1/deployments/${created.json().deploymentId}/retry-failed`, { confirmLargeBlastRadius: true });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(h.scheduler.retries, [{ deploymentId: created.json().deploymentId, confirmLargeBlastRadius: true, who: 'admin' }]);
  });
});
