import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { AGENT_EVENT_ORDER, TRAFFIC_EVENT_ORDER, TrafficControl, type CommandBody } from '../../../../protocol/src/index.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import type { GroupTraffic } from '../../../../coordinator/src/store/traffic.ts';
import { FakeSender, forEachStore, ManualClock, seed, type Seeded, type TestStore } from './seed.ts';

const HAPROXY = TrafficControl.parse({ provider: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'web', serverTemplate: '{hostname}' });

forEachStore('Scheduler: the events a host runs, by its group\'s traffic control', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let scheduler: Scheduler;
  let s: Seeded;

  beforeEach(async () => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    scheduler = new Scheduler({ store, clock: new ManualClock(), logger: silentLogger(), hub: sender });
    s = await seed(db, 2);
  });

  async function deployWith(traffic: GroupTraffic | undefined): Promise<{ command: CommandBody; events: string[] }> {
    if (traffic) await store.traffic.setGroupTraffic(s.deploymentGroupId, traffic);
    const id = await scheduler.createDeployment({
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
      parameters: {}, creator: 'user',
    });
    const first = sender.sent[0];
    assert.ok(first, 'a command was sent');
    const rows = await db.all<{ event: string }>('SELECT event FROM target_events WHERE deployment_id = ? AND instance_id = ? ORDER BY position', id, first.instanceId);
    return { command: first.command, events: rows.map((r) => r.event) };
  }

  it('runs the in-place events, traffic hooks reported by the agent, and no BlockTraffic or AllowTraffic without traffic control', async () => {
    const { command, events } = await deployWith(undefined);
    assert.deepEqual(events, [...AGENT_EVENT_ORDER]);
    assert.equal(command.deploy?.events, undefined);
    assert.equal(command.deploy?.traffic, undefined);
    assert.equal(command.deploy?.trafficHooks, undefined);
  });

  it('runs CodeDeploy\'s 13 steps, BlockTraffic and AllowTraffic by the coordinator, with an HAProxy group', async () => {
    const { command, events } = await deployWith({ trafficControl: HAPROXY });
    assert.deepEqual(events, [...TRAFFIC_EVENT_ORDER]);
    assert.deepEqual(command.deploy?.events, [...TRAFFIC_EVENT_ORDER]);
    assert.deepEqual(command.deploy?.traffic, { runBy: 'coordinator' });
    assert.equal(command.deploy?.trafficHooks, true);
  });

  it('runs the in-place events when the group keeps its balancer but says WITHOUT_TRAFFIC_CONTROL', async () => {
    const { command, events } = await deployWith({ trafficControl: HAPROXY, deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } });
    assert.deepEqual(events, [...AGENT_EVENT_ORDER]);
    assert.equal(command.deploy?.traffic, undefined);
  });

  it('tells the agent to run the group\'s own scripts with the command provider', async () => {
    const control = TrafficControl.parse({ provider: 'command', block: '/opt/lb/block', allow: '/opt/lb/allow', check: '/opt/lb/check', healthyPasses: 2 });
    const { command, events } = await deployWith({ trafficControl: control });
    assert.deepEqual(events, [...TRAFFIC_EVENT_ORDER]);
    assert.deepEqual(command.deploy?.traffic, {
      runBy: 'agent', block: '/opt/lb/block', allow: '/opt/lb/allow', check: '/opt/lb/check', timeoutSeconds: 300, healthyPasses: 2, healthIntervalSeconds: 1, allowTimeoutSeconds: 300,
    });
  });
});
