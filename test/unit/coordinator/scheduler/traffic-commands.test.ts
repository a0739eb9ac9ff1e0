import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { AGENT_EVENT_ORDER, TRAFFIC_EVENT_ORDER, TrafficControl, type CommandBody } from '../../../../protocol/src/index.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import type { Db } from '../../../../coordinator/src/store/sqlite/db.ts';
import type { SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import type { GroupTraffic } from '../../../../coordinator/src/store/traffic.ts';
import { FakeSender, ManualClock, seed, tempStore, type Seeded } from './seed.ts';

const HAPROXY = TrafficControl.parse({ provider: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'web', serverTemplate: '{hostname}' });

describe('Scheduler: the events a host runs, by its group\'s traffic control', () => {
  let db: Db;
  let store: SqliteStore;
  let cleanup: () => void;
  let sender: FakeSender;
  let scheduler: Scheduler;
  let s: Seeded;

  beforeEach(() => {
    ({ store, db, cleanup } = tempStore());
    sender = new FakeSender();
    scheduler = new Scheduler({ store, clock: new ManualClock(), logger: silentLogger(), hub: sender });
    s = seed(db, 2);
  });
  afterEach(() => cleanup());

  async function deployWith(traffic: GroupTraffic | undefined): Promise<{ command: CommandBody; events: string[] }> {
    if (traffic) await store.traffic.setGroupTraffic(s.deploymentGroupId, traffic);
    const id = await scheduler.createDeployment({
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
      parameters: {}, creator: 'user',
    });
    const first = sender.sent[0];
    assert.ok(first, 'a command was sent');
    const rows = db.prepare('SELECT event FROM target_events WHERE deployment_id = ? AND instance_id = ? ORDER BY position').all(id, first.instanceId) as { event: string }[];
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
