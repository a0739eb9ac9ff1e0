import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import { RECONNECT_GRACE_MS } from '../../../../coordinator/src/scheduler/presence.ts';
import { getDeploymentView } from '../../../../coordinator/src/scheduler/views.ts';
import type { Db } from '../../../../coordinator/src/store/db.ts';
import { configureGroup, FakeSender, insertInstance, ManualClock, outcome, seed, tempStore, type Seeded } from './seed.ts';

describe('Scheduler agent presence, new hosts and plans', () => {
  let db: Db;
  let cleanup: () => void;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;

  beforeEach(() => {
    ({ db, cleanup } = tempStore());
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ db, clock, logger: silentLogger(), hub: sender });
  });
  afterEach(() => cleanup());

  function input(s: Seeded, config = 'CodeDeployDefault.AllAtOnce'): NewDeployment {
    return {
      applicationId: s.applicationId,
      deploymentGroupId: s.deploymentGroupId,
      revisionId: s.revisionId,
      deploymentConfigName: config,
      fileExistsBehavior: 'DISALLOW',
      ignoreApplicationStopFailures: false,
      parameters: {},
      creator: 'user',
    };
  }

  function target(id: string, instanceId: string): NonNullable<ReturnType<typeof getDeploymentView>>['targets'][number] {
    const t = getDeploymentView(db, id)?.targets.find((x) => x.instanceId === instanceId);
    assert.ok(t, `target ${instanceId}`);
    return t;
  }

  describe('offline agents', () => {
    it('does not throw from its deadline timer when the store was closed under it', () => {
      const armed: Array<() => void> = [];
      const firing = Object.assign(new ManualClock(), {
        setTimeout: (fn: () => void) => (armed.push(fn), {}) as ReturnType<ManualClock['setTimeout']>,
      });
      const own = new Scheduler({ db, clock: firing, logger: silentLogger(), hub: sender });
      const s = seed(db, 1);
      sender.offline.add(s.instanceIds[0]!);
      own.createDeployment(input(s));
      assert.ok(armed.length > 0, 'a deadline timer was armed');
      db.close();
      assert.doesNotThrow(() => armed.at(-1)!());
    });

    it('keeps a host whose agent is offline WaitingForAgent without sending it anything', () => {
      const s = seed(db, 2);
      sender.offline.add(s.instanceIds[1]!);
      const id = scheduler.createDeployment(input(s));
      assert.equal(target(id, s.instanceIds[1]!).status, 'WaitingForAgent');
      assert.deepEqual(sender.sent.map((x) => x.instanceId), [s.instanceIds[0]]);
      assert.equal(getDeploymentView(db, id)?.overview.WaitingForAgent, 1);
    });

    it('dispatches a waiting host when its agent connects', () => {
      const s = seed(db, 1);
      sender.offline.add(s.instanceIds[0]!);
      const id = scheduler.createDeployment(input(s));
      sender.offline.clear();
      scheduler.agentConnected(s.instanceIds[0]!);
      assert.equal(target(id, s.instanceIds[0]!).status, 'InProgress');
      assert.equal(scheduler.unackedCommands(s.instanceIds[0]!).length, 1);
    });

    it('fails a waiting host with AGENT_OFFLINE and its last-seen time once the group deadline passes', () => {
      const s = seed(db, 2);
      configureGroup(db, s.deploymentGroupId, { agent_wait_seconds: 30 });
      db.prepare('UPDATE instances SET last_seen = ? WHERE instance_id = ?').run('2024-12-31T23:00:00.000Z', s.instanceIds[1]);
      sender.offline.add(s.instanceIds[1]!);
      const id = scheduler.createDeployment(input(s));
      clock.advance(29_000);
      assert.equal(scheduler.expireDeadlines(), 0);
      clock.advance(1_000);
      assert.equal(scheduler.expireDeadlines(), 1);
      const t = target(id, s.instanceIds[1]!);
      assert.equal(t.status, 'Failed');
      assert.equal(t.errorCode, 'AGENT_OFFLINE');
      assert.match(t.message ?? '', /last seen 2024-12-31T23:00:00.000Z/);
      assert.ok(t.lifecycleEvents.every((e) => e.status === 'Skipped'), 'no lifecycle event is blamed');
    });

    it('fails a running host whose agent went silent after the event timeout plus grace', () => {
      const s = seed(db, 1);
      configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = scheduler.createDeployment(input(s));
      const cmd = sender.sent[0]!.command;
      scheduler.applyAgentEvent(s.instanceIds[0]!, { seq: 1, commandId: cmd.commandId, deploymentId: id, lifecycleEvent: 'BeforeInstall', status: 'InProgress', at: clock.now().toISOString() })();
      sender.offline.add(s.instanceIds[0]!);
      clock.advance(69_000);
      assert.equal(scheduler.expireDeadlines(), 0);
      clock.advance(2_000);
      assert.equal(scheduler.expireDeadlines(), 1);
      const t = target(id, s.instanceIds[0]!);
      assert.equal(t.errorCode, 'AGENT_OFFLINE');
      assert.equal(t.lifecycleEvents.find((e) => e.lifecycleEventName === 'BeforeInstall')?.status, 'Unknown');
      assert.equal(getDeploymentView(db, id)?.status, 'Failed');
    });

    it('calls a silent host whose agent is still connected a TIMEOUT', () => {
      const s = seed(db, 1);
      configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = scheduler.createDeployment(input(s));
      clock.advance(71_000);
      scheduler.expireDeadlines();
      assert.equal(target(id, s.instanceIds[0]!).errorCode, 'TIMEOUT');
    });

    it('pushes the deadline out on every report from the agent', () => {
      const s = seed(db, 1);
      configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = scheduler.createDeployment(input(s));
      const cmd = sender.sent[0]!.command;
      clock.advance(60_000);
      scheduler.applyAgentEvent(s.instanceIds[0]!, { seq: 1, commandId: cmd.commandId, deploymentId: id, lifecycleEvent: 'BeforeInstall', status: 'InProgress', at: clock.now().toISOString() })();
      clock.advance(60_000);
      assert.equal(scheduler.expireDeadlines(), 0);
    });

    it('re-sends the cancel of a stopped deployment when the agent comes back', () => {
      const s = seed(db, 1);
      const id = scheduler.createDeployment(input(s));
      sender.offline.add(s.instanceIds[0]!);
      scheduler.stopDeployment(id);
      sender.offline.clear();
      scheduler.agentConnected(s.instanceIds[0]!);
      assert.deepEqual(sender.cancels.map((c) => c.deploymentId), [id, id]);
    });
  });

  describe('coordinator restart', () => {
    /** A one-host deployment whose host is running, then the coordinator is down for `downMs`. */
    function runningThroughOutage(downMs: number): { s: Seeded; id: string; restarted: Scheduler } {
      const s = seed(db, 1);
      configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = scheduler.createDeployment(input(s));
      scheduler.stop();
      clock.advance(downMs);
      sender.offline.add(s.instanceIds[0]!);
      const restarted = new Scheduler({ db, clock, logger: silentLogger(), hub: sender });
      restarted.start();
      return { s, id, restarted };
    }

    it('gives agents the reconnect grace before failing a host whose deadline passed while it was down', () => {
      const { s, id, restarted } = runningThroughOutage(10 * 60_000);
      assert.equal(restarted.expireDeadlines(), 0);
      assert.equal(target(id, s.instanceIds[0]!).status, 'InProgress');
      clock.advance(RECONNECT_GRACE_MS + 1);
      assert.equal(restarted.expireDeadlines(), 1);
      assert.equal(target(id, s.instanceIds[0]!).errorCode, 'AGENT_OFFLINE');
    });

    it('applies the outcome an agent delivers after reconnecting to a restarted coordinator', () => {
      const { s, id, restarted } = runningThroughOutage(10 * 60_000);
      // The timer re-armed at start fires at once for an overdue deadline, before the agent is back.
      restarted.expireDeadlines();
      clock.advance(5_000);
      sender.offline.clear();
      restarted.agentConnected(s.instanceIds[0]!);
      restarted.applyAgentEvent(s.instanceIds[0]!, outcome(sender.sent[0]!.command, 'Succeeded'))();
      assert.equal(target(id, s.instanceIds[0]!).status, 'Succeeded');
      assert.equal(getDeploymentView(db, id)?.status, 'Succeeded');
    });

    it('leaves a deadline that is still far off where it was', () => {
      const { id, restarted } = runningThroughOutage(1_000);
      const row = () => db.prepare('SELECT deadline_at AS d FROM deployment_targets WHERE deployment_id = ?').get(id) as { d: string };
      const before = row().d;
      restarted.start();
      assert.equal(row().d, before);
    });
  });

  describe('new hosts', () => {
    function succeeded(s: Seeded): string {
      const id = scheduler.createDeployment(input(s));
      sender.sent.forEach((x, i) => scheduler.applyAgentEvent(x.instanceId, outcome(x.command, 'Succeeded', i + 1))());
      assert.equal(getDeploymentView(db, id)?.status, 'Succeeded');
      return id;
    }

    it('deploys the last successful revision to a host that joins the group', () => {
      const s = seed(db, 1);
      succeeded(s);
      insertInstance(db, 'i-NEWHOST01', { env: 'prod' }, 9);
      const [id] = scheduler.instanceChanged('i-NEWHOST01');
      assert.ok(id);
      const v = getDeploymentView(db, id);
      assert.equal(v?.creator, 'autoupdate');
      assert.equal(v?.revisionId, s.revisionId);
      assert.deepEqual(v?.targets.map((t) => t.instanceId), ['i-NEWHOST01']);
    });

    it('does nothing for a host outside every group, or when the group turned it off', () => {
      const s = seed(db, 1);
      succeeded(s);
      insertInstance(db, 'i-NEWHOST01', { env: 'dev' }, 9);
      assert.deepEqual(scheduler.instanceChanged('i-NEWHOST01'), []);
      configureGroup(db, s.deploymentGroupId, { auto_deploy_new_instances: 0 });
      insertInstance(db, 'i-NEWHOST02', { env: 'prod' }, 10);
      assert.deepEqual(scheduler.instanceChanged('i-NEWHOST02'), []);
    });

    it('does nothing for a group without a successful deployment', () => {
      seed(db, 1);
      insertInstance(db, 'i-NEWHOST01', { env: 'prod' }, 9);
      assert.deepEqual(scheduler.instanceChanged('i-NEWHOST01'), []);
    });
  });

  describe('#planDeployment', () => {
    it('shows HalfAtATime on 9 hosts as batches of 4, 4, 1 with the minimum and stop count', () => {
      const s = seed(db, 9);
      const plan = scheduler.planDeployment({ deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: 'CodeDeployDefault.HalfAtATime', updateOutdatedInstancesOnly: false });
      assert.deepEqual(plan.batches.map((b) => b.length), [4, 4, 1]);
      assert.equal(plan.minimumHealthyHosts, 5);
      assert.equal(plan.failuresToStop, 4);
      assert.equal(plan.successesNeeded, 5);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM deployments').get() as { n: number }).n, 0);
    });

    it('reports HEALTH_CONSTRAINTS_INVALID as the problem instead of batches', () => {
      const s = seed(db, 1);
      const plan = scheduler.planDeployment({ deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: 'HalfAtATime', updateOutdatedInstancesOnly: false });
      assert.equal(plan.problem?.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.deepEqual(plan.batches, []);
    });
  });
});
