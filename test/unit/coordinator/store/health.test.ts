import assert from 'node:assert/strict';
import type { HealthResult } from '../../../../coordinator/src/store/health.ts';
import { seed } from '../scheduler/seed.ts';
import { forEachStore, type TestStore } from './harness.ts';

const D = 'd-DEPLOY001';
const G = 'g-GRPGRPGRP';
const AT = '2030-01-01T00:00:00.000Z';

async function addDeployment(db: TestStore, status: string, instanceIds: string[], config = 'CodeDeployDefault.AllAtOnce'): Promise<void> {
  await db.run(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
       file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
     VALUES (?, 'a-APPAPPAPP', ?, 'r-REVREVREV', ?, ?, 'test', 'DISALLOW', 0, '{}', ?)`,
    D, G, config, status, AT,
  );
  for (const [i, id] of instanceIds.entries()) {
    await db.run(`INSERT INTO deployment_targets (deployment_id, instance_id, position, status, step) VALUES (?, ?, ?, ?, ?)`, D, id, i, i === 0 ? 'Succeeded' : 'Pending', i === 0 ? 1 : 2);
  }
}

const result = (n: number, extra: Partial<HealthResult> = {}): HealthResult => ({
  at: `2030-01-01T00:00:0${n}.000Z`, check: 'error-rate', purpose: 'analysis', step: 1, verdict: 'Successful', value: n / 2, message: `m${n}`, dryRun: false, ...extra,
});

forEachStore('store/health', (current) => {
  let db: TestStore;
  let hosts: string[];

  beforeEach(async function () {
    db = current();
    hosts = (await seed(db, 3)).instanceIds;
  });

  it('keeps checks by name, refuses a second of a name with CONFLICT, and deletes one', async () => {
    const spec = { name: 'error-rate', type: 'prometheus' as const, address: 'http://p:9090', query: 'up', condition: 'result == 1', hostLabel: 'instance', headers: {}, timeoutSeconds: 10 };
    await db.store.health.insertCheck({ name: 'error-rate', type: 'prometheus', spec, createdAt: AT, createdBy: 'ops' });
    await assert.rejects(db.store.health.insertCheck({ name: 'error-rate', type: 'prometheus', spec, createdAt: AT }), (err: { code?: string }) => err.code === 'CONFLICT');
    assert.deepEqual(await db.store.health.getCheck('error-rate'), { name: 'error-rate', type: 'prometheus', spec, createdAt: AT, createdBy: 'ops' });
    assert.deepEqual((await db.store.health.listChecks()).map((c) => c.name), ['error-rate']);
    assert.equal(await db.store.health.deleteCheck('error-rate'), true);
    assert.equal(await db.store.health.deleteCheck('error-rate'), false);
  });

  it('sets, replaces and lists a group\'s alarms and guard rail', async () => {
    const alarms = { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'error-rate' }] };
    assert.deepEqual(await db.store.health.getGroupHealth(G), {});
    await db.store.health.setGroupHealth(G, { alarmConfiguration: alarms, largeBlastRadius: { percent: 50, hosts: 20 } });
    await db.store.health.setGroupHealth(G, { alarmConfiguration: alarms });
    assert.deepEqual(await db.store.health.getGroupHealth(G), { alarmConfiguration: alarms });
    assert.deepEqual([...(await db.store.health.listGroupAlarms())], [[G, alarms]]);
  });

  it('keeps a deployment\'s override, analysis, pause reason and bake, and numbers its results in order', async () => {
    await addDeployment(db, 'InProgress', hosts);
    await db.store.health.setDeploymentHealth(D, { alarmOverride: { enabled: false, ignorePollAlarmFailure: false, alarms: [] }, retryOf: 'd-EARLIER01' });
    await db.store.health.setAnalysis(D, { step: 1, status: 'Running', startedAt: AT });
    await db.store.health.setPauseReason(D, 'inconclusive');
    await db.store.health.setBakeSeconds(D, 30);
    assert.deepEqual(await db.store.health.getDeploymentHealth(D), {
      alarmOverride: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      retryOf: 'd-EARLIER01',
      bakeSeconds: 30,
      pauseReason: 'inconclusive',
      analysis: { step: 1, status: 'Running', startedAt: AT },
    });
    await db.store.health.appendResults(D, [result(1), result(2, { verdict: 'Failed', dryRun: true })]);
    const { value: _v, step: _s, ...alarm } = result(3, { purpose: 'alarm' });
    await db.store.health.appendResults(D, [alarm]);
    assert.deepEqual(await db.store.health.resultsOf(D), [result(1), result(2, { verdict: 'Failed', dryRun: true }), alarm]);
    assert.deepEqual(await db.store.health.resultsOf(D, 1), [alarm], 'the newest, when limited');
    assert.deepEqual((await db.store.health.measurementsOf(D, 1)).map((m) => m.message), ['m1', 'm2']);
  });

  it('lists running deployments with alarms or a running analysis, and the hosts a check judges', async () => {
    await db.run("INSERT INTO deployment_configs (name, minimum_healthy_hosts, rollout, created_at) VALUES ('Canary', '{\"type\":\"HOST_COUNT\",\"value\":0}', ?, ?)", JSON.stringify({ batches: [1, '100%'], analysis: { checks: ['error-rate'] } }), AT);
    await addDeployment(db, 'InProgress', hosts, 'Canary');
    assert.deepEqual(await db.store.health.monitored(), [], 'neither alarms nor analysis');
    await db.store.health.setAnalysis(D, { step: 1, status: 'Running', startedAt: AT });
    const [m] = await db.store.health.monitored();
    assert.equal(m?.deploymentId, D);
    assert.deepEqual(m?.analysis, { step: 1, status: 'Running', startedAt: AT });
    assert.deepEqual(m?.rollout?.batches, [1, '100%']);
    assert.deepEqual((await db.store.health.hostsOf(D, { step: 1, statuses: ['Succeeded'] })).map((h) => h.instanceId), [hosts[0]]);
    assert.deepEqual((await db.store.health.hostsOf(D, { statuses: ['Pending'], limit: 1 })).map((h) => h.instanceId), [hosts[1]]);
  });

  it('keeps where retried hosts start, and removes every health row with the deployment\'s group', async () => {
    await addDeployment(db, 'Failed', hosts);
    await db.store.health.setRetryStarts(D, new Map([[hosts[0] as string, 'ValidateService']]));
    assert.deepEqual([...(await db.store.health.retryStartsOf(D))], [[hosts[0], 'ValidateService']]);
    await db.store.health.appendResults(D, [result(1)]);
    await db.store.health.setAnalysis(D, { step: 1, status: 'Failed', startedAt: AT });
    await db.store.health.setGroupHealth(G, { largeBlastRadius: { percent: 50, hosts: 20 } });
    await db.store.transaction((tx) => tx.groups.remove(G));
    for (const table of ['health_results', 'deployment_health', 'retry_starts', 'group_health']) {
      assert.equal(Number((await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n), 0, table);
    }
  });
});
