import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { DeckhandError, type RolloutOptions } from '../../../../protocol/src/index.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import { insertDeploymentConfig } from '../../../../coordinator/src/store/configs.ts';
import type { Db } from '../../../../coordinator/src/store/db.ts';
import { FakeSender, ManualClock, outcome, seed, tempStore, type Seeded } from './seed.ts';

describe('Scheduler rollout controls (batch lists, bake, segments, pause, approval)', () => {
  let db: Db;
  let cleanup: () => void;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;
  let seq: Map<string, number>;
  let answered: number;

  beforeEach(() => {
    ({ db, cleanup } = tempStore());
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ db, clock, logger: silentLogger(), hub: sender });
    seq = new Map();
    answered = 0;
  });
  afterEach(() => cleanup());

  function config(name: string, rollout: RolloutOptions, min = { type: 'HOST_COUNT' as const, value: 0 }): string {
    insertDeploymentConfig(db, { name, minimumHealthyHosts: min, rollout, createdAt: 'x' });
    return name;
  }

  function start(s: Seeded, configName: string, extra: Partial<NewDeployment> = {}): string {
    return scheduler.createDeployment({
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: configName, fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
      parameters: {}, creator: 'user', ...extra,
    });
  }

  /** Answers every command sent and not answered yet with `status`; returns how many. */
  function answerAll(status: 'Succeeded' | 'Failed' = 'Succeeded'): number {
    const pending = sender.sent.slice(answered);
    answered = sender.sent.length;
    for (const { instanceId, command } of pending) {
      const n = (seq.get(instanceId) ?? 0) + 1;
      seq.set(instanceId, n);
      scheduler.applyAgentEvent(instanceId, outcome(command, status, n))();
    }
    return pending.length;
  }

  function view(id: string): any {
    return scheduler.getDeploymentView(id);
  }

  describe('batch list with bake', () => {
    it('sends the canary batch first and nothing more until it is answered', () => {
      const s = seed(db, 10);
      start(s, config('Canary', { batches: [1, '50%', '100%'] }));
      assert.equal(sender.sent.length, 1);
    });

    it('starts batches of 1, 4 and 5 hosts for [1, "50%", "100%"] on 10 hosts', () => {
      const s = seed(db, 10);
      start(s, config('Canary', { batches: [1, '50%', '100%'] }));
      const sizes = [answerAll(), answerAll(), answerAll()];
      assert.deepEqual(sizes, [1, 4, 5]);
    });

    it('waits the bake time after a batch before starting the next', () => {
      const s = seed(db, 4);
      const id = start(s, config('Baked', { batches: [1, '100%'], bakeSeconds: 30 }));
      answerAll();
      assert.equal(sender.sent.length, 1, 'nothing new during the bake');
      assert.equal(view(id).rollout.waitingFor, 'bake');
      clock.advance(29_000);
      scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 1, 'still baking after 29 s');
      clock.advance(1_000);
      scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 4, 'the rest started once the bake ended');
    });

    it('stores the bake deadline so a restarted scheduler resumes it', () => {
      const s = seed(db, 3);
      const id = start(s, config('Baked', { batches: [1, '100%'], bakeSeconds: 60 }));
      answerAll();
      const bakeUntil = view(id).rollout.bakeUntil;
      assert.equal(bakeUntil, new Date(clock.ms + 60_000).toISOString());
      scheduler.stop();
      const restarted = new Scheduler({ db, clock, logger: silentLogger(), hub: sender });
      restarted.start();
      assert.equal(sender.sent.length, 1, 'the bake survives the restart');
      clock.advance(60_000);
      restarted.expireDeadlines();
      assert.equal(sender.sent.length, 3);
    });

    it('fails with HEALTH_CONSTRAINTS and skips the rest when the canary fails', () => {
      const s = seed(db, 5);
      const id = start(s, config('Canary', { batches: [1, '100%'] }));
      answerAll('Failed');
      const v = view(id);
      assert.equal(v.status, 'Failed');
      assert.equal(v.errorInformation.code, 'HEALTH_CONSTRAINTS');
      assert.match(v.errorInformation.message, /batch 1/);
      assert.equal(v.overview.Skipped, 4);
    });

    it('succeeds once the last batch is done', () => {
      const s = seed(db, 3);
      const id = start(s, config('Canary', { batches: [1, '100%'] }));
      answerAll();
      answerAll();
      assert.equal(view(id).status, 'Succeeded');
    });
  });

  describe('segments', () => {
    function tag(s: Seeded, values: (string | undefined)[]): void {
      values.forEach((v, i) => {
        db.prepare('UPDATE instances SET tags = ? WHERE instance_id = ?').run(JSON.stringify(v === undefined ? { env: 'prod' } : { env: 'prod', rack: v }), s.instanceIds[i]);
      });
    }

    it('rolls one segment at a time, ordered by tag value, untagged hosts last', () => {
      const s = seed(db, 5);
      tag(s, ['b', undefined, 'a', 'b', 'a']);
      start(s, config('ByRack', { segmentBy: 'rack' }));
      const order: string[][] = [];
      for (let i = 0; i < 3; i++) {
        const before = answered;
        answerAll();
        order.push(sender.sent.slice(before, answered).map((x) => x.instanceId));
      }
      assert.deepEqual(order, [[s.instanceIds[2], s.instanceIds[4]], [s.instanceIds[0], s.instanceIds[3]], [s.instanceIds[1]]]);
    });

    it('paces a segment by its own minimum healthy hosts', () => {
      const s = seed(db, 4);
      tag(s, ['a', 'a', 'a', 'a']);
      start(s, config('ByRack', { segmentBy: 'rack', minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: 3 } }));
      assert.equal(sender.sent.length, 1);
    });

    it('shows each target\'s segment in the view', () => {
      const s = seed(db, 2);
      tag(s, ['a', undefined]);
      const id = start(s, config('ByRack', { segmentBy: 'rack' }));
      assert.deepEqual(view(id).targets.map((t: any) => t.segment), ['a', null]);
    });

    it('fails at once with HEALTH_CONSTRAINTS_INVALID when a segment is too small for its minimum', () => {
      const s = seed(db, 3);
      tag(s, ['a', 'a', 'b']);
      const id = start(s, config('ByRack', { segmentBy: 'rack', minimumHealthyHostsPerSegment: { type: 'HOST_COUNT', value: 1 } }));
      const v = view(id);
      assert.equal(v.errorInformation.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.match(v.errorInformation.message, /segment rack=b/);
      assert.equal(sender.sent.length, 0);
    });

    it('waits segmentBakeSeconds between segments', () => {
      const s = seed(db, 2);
      tag(s, ['a', 'b']);
      start(s, config('ByRack', { segmentBy: 'rack', segmentBakeSeconds: 10 }));
      answerAll();
      clock.advance(9_000);
      scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 1);
      clock.advance(1_000);
      scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 2);
    });
  });

  describe('pause and resume', () => {
    it('starts no new host while paused and lets the running one finish', () => {
      const s = seed(db, 3);
      const id = start(s, 'CodeDeployDefault.OneAtATime');
      const paused = scheduler.pauseDeployment(id, 'ops');
      assert.equal(paused.rollout.paused, true);
      answerAll();
      const v = view(id);
      assert.equal(v.targets[0].status, 'Succeeded');
      assert.equal(sender.sent.length, 1);
      assert.equal(v.status, 'InProgress');
      assert.equal(v.rollout.waitingFor, 'pause');
    });

    it('starts the next hosts on resume', () => {
      const s = seed(db, 3);
      const id = start(s, 'CodeDeployDefault.OneAtATime');
      scheduler.pauseDeployment(id, 'ops');
      answerAll();
      const resumed = scheduler.resumeDeployment(id, 'ops');
      assert.equal(resumed.rollout.paused, false);
      assert.equal(sender.sent.length, 2);
    });

    it('refuses to pause a finished deployment with CONFLICT', () => {
      const s = seed(db, 1);
      const id = start(s, 'CodeDeployDefault.AllAtOnce');
      answerAll();
      assert.throws(() => scheduler.pauseDeployment(id, 'ops'), (err: unknown) => err instanceof DeckhandError && err.code === 'CONFLICT');
    });

    it('refuses an unknown deployment with NOT_FOUND', () => {
      assert.throws(() => scheduler.resumeDeployment('d-NOPENOPE', 'ops'), (err: unknown) => err instanceof DeckhandError && err.code === 'NOT_FOUND');
    });
  });

  describe('approval gate', () => {
    it('waits for approval after the first batch and shows it', () => {
      const s = seed(db, 4);
      const id = start(s, config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      assert.equal(view(id).rollout.approval, 'Pending');
      answerAll();
      assert.equal(sender.sent.length, 1);
      assert.equal(view(id).rollout.approval, 'Waiting');
      assert.equal(view(id).rollout.waitingFor, 'approval');
    });

    it('carries on once approved, recording who approved', () => {
      const s = seed(db, 4);
      const id = start(s, config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      answerAll();
      const approved = scheduler.approveDeployment(id, 'alice');
      assert.equal(approved.rollout.approval, 'Approved');
      assert.equal(approved.rollout.approvedBy, 'alice');
      assert.equal(sender.sent.length, 4);
    });

    it('refuses approval before the first batch is done with CONFLICT', () => {
      const s = seed(db, 4);
      const id = start(s, config('Canary', { batches: [1, '100%'] }), { requireApproval: true });
      assert.throws(() => scheduler.approveDeployment(id, 'alice'), /has not finished its first batch/);
    });

    it('refuses approval of a deployment that does not require it', () => {
      const s = seed(db, 4);
      const id = start(s, 'CodeDeployDefault.OneAtATime');
      assert.throws(() => scheduler.approveDeployment(id, 'alice'), /does not require approval/);
    });

    it('gates a plain OneAtATime deployment after its first host', () => {
      const s = seed(db, 3);
      const id = start(s, 'CodeDeployDefault.OneAtATime', { requireApproval: true });
      answerAll();
      assert.equal(view(id).rollout.waitingFor, 'approval');
      scheduler.approveDeployment(id, 'alice');
      assert.equal(sender.sent.length, 2);
    });

    it('takes requireApproval from the configuration when the deployment does not say', () => {
      const s = seed(db, 3);
      const id = start(s, config('Gated', { batches: [1, '100%'], requireApproval: true }));
      answerAll();
      assert.equal(view(id).rollout.waitingFor, 'approval');
    });

    it('waits for both the bake and the approval', () => {
      const s = seed(db, 3);
      const id = start(s, config('Both', { batches: [1, '100%'], bakeSeconds: 5 }), { requireApproval: true });
      answerAll();
      scheduler.approveDeployment(id, 'alice');
      assert.equal(sender.sent.length, 1, 'approved but still baking');
      clock.advance(5_000);
      scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 3);
    });
  });

  describe('plan', () => {
    it('shows the batches of a batch list with the bake time', () => {
      const s = seed(db, 10);
      const plan = scheduler.planDeployment({
        deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: config('Canary', { batches: [1, '50%', '100%'], bakeSeconds: 30 }), updateOutdatedInstancesOnly: false,
      });
      assert.deepEqual(plan.batches.map((b) => b.length), [1, 4, 5]);
      assert.equal(plan.batchKind, 'list');
      assert.equal(plan.bakeSeconds, 30);
    });
  });
});
