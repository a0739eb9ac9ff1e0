import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import { RECONNECT_GRACE_MS } from '../../../../coordinator/src/scheduler/presence.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import type { DeploymentTargetView } from '../../../../protocol/src/index.ts';
import { applyEvent, configureGroup, FakeSender, insertInstance, ManualClock, outcome, seed, forEachStore, type Seeded, type TestStore } from './seed.ts';

forEachStore('Scheduler agent presence, new hosts and plans', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;

  beforeEach(async () => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
  });

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

  async function target(id: string, instanceId: string): Promise<DeploymentTargetView> {
    const t = (await scheduler.getDeploymentView(id))?.targets.find((x) => x.instanceId === instanceId);
    assert.ok(t, `target ${instanceId}`);
    return t;
  }

  describe('offline agents', () => {
    it('does not throw from its deadline timer when the store was closed under it', async () => {
      const armed: Array<() => void> = [];
      const firing = Object.assign(new ManualClock(), {
        setTimeout: (fn: () => void) => (armed.push(fn), {}) as ReturnType<ManualClock['setTimeout']>,
      });
      const own = new Scheduler({ store, clock: firing, logger: silentLogger(), hub: sender });
      const s = await seed(db, 1);
      sender.offline.add(s.instanceIds[0]!);
      await own.createDeployment(input(s));
      assert.ok(armed.length > 0, 'a deadline timer was armed');
      await store.close();
      assert.doesNotThrow(() => armed.at(-1)!());
    });

    it('keeps a host whose agent is offline WaitingForAgent without sending it anything', async () => {
      const s = await seed(db, 2);
      sender.offline.add(s.instanceIds[1]!);
      const id = await scheduler.createDeployment(input(s));
      assert.equal((await target(id, s.instanceIds[1]!)).status, 'WaitingForAgent');
      assert.deepEqual(sender.sent.map((x) => x.instanceId), [s.instanceIds[0]]);
      assert.equal((await scheduler.getDeploymentView(id))?.overview.WaitingForAgent, 1);
    });

    it('dispatches a waiting host when its agent connects', async () => {
      const s = await seed(db, 1);
      sender.offline.add(s.instanceIds[0]!);
      const id = await scheduler.createDeployment(input(s));
      sender.offline.clear();
      await scheduler.agentConnected(s.instanceIds[0]!);
      assert.equal((await target(id, s.instanceIds[0]!)).status, 'InProgress');
      assert.equal((await scheduler.unackedCommands(s.instanceIds[0]!)).length, 1);
    });

    it('fails a waiting host with AGENT_OFFLINE and its last-seen time once the group deadline passes', async () => {
      const s = await seed(db, 2);
      await configureGroup(db, s.deploymentGroupId, { agent_wait_seconds: 30 });
      await db.run('UPDATE instances SET last_seen = ? WHERE instance_id = ?', '2024-12-31T23:00:00.000Z', s.instanceIds[1]);
      sender.offline.add(s.instanceIds[1]!);
      const id = await scheduler.createDeployment(input(s));
      clock.advance(29_000);
      assert.equal(await scheduler.expireDeadlines(), 0);
      clock.advance(1_000);
      assert.equal(await scheduler.expireDeadlines(), 1);
      const t = await target(id, s.instanceIds[1]!);
      assert.equal(t.status, 'Failed');
      assert.equal(t.errorCode, 'AGENT_OFFLINE');
      assert.match(t.message ?? '', /last seen 2024-12-31T23:00:00.000Z/);
      assert.ok(t.lifecycleEvents.every((e) => e.status === 'Skipped'), 'no lifecycle event is blamed');
    });

    it('fails a running host whose agent went silent after the event timeout plus grace', async () => {
      const s = await seed(db, 1);
      await configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = await scheduler.createDeployment(input(s));
      const cmd = sender.sent[0]!.command;
      await applyEvent(store, scheduler, s.instanceIds[0]!, { seq: 1, commandId: cmd.commandId, deploymentId: id, lifecycleEvent: 'BeforeInstall', status: 'InProgress', at: clock.now().toISOString() });
      sender.offline.add(s.instanceIds[0]!);
      clock.advance(69_000);
      assert.equal(await scheduler.expireDeadlines(), 0);
      clock.advance(2_000);
      assert.equal(await scheduler.expireDeadlines(), 1);
      const t = await target(id, s.instanceIds[0]!);
      assert.equal(t.errorCode, 'AGENT_OFFLINE');
      assert.equal(t.lifecycleEvents.find((e) => e.lifecycleEventName === 'BeforeInstall')?.status, 'Unknown');
      assert.equal((await scheduler.getDeploymentView(id))?.status, 'Failed');
    });

    it('calls a silent host whose agent is still connected a TIMEOUT', async () => {
      const s = await seed(db, 1);
      await configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = await scheduler.createDeployment(input(s));
      clock.advance(71_000);
      await scheduler.expireDeadlines();
      assert.equal((await target(id, s.instanceIds[0]!)).errorCode, 'TIMEOUT');
    });

    it('pushes the deadline out on every report from the agent', async () => {
      const s = await seed(db, 1);
      await configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = await scheduler.createDeployment(input(s));
      const cmd = sender.sent[0]!.command;
      clock.advance(60_000);
      await applyEvent(store, scheduler, s.instanceIds[0]!, { seq: 1, commandId: cmd.commandId, deploymentId: id, lifecycleEvent: 'BeforeInstall', status: 'InProgress', at: clock.now().toISOString() });
      clock.advance(60_000);
      assert.equal(await scheduler.expireDeadlines(), 0);
    });

    it('re-sends the cancel of a stopped deployment when the agent comes back', async () => {
      const s = await seed(db, 1);
      const id = await scheduler.createDeployment(input(s));
      sender.offline.add(s.instanceIds[0]!);
      await scheduler.stopDeployment(id);
      sender.offline.clear();
      await scheduler.agentConnected(s.instanceIds[0]!);
      assert.deepEqual(sender.cancels.map((c) => c.deploymentId), [id, id]);
    });
  });

  describe('coordinator restart', () => {
    /** A one-host deployment whose host is running, then the coordinator is down for `downMs`. */
    async function runningThroughOutage(downMs: number): Promise<{ s: Seeded; id: string; restarted: Scheduler }> {
      const s = await seed(db, 1);
      await configureGroup(db, s.deploymentGroupId, { event_timeout_seconds: 10 });
      const id = await scheduler.createDeployment(input(s));
      scheduler.stop();
      clock.advance(downMs);
      sender.offline.add(s.instanceIds[0]!);
      const restarted = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
      await restarted.start();
      return { s, id, restarted };
    }

    it('gives agents the reconnect grace before failing a host whose deadline passed while it was down', async () => {
      const { s, id, restarted } = await runningThroughOutage(10 * 60_000);
      assert.equal(await restarted.expireDeadlines(), 0);
      assert.equal((await target(id, s.instanceIds[0]!)).status, 'InProgress');
      clock.advance(RECONNECT_GRACE_MS + 1);
      assert.equal(await restarted.expireDeadlines(), 1);
      assert.equal((await target(id, s.instanceIds[0]!)).errorCode, 'AGENT_OFFLINE');
    });

    it('applies the outcome an agent delivers after reconnecting to a restarted coordinator', async () => {
      const { s, id, restarted } = await runningThroughOutage(10 * 60_000);
      // The timer re-armed at start fires at once for an overdue deadline, before the agent is back.
      await restarted.expireDeadlines();
      clock.advance(5_000);
      sender.offline.clear();
      await restarted.agentConnected(s.instanceIds[0]!);
      await applyEvent(store, restarted, s.instanceIds[0]!, outcome(sender.sent[0]!.command, 'Succeeded'));
      assert.equal((await target(id, s.instanceIds[0]!)).status, 'Succeeded');
      assert.equal((await scheduler.getDeploymentView(id))?.status, 'Succeeded');
    });

    it('leaves a deadline that is still far off where it was', async () => {
      const { id, restarted } = await runningThroughOutage(1_000);
      const row = async () => ((await db.get('SELECT deadline_at AS d FROM deployment_targets WHERE deployment_id = ?', id)) as { d: string });
      const before = (await row()).d;
      await restarted.start();
      assert.equal((await row()).d, before);
    });
  });

  describe('new hosts', () => {
    async function succeeded(s: Seeded): Promise<string> {
      const id = await scheduler.createDeployment(input(s));
      for (const [i, x] of sender.sent.entries()) await applyEvent(store, scheduler, x.instanceId, outcome(x.command, 'Succeeded', i + 1));
      assert.equal((await scheduler.getDeploymentView(id))?.status, 'Succeeded');
      return id;
    }

    it('deploys the last successful revision to a host that joins the group', async () => {
      const s = await seed(db, 1);
      await succeeded(s);
      await insertInstance(db, 'i-NEWHOST01', { env: 'prod' }, 9);
      const [id] = await scheduler.instanceChanged('i-NEWHOST01');
      assert.ok(id);
      const v = await scheduler.getDeploymentView(id);
      assert.equal(v?.creator, 'autoupdate');
      assert.equal(v?.revisionId, s.revisionId);
      assert.deepEqual(v?.targets.map((t) => t.instanceId), ['i-NEWHOST01']);
    });

    it('does nothing for a host outside every group, or when the group turned it off', async () => {
      const s = await seed(db, 1);
      await succeeded(s);
      await insertInstance(db, 'i-NEWHOST01', { env: 'dev' }, 9);
      assert.deepEqual(await scheduler.instanceChanged('i-NEWHOST01'), []);
      await configureGroup(db, s.deploymentGroupId, { auto_deploy_new_instances: 0 });
      await insertInstance(db, 'i-NEWHOST02', { env: 'prod' }, 10);
      assert.deepEqual(await scheduler.instanceChanged('i-NEWHOST02'), []);
    });

    it('does nothing for a group without a successful deployment', async () => {
      await seed(db, 1);
      await insertInstance(db, 'i-NEWHOST01', { env: 'prod' }, 9);
      assert.deepEqual(await scheduler.instanceChanged('i-NEWHOST01'), []);
    });
  });

  describe('#planDeployment', () => {
    it('shows HalfAtATime on 9 hosts as batches of 4, 4, 1 with the minimum and stop count', async () => {
      const s = await seed(db, 9);
      const plan = await scheduler.planDeployment({ deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: 'CodeDeployDefault.HalfAtATime', updateOutdatedInstancesOnly: false });
      assert.deepEqual(plan.batches.map((b) => b.length), [4, 4, 1]);
      assert.equal(plan.minimumHealthyHosts, 5);
      assert.equal(plan.failuresToStop, 4);
      assert.equal(plan.successesNeeded, 5);
      assert.equal(((await db.get('SELECT COUNT(*) AS n FROM deployments')) as { n: number }).n, 0);
    });

    it('reports HEALTH_CONSTRAINTS_INVALID as the problem instead of batches', async () => {
      const s = await seed(db, 1);
      const plan = await scheduler.planDeployment({ deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: 'HalfAtATime', updateOutdatedInstancesOnly: false });
      assert.equal(plan.problem?.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.deepEqual(plan.batches, []);
    });
  });
});
