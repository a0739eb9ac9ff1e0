import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { DeckhandError, type CommandBody } from '../../../../protocol/src/index.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import type { DeploymentView } from '../../../../protocol/src/index.ts';
import { applyEvent, configureGroup, FakeSender, ManualClock, outcome, seed, forEachStore, type Seeded, type TestStore } from './seed.ts';

const ROLLBACK_ON_FAILURE = JSON.stringify({ enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] });

forEachStore('Scheduler deployment lifecycle', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;
  let seq: Map<string, number>;

  beforeEach(async () => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
    seq = new Map();
  });

  function input(s: Seeded, extra: Partial<NewDeployment> = {}): NewDeployment {
    return {
      applicationId: s.applicationId,
      deploymentGroupId: s.deploymentGroupId,
      revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      fileExistsBehavior: 'DISALLOW',
      ignoreApplicationStopFailures: false,
      parameters: {},
      creator: 'user',
      ...extra,
    };
  }

  async function secondRevision(s: Seeded): Promise<string> {
    await db.run(
      `INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES (?, ?, ?, ?, 'tgz', ?)`,
      'r-REVTWOTWO',
      s.applicationId,
      'b'.repeat(64),
      1,
      '2024-06-01T00:00:00.000Z',
    );
    return 'r-REVTWOTWO';
  }

  /** Answers the i-th command sent with `status`. */
  async function answer(i: number, status: 'Succeeded' | 'Failed'): Promise<CommandBody> {
    const sent = sender.sent[i];
    assert.ok(sent, `command ${i} was sent`);
    const n = (seq.get(sent.instanceId) ?? 0) + 1;
    seq.set(sent.instanceId, n);
    await applyEvent(store, scheduler, sent.instanceId, outcome(sent.command, status, n));
    return sent.command;
  }

  async function view(id: string): Promise<DeploymentView> {
    const v = await scheduler.getDeploymentView(id);
    assert.ok(v, `deployment ${id} exists`);
    return v;
  }

  /** A group whose last deployment of r-REVREVREV succeeded on all hosts. */
  async function succeededOnce(hosts: number): Promise<{ s: Seeded; good: string }> {
    const s = await seed(db, hosts);
    const good = await scheduler.createDeployment(input(s, { deploymentConfigName: 'AllAtOnce' }));
    for (let i = 0; i < hosts; i++) await answer(i, 'Succeeded');
    assert.equal((await view(good)).status, 'Succeeded');
    return { s, good };
  }

  describe('one deployment per group', () => {
    it('refuses a second deployment to a busy group with CONFLICT naming the active one', async () => {
      const s = await seed(db, 2);
      const first = await scheduler.createDeployment(input(s));
      await assert.rejects(scheduler.createDeployment(input(s)), (err: unknown) => err instanceof DeckhandError && err.code === 'CONFLICT' && err.message.includes(first));
    });

    it('queues a second deployment with queue and starts it when the first ends', async () => {
      const s = await seed(db, 1);
      const first = await scheduler.createDeployment(input(s));
      const second = await scheduler.createDeployment(input(s, { queue: true }));
      assert.equal((await view(second)).status, 'Queued');
      assert.equal(sender.sent.length, 1);
      await answer(0, 'Succeeded');
      assert.equal((await view(first)).status, 'Succeeded');
      assert.equal((await view(second)).status, 'InProgress');
      assert.equal(sender.sent[1]?.command.deploymentId, second);
    });
  });

  describe('events in progress', () => {
    it('keeps the message an InProgress event carries (a script asked for a reboot)', async () => {
      const s = await seed(db, 1);
      const id = await scheduler.createDeployment(input(s));
      const sent = sender.sent[0]!;
      const at = '2025-01-01T00:05:00.000Z';
      const base = { commandId: sent.command.commandId, deploymentId: id, lifecycleEvent: 'ApplicationStart', at };
      await applyEvent(store, scheduler, sent.instanceId, { ...base, seq: 1, status: 'InProgress' });
      await applyEvent(store, scheduler, sent.instanceId, { ...base, seq: 2, status: 'InProgress', message: 'a script asked for a reboot; rebooting the host' });
      const event = (await view(id)).targets[0]!.lifecycleEvents.find((e) => e.lifecycleEventName === 'ApplicationStart');
      assert.equal(event?.status, 'InProgress');
      assert.equal(event?.message, 'a script asked for a reboot; rebooting the host');
    });
  });

  describe('#stopDeployment', () => {
    it('stops a running deployment: cancel to the running host, the rest Skipped, MANUAL_STOP', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s));
      const result = await scheduler.stopDeployment(id);
      assert.equal(result.status, 'Pending');
      assert.deepEqual(sender.cancels.map((c) => c.instanceId), [s.instanceIds[0]]);
      const v = await view(id);
      assert.equal(v.status, 'Stopped');
      assert.equal(v.errorInformation?.code, 'MANUAL_STOP');
      assert.deepEqual(v.overview, { Pending: 0, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 2 });
    });

    it('records the aborted host\'s report after the stop', async () => {
      const s = await seed(db, 2);
      const id = await scheduler.createDeployment(input(s));
      await scheduler.stopDeployment(id);
      await answer(0, 'Failed');
      assert.equal((await view(id)).targets[0]?.status, 'Failed');
      assert.equal((await view(id)).status, 'Stopped');
    });

    it('stops a queued deployment without touching any host', async () => {
      const s = await seed(db, 1);
      await scheduler.createDeployment(input(s));
      const queued = await scheduler.createDeployment(input(s, { queue: true }));
      assert.deepEqual(await scheduler.stopDeployment(queued), { status: 'Succeeded', statusMessage: 'The deployment is stopped.' });
      assert.equal((await view(queued)).status, 'Stopped');
      assert.equal(sender.cancels.length, 0);
    });

    it('refuses to stop a finished deployment with CONFLICT', async () => {
      const { good } = await succeededOnce(1);
      await assert.rejects(scheduler.stopDeployment(good), /already Succeeded/);
    });
  });

  describe('automatic rollback', () => {
    it('on DEPLOYMENT_FAILURE deploys the last good revision as creator rollback, linked both ways', async () => {
      const { s } = await succeededOnce(3);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ON_FAILURE });
      const bad = await scheduler.createDeployment(input(s, { revisionId: await secondRevision(s) }));
      await answer(3, 'Failed');
      const failed = await view(bad);
      assert.equal(failed.errorInformation?.code, 'HEALTH_CONSTRAINTS');
      const rollbackId = failed.rollbackInfo?.rollbackDeploymentId;
      assert.ok(rollbackId);
      const rollback = await view(rollbackId);
      assert.equal(rollback.creator, 'rollback');
      assert.equal(rollback.revisionId, s.revisionId);
      assert.equal(rollback.rollbackInfo?.rollbackTriggeringDeploymentId, bad);
      assert.equal(rollback.status, 'InProgress');
      assert.match(failed.rollbackInfo?.rollbackMessage ?? '', /all instances/);
    });

    it('on DEPLOYMENT_STOP_ON_REQUEST rolls back a stopped deployment unless the stop says not to', async () => {
      const { s } = await succeededOnce(2);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ON_FAILURE });
      const first = await scheduler.createDeployment(input(s, { revisionId: await secondRevision(s) }));
      await scheduler.stopDeployment(first, false);
      assert.equal((await view(first)).rollbackInfo, undefined);
      const second = await scheduler.createDeployment(input(s, { revisionId: 'r-REVTWOTWO' }));
      await scheduler.stopDeployment(second);
      assert.ok((await view(second)).rollbackInfo?.rollbackDeploymentId);
    });

    it('does not roll back when the group has no rollback configuration', async () => {
      const s = await seed(db, 2);
      const id = await scheduler.createDeployment(input(s));
      await answer(0, 'Failed');
      assert.equal((await view(id)).rollbackInfo, undefined);
    });

    it('says why there is no rollback when the group never succeeded', async () => {
      const s = await seed(db, 2);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ON_FAILURE });
      const id = await scheduler.createDeployment(input(s));
      await answer(0, 'Failed');
      assert.match((await view(id)).rollbackInfo?.rollbackMessage ?? '', /no successful deployment/);
    });

    it('never rolls back a failed rollback', async () => {
      const { s } = await succeededOnce(2);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ON_FAILURE });
      await scheduler.createDeployment(input(s, { revisionId: await secondRevision(s) }));
      await answer(2, 'Failed');
      const rollbacks = async () => ((await db.get(`SELECT COUNT(*) AS n FROM deployments WHERE creator = 'rollback'`)) as { n: number }).n;
      assert.equal(await rollbacks(), 1);
      await answer(3, 'Failed');
      assert.equal(await rollbacks(), 1);
    });
  });

  describe('#rollbackGroup', () => {
    it('redeploys the last good revision and links the latest failed deployment', async () => {
      const { s } = await succeededOnce(2);
      const bad = await scheduler.createDeployment(input(s, { revisionId: await secondRevision(s) }));
      await answer(2, 'Failed');
      const id = await scheduler.rollbackGroup(s.deploymentGroupId, { queue: false, who: 'admin' });
      assert.equal((await view(id)).revisionId, s.revisionId);
      assert.equal((await view(id)).rollbackInfo?.rollbackTriggeringDeploymentId, bad);
      assert.equal((await view(bad)).rollbackInfo?.rollbackDeploymentId, id);
    });

    it('refuses with CONFLICT when the group has no successful deployment', async () => {
      const s = await seed(db, 1);
      await assert.rejects(scheduler.rollbackGroup(s.deploymentGroupId, { queue: false, who: 'admin' }), /no successful deployment/);
    });
  });

  describe('deployment options', () => {
    it('applies a custom HOST_COUNT configuration: 5 hosts with a minimum of 3 run 2 at a time', async () => {
      await db.store.configs.insert({ name: 'TwoAtATime', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 }, createdAt: 'x' });
      const s = await seed(db, 5);
      await scheduler.createDeployment(input(s, { deploymentConfigName: 'TwoAtATime' }));
      assert.equal(sender.sent.length, 2);
    });

    it('fails a custom FLEET_PERCENT 95 on 10 hosts with HEALTH_CONSTRAINTS_INVALID before sending anything', async () => {
      await db.store.configs.insert({ name: 'Strict', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 95 }, createdAt: 'x' });
      const s = await seed(db, 10);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: 'Strict' }));
      assert.equal((await view(id)).errorInformation?.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.equal(sender.sent.length, 0);
    });

    it('updateOutdatedInstancesOnly leaves out hosts already on the revision', async () => {
      const { s } = await succeededOnce(2);
      const id = await scheduler.createDeployment(input(s, { updateOutdatedInstancesOnly: true, deploymentConfigName: 'AllAtOnce' }));
      assert.equal((await view(id)).errorInformation?.code, 'NO_INSTANCES');
    });

    it('takes hosts whose last attempt failed before the others', async () => {
      const s = await seed(db, 3);
      await scheduler.createDeployment(input(s, { deploymentConfigName: 'AllAtOnce' }));
      await answer(0, 'Succeeded');
      await answer(1, 'Succeeded');
      await answer(2, 'Failed');
      const id = await scheduler.createDeployment(input(s));
      assert.equal((await view(id)).targets[0]?.instanceId, s.instanceIds[2]);
    });

    it('passes fileExistsBehavior and ignoreApplicationStopFailures to the agent', async () => {
      const s = await seed(db, 1);
      await scheduler.createDeployment(input(s, { fileExistsBehavior: 'RETAIN', ignoreApplicationStopFailures: true }));
      assert.equal(sender.sent[0]?.command.deploy.fileExistsBehavior, 'RETAIN');
      assert.equal(sender.sent[0]?.command.deploy.ignoreApplicationStopFailures, true);
    });
  });
});
