import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { DeckhandError, type RolloutOptions } from '../../../../protocol/src/index.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { applyEvent, FakeSender, ManualClock, outcome, seed, forEachStore, type Seeded, type TestStore } from './seed.ts';

forEachStore('Scheduler rollout controls (batch lists, bake, segments, pause, approval)', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;
  let seq: Map<string, number>;
  let answered: number;

  beforeEach(async () => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
    seq = new Map();
    answered = 0;
  });

  async function config(name: string, rollout: RolloutOptions, min = { type: 'HOST_COUNT' as const, value: 0 }): Promise<string> {
    await db.store.configs.insert({ name, minimumHealthyHosts: min, rollout, createdAt: 'x' });
    return name;
  }

  function start(s: Seeded, configName: string, extra: Partial<NewDeployment> = {}): Promise<string> {
    return scheduler.createDeployment({
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: configName, fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
      parameters: {}, creator: 'user', ...extra,
    });
  }

  /** Answers every command sent and not answered yet with `status`; returns how many. */
  async function answerAll(status: 'Succeeded' | 'Failed' = 'Succeeded'): Promise<number> {
    const pending = sender.sent.slice(answered);
    answered = sender.sent.length;
    for (const { instanceId, command } of pending) {
      const n = (seq.get(instanceId) ?? 0) + 1;
      seq.set(instanceId, n);
      await applyEvent(store, scheduler, instanceId, outcome(command, status, n));
    }
    return pending.length;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read optional fields freely.
  async function view(id: string): Promise<any> {
    return scheduler.getDeploymentView(id);
  }

  describe('batch list with bake', () => {
    it('sends the canary batch first and nothing more until it is answered', async () => {
      const s = await seed(db, 10);
      await start(s, await config('Canary', { batches: [1, '50%', '100%'] }));
      assert.equal(sender.sent.length, 1);
    });

    it('starts batches of 1, 4 and 5 hosts for [1, "50%", "100%"] on 10 hosts', async () => {
      const s = await seed(db, 10);
      await start(s, await config('Canary', { batches: [1, '50%', '100%'] }));
      const sizes = [await answerAll(), await answerAll(), await answerAll()];
      assert.deepEqual(sizes, [1, 4, 5]);
    });

    it('waits the bake time after a batch before starting the next', async () => {
      const s = await seed(db, 4);
      const id = await start(s, await config('Baked', { batches: [1, '100%'], bakeSeconds: 30 }));
      await answerAll();
      assert.equal(sender.sent.length, 1, 'nothing new during the bake');
      assert.equal((await view(id)).rollout.waitingFor, 'bake');
      clock.advance(29_000);
      await scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 1, 'still baking after 29 s');
      clock.advance(1_000);
      await scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 4, 'the rest started once the bake ended');
    });

    it('stores the bake deadline so a restarted scheduler resumes it', async () => {
      const s = await seed(db, 3);
      const id = await start(s, await config('Baked', { batches: [1, '100%'], bakeSeconds: 60 }));
      await answerAll();
      const bakeUntil = (await view(id)).rollout.bakeUntil;
      assert.equal(bakeUntil, new Date(clock.ms + 60_000).toISOString());
      scheduler.stop();
      const restarted = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
      await restarted.start();
      assert.equal(sender.sent.length, 1, 'the bake survives the restart');
      clock.advance(60_000);
      await restarted.expireDeadlines();
      assert.equal(sender.sent.length, 3);
    });

    it('fails with HEALTH_CONSTRAINTS and skips the rest when the canary fails', async () => {
      const s = await seed(db, 5);
      const id = await start(s, await config('Canary', { batches: [1, '100%'] }));
      await answerAll('Failed');
      const v = await view(id);
      assert.equal(v.status, 'Failed');
      assert.equal(v.errorInformation.code, 'HEALTH_CONSTRAINTS');
      assert.match(v.errorInformation.message, /batch 1/);
      assert.equal(v.overview.Skipped, 4);
    });

    it('succeeds once the last batch is done', async () => {
      const s = await seed(db, 3);
      const id = await start(s, await config('Canary', { batches: [1, '100%'] }));
      await answerAll();
      await answerAll();
      assert.equal((await view(id)).status, 'Succeeded');
    });
  });

  describe('segments', () => {
    async function tag(s: Seeded, values: (string | undefined)[]): Promise<void> {
      for (const [i, v] of values.entries()) {
        await db.run('UPDATE instances SET tags = ? WHERE instance_id = ?', JSON.stringify(v === undefined ? { env: 'prod' } : { env: 'prod', rack: v }), s.instanceIds[i]);
      }
    }

    it('rolls one segment at a time, ordered by tag value, untagged hosts last', async () => {
      const s = await seed(db, 5);
      await tag(s, ['b', undefined, 'a', 'b', 'a']);
      await start(s, await config('ByRack', { segmentBy: 'rack' }));
      const order: string[][] = [];
      for (let i = 0; i < 3; i++) {
        const before = answered;
        await answerAll();
        order.push(sender.sent.slice(before, answered).map((x) => x.instanceId));
      }
      assert.deepEqual(order, [[s.instanceIds[2], s.instanceIds[4]], [s.instanceIds[0], s.instanceIds[3]], [s.instanceIds[1]]]);
    });

    it('paces a segment by its own minimum healthy hosts', async () => {
      const s = await seed(db, 4);
      await tag(s, ['a', 'a', 'a', 'a']);
      await start(s, await config('ByRack', { segmentBy: 'rack', minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: 3 } }));
      assert.equal(sender.sent.length, 1);
    });

    it('shows each target\'s segment in the view', async () => {
      const s = await seed(db, 2);
      await tag(s, ['a', undefined]);
      const id = await start(s, await config('ByRack', { segmentBy: 'rack' }));
      assert.deepEqual((await view(id)).targets.map((t: any) => t.segment), ['a', null]);
    });

    it('fails at once with HEALTH_CONSTRAINTS_INVALID when a segment is too small for its minimum', async () => {
      const s = await seed(db, 3);
      await tag(s, ['a', 'a', 'b']);
      const id = await start(s, await config('ByRack', { segmentBy: 'rack', minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: 1 } }));
      const v = await view(id);
      assert.equal(v.errorInformation.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.match(v.errorInformation.message, /segment rack=b/);
      assert.equal(sender.sent.length, 0);
    });

    it('waits segmentBakeSeconds between segments', async () => {
      const s = await seed(db, 2);
      await tag(s, ['a', 'b']);
      await start(s, await config('ByRack', { segmentBy: 'rack', segmentBakeSeconds: 10 }));
      await answerAll();
      clock.advance(9_000);
      await scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 1);
      clock.advance(1_000);
      await scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 2);
    });
  });

  describe('pause and resume', () => {
    it('starts no new host while paused and lets the running one finish', async () => {
      const s = await seed(db, 3);
      const id = await start(s, 'CodeDeployDefault.OneAtATime');
      const paused = await scheduler.pauseDeployment(id, 'ops');
      assert.equal(paused.rollout.paused, true);
      await answerAll();
      const v = await view(id);
      assert.equal(v.targets[0].status, 'Succeeded');
      assert.equal(sender.sent.length, 1);
      assert.equal(v.status, 'InProgress');
      assert.equal(v.rollout.waitingFor, 'pause');
    });

    it('starts the next hosts on resume', async () => {
      const s = await seed(db, 3);
      const id = await start(s, 'CodeDeployDefault.OneAtATime');
      await scheduler.pauseDeployment(id, 'ops');
      await answerAll();
      const resumed = await scheduler.resumeDeployment(id, 'ops');
      assert.equal(resumed.rollout.paused, false);
      assert.equal(sender.sent.length, 2);
    });

    it('refuses to pause a finished deployment with CONFLICT', async () => {
      const s = await seed(db, 1);
      const id = await start(s, 'CodeDeployDefault.AllAtOnce');
      await answerAll();
      await assert.rejects(scheduler.pauseDeployment(id, 'ops'), (err: unknown) => err instanceof DeckhandError && err.code === 'CONFLICT');
    });

    it('refuses an unknown deployment with NOT_FOUND', async () => {
      await assert.rejects(scheduler.resumeDeployment('d-NOPENOPE', 'ops'), (err: unknown) => err instanceof DeckhandError && err.code === 'NOT_FOUND');
    });
  });

  describe('approval gate', () => {
    it('waits for approval after the first batch and shows it', async () => {
      const s = await seed(db, 4);
      const id = await start(s, await config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      assert.equal((await view(id)).rollout.approval, 'Pending');
      await answerAll();
      assert.equal(sender.sent.length, 1);
      assert.equal((await view(id)).rollout.approval, 'Waiting');
      assert.equal((await view(id)).rollout.waitingFor, 'approval');
    });

    it('carries on once approved, recording who approved', async () => {
      const s = await seed(db, 4);
      const id = await start(s, await config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      await answerAll();
      const approved = await scheduler.approveDeployment(id, 'alice');
      assert.equal(approved.rollout.approval, 'Approved');
      assert.equal(approved.rollout.approvedBy, 'alice');
      assert.equal(sender.sent.length, 4);
    });

    it('refuses approval by the token that created the deployment (four-eyes), and keeps waiting', async () => {
      const s = await seed(db, 4);
      const id = await start(s, await config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      await answerAll();
      await assert.rejects(scheduler.approveDeployment(id, 'user'), (err: unknown) =>
        err instanceof DeckhandError && err.code === 'FORBIDDEN' && /created by user and requires approval by another token/.test(err.message));
      assert.equal((await view(id)).rollout.approval, 'Waiting');
      assert.equal(sender.sent.length, 1);
    });

    it('refuses approval before the first batch is done with CONFLICT', async () => {
      const s = await seed(db, 4);
      const id = await start(s, await config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      await assert.rejects(scheduler.approveDeployment(id, 'alice'), /has not finished its first batch/);
    });

    it('refuses approval of a deployment that does not require it', async () => {
      const s = await seed(db, 4);
      const id = await start(s, 'CodeDeployDefault.OneAtATime');
      await assert.rejects(scheduler.approveDeployment(id, 'alice'), /does not require approval/);
    });

    it('gates a plain OneAtATime deployment after its first host', async () => {
      const s = await seed(db, 3);
      const id = await start(s, 'CodeDeployDefault.OneAtATime', { requireApproval: true });
      await answerAll();
      assert.equal((await view(id)).rollout.waitingFor, 'approval');
      await scheduler.approveDeployment(id, 'alice');
      assert.equal(sender.sent.length, 2);
    });

    it('takes requireApproval from the configuration when the deployment does not say', async () => {
      const s = await seed(db, 3);
      const id = await start(s, await config('Gated', { batches: [1, '100%'], requireApproval: true }));
      await answerAll();
      assert.equal((await view(id)).rollout.waitingFor, 'approval');
    });

    it('waits for both the bake and the approval', async () => {
      const s = await seed(db, 3);
      const id = await start(s, await config('Both', { batches: [1, '100%'], bakeSeconds: 5 }), { requireApproval: true });
      await answerAll();
      await scheduler.approveDeployment(id, 'alice');
      assert.equal(sender.sent.length, 1, 'approved but still baking');
      clock.advance(5_000);
      await scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 3);
    });
  });

  describe('plan', () => {
    it('does not promise more hosts at a time than a per-segment minimum lets run', async () => {
      const s = await seed(db, 6);
      for (const [i, id] of s.instanceIds.entries()) await db.run('UPDATE instances SET tags = ? WHERE instance_id = ?', JSON.stringify({ env: 'prod', rack: i < 3 ? 'a' : 'b' }), id);
      const name = await config('OneBySegment', { segmentBy: 'rack', minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: 2 } });
      const plan = await scheduler.planDeployment({ deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: name, updateOutdatedInstancesOnly: false });
      assert.equal(plan.maxConcurrent, 1);
      assert.deepEqual(plan.batches.map((b) => b.length), [1, 1, 1, 1, 1, 1]);
      assert.deepEqual(plan.segments, ['a', 'a', 'a', 'b', 'b', 'b']);
      await start(s, name);
      assert.equal(sender.sent.length, 1, 'the rollout itself takes one host at a time');
    });

    it('shows the batches of a batch list with the bake time', async () => {
      const s = await seed(db, 10);
      const plan = await scheduler.planDeployment({
        deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: await config('Canary', { batches: [1, '50%', '100%'], bakeSeconds: 30 }), updateOutdatedInstancesOnly: false,
      });
      assert.deepEqual(plan.batches.map((b) => b.length), [1, 4, 5]);
      assert.equal(plan.batchKind, 'list');
      assert.equal(plan.bakeSeconds, 30);
    });
  });
});
