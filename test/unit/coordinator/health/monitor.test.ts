import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../../../common/src/logger.ts';
import { AnalysisOptions, CreateHealthCheckRequest, type AlarmConfiguration, type DeploymentView } from '../../../../protocol/src/index.ts';
import { CheckEvaluator } from '../../../../coordinator/src/health/checks.ts';
import { HealthMonitor } from '../../../../coordinator/src/health/monitor.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { applyEvent, FakeSender, forEachStore, insertConfig, ManualClock, outcome, seed, type Seeded, type TestStore } from '../scheduler/seed.ts';

forEachStore('health/monitor', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;
  let monitor: HealthMonitor;
  let errorRate = 0.001;
  let served = 0;
  let url = '';
  const server = http.createServer((_req, res) => {
    served += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, String(errorRate)] }] } }));
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
    monitor = new HealthMonitor({ store, sink: scheduler, clock, logger: silentLogger(), evaluator: new CheckEvaluator() });
    errorRate = 0.001;
    served = 0;
    const spec = CreateHealthCheckRequest.parse({ name: 'error-rate', type: 'prometheus', address: url, query: 'x', condition: 'result < 0.01' });
    await store.health.insertCheck({ name: spec.name, type: spec.type, spec, createdAt: 'x' });
  });

  function input(s: Seeded, extra: Partial<NewDeployment> = {}): NewDeployment {
    return {
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
      parameters: {}, creator: 'user', ...extra,
    };
  }

  async function view(id: string): Promise<DeploymentView> {
    const v = await scheduler.getDeploymentView(id);
    assert.ok(v);
    return v;
  }

  const alarms = (names: string[], ignorePollAlarmFailure = false): AlarmConfiguration => ({ enabled: true, ignorePollAlarmFailure, alarms: names.map((name) => ({ name })) });

  it('polls a group\'s alarms every 10 s, keeps only changes, and stops the deployment once one is in alarm', async () => {
    const s = await seed(db, 3);
    await store.health.setGroupHealth(s.deploymentGroupId, { alarmConfiguration: alarms(['error-rate']) });
    const id = await scheduler.createDeployment(input(s));
    await monitor.tick();
    assert.equal(served, 1, 'the first poll at once');
    clock.advance(5_000);
    await monitor.tick();
    assert.equal(served, 1, 'not again within 10 s');
    clock.advance(5_000);
    await monitor.tick();
    assert.equal(served, 2);
    assert.equal((await view(id)).health?.length, 1, 'an unchanged state is not kept again');
    errorRate = 0.3;
    clock.advance(10_000);
    await monitor.tick();
    const v = await view(id);
    assert.equal(v.status, 'Stopped');
    assert.equal(v.errorInformation?.code, 'ALARM_ACTIVE');
    assert.match(v.errorInformation?.message ?? '', /alarm error-rate \(result 0\.3 is not < 0\.01\) was in alarm/);
    assert.deepEqual(v.health?.map((h) => h.verdict), ['Successful', 'Failed']);
  });

  it('watches only the deployments this coordinator drives when it shares its store', async () => {
    const s = await seed(db, 3);
    await store.health.setGroupHealth(s.deploymentGroupId, { alarmConfiguration: alarms(['error-rate']) });
    const id = await scheduler.createDeployment(input(s));
    let owned: string[] = [];
    const shared = new HealthMonitor({ store, sink: scheduler, clock, logger: silentLogger(), evaluator: new CheckEvaluator(), owned: () => owned });
    await shared.tick();
    assert.equal(served, 0, 'another coordinator drives it');
    owned = [id];
    await shared.tick();
    assert.equal(served, 1);
  });

  it('stops on an alarm that names nothing it can read, unless ignorePollAlarmFailure', async () => {
    const s = await seed(db, 2);
    await store.health.setGroupHealth(s.deploymentGroupId, { alarmConfiguration: alarms(['NoSuchAlert'], true) });
    const kept = await scheduler.createDeployment(input(s));
    await monitor.tick();
    assert.equal((await view(kept)).status, 'InProgress');
    await scheduler.stopDeployment(kept, false);
    const stopped = await scheduler.createDeployment(input(s, { overrideAlarmConfiguration: alarms(['NoSuchAlert']) }));
    await monitor.tick();
    const v = await view(stopped);
    assert.equal(v.errorInformation?.code, 'ALARM_ACTIVE');
    assert.match(v.errorInformation?.message ?? '', /no health check is named NoSuchAlert, and the coordinator has no Alertmanager/);
  });

  it('takes an analysis measurement every interval, from the analysis\' start, up to count', async () => {
    const s = await seed(db, 3);
    const analysis = AnalysisOptions.parse({ checks: ['error-rate'], intervalSeconds: 30, count: 2 });
    await insertConfig(db, { name: 'Canary', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, rollout: { batches: [1, '100%'], analysis }, createdAt: 'x' });
    const id = await scheduler.createDeployment(input(s, { deploymentConfigName: 'Canary' }));
    const first = sender.sent[0];
    assert.ok(first);
    await applyEvent(store, scheduler, first.instanceId, outcome(first.command, 'Succeeded'));
    await monitor.tick();
    assert.equal(served, 0, 'nothing is due before one interval');
    clock.advance(30_000);
    await monitor.tick();
    assert.equal(served, 1);
    assert.equal(sender.sent.length, 1);
    clock.advance(30_000);
    await monitor.tick();
    assert.equal(served, 2);
    const v = await view(id);
    assert.equal(v.rollout?.analysis?.status, 'Successful');
    assert.equal(sender.sent.length, 3, 'the next batch started');
    assert.deepEqual(v.health?.map((h) => [h.purpose, h.step, h.verdict]), [['analysis', 1, 'Successful'], ['analysis', 1, 'Successful']]);
  });
});
