import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { AnalysisOptions, type CheckVerdict, type DeploymentView, type RolloutOptions } from '../../../../protocol/src/index.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import type { HealthResult } from '../../../../coordinator/src/store/health.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { applyEvent, configureGroup, FakeSender, forEachStore, insertConfig, ManualClock, outcome, seed, type Seeded, type TestStore } from './seed.ts';

const ROLLBACK_ALL = JSON.stringify({ enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] });

forEachStore('Scheduler health gates (alarms, analysis, failure threshold, guard rail, rollout changes)', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let clock: ManualClock;
  let scheduler: Scheduler;
  let seq: Map<string, number>;
  let answered: number;

  beforeEach(() => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    clock = new ManualClock();
    scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
    seq = new Map();
    answered = 0;
  });

  async function config(name: string, rollout: RolloutOptions): Promise<string> {
    await insertConfig(db, { name, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, rollout, createdAt: 'x' });
    return name;
  }

  function input(s: Seeded, extra: Partial<NewDeployment> = {}): NewDeployment {
    return {
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
      parameters: {}, creator: 'user', ...extra,
    };
  }

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

  async function view(id: string): Promise<DeploymentView> {
    const v = await scheduler.getDeploymentView(id);
    assert.ok(v);
    return v;
  }

  /** A deployment of the group that succeeded, so a rollback has a revision to go back to. */
  async function succeededOnce(s: Seeded): Promise<void> {
    await scheduler.createDeployment(input(s, { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }));
    await answerAll();
    await db.run(`INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES ('r-REVTWOTWO', ?, ?, 1, 'tgz', 'x')`, s.applicationId, 'b'.repeat(64));
  }

  const measurement = (check: string, verdict: CheckVerdict, step = 1): HealthResult => ({
    at: clock.now().toISOString(), check, purpose: 'analysis', step, verdict, message: `${check} ${verdict}`, dryRun: false,
  });

  describe('alarms', () => {
    it('stops with ALARM_ACTIVE naming the alarm, cancels hosts in flight, skips the rest and rolls back on DEPLOYMENT_STOP_ON_ALARM', async () => {
      const s = await seed(db, 4);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ALL });
      await succeededOnce(s);
      const id = await scheduler.createDeployment(input(s, { revisionId: 'r-REVTWOTWO' }));
      await scheduler.recordHealth(id, {
        alarms: { readings: [{ name: 'error-rate', verdict: 'Failed', message: 'result 0.2 is not < 0.01' }], ignorePollAlarmFailure: false },
        results: [],
      });
      const v = await view(id);
      assert.equal(v.status, 'Stopped');
      assert.equal(v.errorInformation?.code, 'ALARM_ACTIVE');
      assert.match(v.errorInformation?.message ?? '', /alarm error-rate \(result 0\.2 is not < 0\.01\) was in alarm/);
      assert.deepEqual(sender.cancels.map((c) => c.deploymentId), [id], 'the host in flight is told to stop');
      assert.equal(v.overview.Skipped, 3);
      const rollbackId = v.rollbackInfo?.rollbackDeploymentId;
      assert.ok(rollbackId, 'rolled back');
      assert.match(v.rollbackInfo?.rollbackMessage ?? '', /DEPLOYMENT_STOP_ON_ALARM/);
      const rollback = await view(rollbackId);
      assert.deepEqual(rollback.overrideAlarmConfiguration, { enabled: false, ignorePollAlarmFailure: false, alarms: [] }, 'the automatic rollback polls no alarm');
    });

    it('does not roll back an alarm stop when only DEPLOYMENT_FAILURE is configured', async () => {
      const s = await seed(db, 2);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: JSON.stringify({ enabled: true, events: ['DEPLOYMENT_FAILURE'] }) });
      await succeededOnce(s);
      const id = await scheduler.createDeployment(input(s, { revisionId: 'r-REVTWOTWO' }));
      await scheduler.recordHealth(id, { alarms: { readings: [{ name: 'a', verdict: 'Failed', message: 'x' }], ignorePollAlarmFailure: false }, results: [] });
      assert.equal((await view(id)).rollbackInfo, undefined);
    });

    it('goes on when an alarm cannot be read and ignorePollAlarmFailure is set, and keeps the result', async () => {
      const s = await seed(db, 2);
      const id = await scheduler.createDeployment(input(s));
      const result: HealthResult = { at: clock.now().toISOString(), check: 'a', purpose: 'alarm', verdict: 'Error', message: 'unreachable', dryRun: false };
      await scheduler.recordHealth(id, { alarms: { readings: [{ name: 'a', verdict: 'Error', message: 'unreachable' }], ignorePollAlarmFailure: true }, results: [result] });
      const v = await view(id);
      assert.equal(v.status, 'InProgress');
      assert.deepEqual(v.health?.map((h) => [h.check, h.verdict]), [['a', 'Error']]);
    });

    it('drops a report for a deployment that already ended', async () => {
      const s = await seed(db, 1);
      const id = await scheduler.createDeployment(input(s));
      await answerAll();
      await scheduler.recordHealth(id, { alarms: { readings: [{ name: 'a', verdict: 'Failed', message: 'x' }], ignorePollAlarmFailure: false }, results: [] });
      assert.equal((await view(id)).status, 'Succeeded');
    });
  });

  describe('analysis between steps', () => {
    const analysis = AnalysisOptions.parse({ checks: ['errors'], intervalSeconds: 10, count: 2 });

    it('holds the next batch until every measurement passed, then goes on', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Canary', { batches: [1, '100%'], analysis }) }));
      await answerAll();
      let v = await view(id);
      assert.equal(v.rollout?.waitingFor, 'analysis');
      assert.equal(v.rollout?.analysis?.status, 'Running');
      assert.equal(v.rollout?.analysis?.step, 1);
      await scheduler.recordHealth(id, { results: [measurement('errors', 'Successful')] });
      assert.equal(sender.sent.length, 1, 'one measurement of two: still waiting');
      await scheduler.recordHealth(id, { results: [measurement('errors', 'Successful')] });
      v = await view(id);
      assert.equal(v.rollout?.analysis?.status, 'Successful');
      assert.equal(sender.sent.length, 3, 'the rest started');
      assert.equal(v.health?.length, 2);
    });

    it('fails with ANALYSIS_FAILED and rolls back as a failure when a measurement fails', async () => {
      const s = await seed(db, 3);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ALL });
      await succeededOnce(s);
      const id = await scheduler.createDeployment(input(s, { revisionId: 'r-REVTWOTWO', deploymentConfigName: await config('Canary', { batches: [1, '100%'], analysis }) }));
      await answerAll();
      await scheduler.recordHealth(id, { results: [measurement('errors', 'Failed')] });
      const v = await view(id);
      assert.equal(v.status, 'Failed');
      assert.equal(v.errorInformation?.code, 'ANALYSIS_FAILED');
      assert.match(v.errorInformation?.message ?? '', /the analysis of batch 1 failed: check errors: 1 of 1 measurements Failed/);
      assert.equal(v.overview.Skipped, 2);
      assert.match(v.rollbackInfo?.rollbackMessage ?? '', /DEPLOYMENT_FAILURE/);
    });

    it('pauses with the reason when inconclusive; resume goes on', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Canary', { batches: [1, '100%'], analysis }) }));
      await answerAll();
      await scheduler.recordHealth(id, { results: [measurement('errors', 'Inconclusive')] });
      let v = await view(id);
      assert.equal(v.status, 'InProgress');
      assert.equal(v.rollout?.paused, true);
      assert.match(v.rollout?.pauseReason ?? '', /inconclusive/);
      await scheduler.resumeDeployment(id, 'ops');
      v = await view(id);
      assert.equal(v.rollout?.analysis?.status, 'Resumed');
      assert.equal(v.rollout?.pauseReason, undefined);
      assert.equal(sender.sent.length, 3);
    });

    it('is ended early by promote, and promote refuses when nothing bakes or analyses', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Canary', { batches: [1, '100%'], analysis, bakeSeconds: 600 }) }));
      await assert.rejects(scheduler.promoteDeployment(id, 'ops'), /not between two steps/);
      await answerAll();
      const answer = await scheduler.promoteDeployment(id, 'ops');
      assert.equal(answer.rollout.analysis?.status, 'Promoted');
      assert.equal(answer.rollout.bakeUntil, undefined);
      assert.equal(sender.sent.length, 3);
    });

    it('does not analyse a rollback', async () => {
      const s = await seed(db, 3);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ALL, deployment_config_name: await config('Canary', { batches: [1, '100%'], analysis }) });
      await succeededOnce(s);
      const id = await scheduler.rollbackGroup(s.deploymentGroupId, { queue: false, who: 'ops' });
      await answerAll();
      await answerAll();
      assert.equal((await view(id)).status, 'Succeeded');
    });

    it('does not bake between the batches of a rollback', async () => {
      const s = await seed(db, 3);
      await configureGroup(db, s.deploymentGroupId, { auto_rollback: ROLLBACK_ALL, deployment_config_name: await config('CanaryBake', { batches: [1, '100%'], bakeSeconds: 3600 }) });
      await succeededOnce(s);
      const id = await scheduler.rollbackGroup(s.deploymentGroupId, { queue: false, who: 'ops' });
      assert.equal(await answerAll(), 1, 'the rollback keeps the canary batch');
      assert.equal((await view(id)).rollout?.bakeUntil, undefined);
      assert.equal(await answerAll(), 2, 'and starts the next batch at once');
      assert.equal((await view(id)).status, 'Succeeded');
    });
  });

  describe('retry of the failed hosts', () => {
    it('sends a host that failed after its Install the event to start at, and runs the others from the start', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }));
      const sent = new Map(sender.sent.map((c) => [c.instanceId, c.command]));
      const [late, early, fine] = s.instanceIds as [string, string, string];
      const events = async (host: string, list: [string, 'Succeeded' | 'Failed'][]): Promise<void> => {
        const command = sent.get(host);
        assert.ok(command);
        let n = 0;
        for (const [lifecycleEvent, status] of list) {
          await applyEvent(store, scheduler, host, { seq: ++n, commandId: command.commandId, deploymentId: id, lifecycleEvent, status, at: clock.now().toISOString(), ...(status === 'Failed' ? { errorCode: 'ScriptFailed', message: 'exit 1' } : {}) });
        }
        await applyEvent(store, scheduler, host, outcome(command, list.some(([, st]) => st === 'Failed') ? 'Failed' : 'Succeeded', ++n));
      };
      await events(late, [['Install', 'Succeeded'], ['ApplicationStart', 'Succeeded'], ['ValidateService', 'Failed']]);
      await events(early, [['BeforeInstall', 'Failed']]);
      await events(fine, [['Install', 'Succeeded'], ['ValidateService', 'Succeeded']]);
      assert.equal((await view(id)).overview.Failed, 2, 'AllAtOnce ends Succeeded with one host succeeded; two failed');
      answered = sender.sent.length;

      const retry = await scheduler.retryFailed(id, { who: 'ops', queue: false, confirmLargeBlastRadius: false });
      const commands = new Map(sender.sent.slice(answered).map((c) => [c.instanceId, c.command]));
      assert.deepEqual([...commands.keys()].sort(), [late, early].sort(), 'only the failed hosts');
      assert.deepEqual(commands.get(late)?.deploy.startAt, { lifecycleEvent: 'ValidateService', fromDeploymentId: id });
      assert.equal(commands.get(early)?.deploy.startAt, undefined, 'a host that failed before Install starts from the beginning');
      assert.equal((await view(retry)).retryOf, id);
    });
  });

  describe('failure threshold', () => {
    it('runs at most maxFailures + 1 hosts at once and fails once they are exceeded, saying by how much', async () => {
      const s = await seed(db, 10);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Tolerant', { maxFailures: 1 }) }));
      assert.equal(sender.sent.length, 2);
      await answerAll('Failed');
      const v = await view(id);
      assert.equal(v.status, 'Failed');
      assert.equal(v.errorInformation?.message, 'The deployment failed because 2 of 10 instances failed, more than the 1 it tolerates (exceeded by 1).');
      assert.equal(v.overview.Skipped, 8);
    });
  });

  describe('guard rail', () => {
    it('refuses a first step over the group\'s share unless confirmed, naming how many hosts', async () => {
      const s = await seed(db, 20);
      const all = input(s, { deploymentConfigName: 'CodeDeployDefault.AllAtOnce', confirmLargeBlastRadius: false });
      await assert.rejects(scheduler.createDeployment(all), /would take 20 of the 20 hosts of deployment group prod out of service at once .*more than 25 % and more than 10 hosts/);
      assert.equal(sender.sent.length, 0, 'nothing was created or sent');
      await scheduler.createDeployment({ ...all, confirmLargeBlastRadius: true });
      assert.equal(sender.sent.length, 20);
    });

    it('lets a batch plan or a small first step through, and honours the group\'s own limit', async () => {
      const s = await seed(db, 20);
      await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Batches', { batches: ['50%', '100%'] }), confirmLargeBlastRadius: false, queue: true }));
      await scheduler.createDeployment(input(s, { confirmLargeBlastRadius: false, queue: true }));
      await store.health.setGroupHealth(s.deploymentGroupId, { largeBlastRadius: { percent: 100, hosts: 100 } });
      await scheduler.createDeployment(input(s, { deploymentConfigName: 'CodeDeployDefault.AllAtOnce', confirmLargeBlastRadius: false, queue: true }));
    });
  });

  describe('changing a running rollout', () => {
    it('takes the hosts not started yet in batches of a new size, with a new bake', async () => {
      const s = await seed(db, 7);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Two', { batches: [1, '100%'], bakeSeconds: 600 }) }));
      await answerAll();
      const changed = await scheduler.changeRollout(id, { batchSize: 2, bakeSeconds: 0 }, 'ops');
      assert.equal(changed.rollout.steps, 4);
      const sizes = [await answerAll(), await answerAll(), await answerAll(), await answerAll()];
      assert.deepEqual(sizes, [2, 2, 2, 0]);
      const v = await view(id);
      assert.equal(v.status, 'Succeeded');
      assert.deepEqual(v.targets.map((t) => t.step), [1, 2, 2, 3, 3, 4, 4]);
    });

    it('shortens a bake that is running', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Baked', { batches: [1, '100%'], bakeSeconds: 600 }) }));
      await answerAll();
      clock.advance(60_000);
      const changed = await scheduler.changeRollout(id, { bakeSeconds: 120 }, 'ops');
      assert.equal(Date.parse(changed.rollout.bakeUntil ?? ''), clock.ms + 60_000);
      clock.advance(60_000);
      await scheduler.expireDeadlines();
      assert.equal(sender.sent.length, 3);
    });

    it('refuses to resize a segment rollout', async () => {
      const s = await seed(db, 3);
      const id = await scheduler.createDeployment(input(s, { deploymentConfigName: await config('Seg', { segmentBy: 'env' }) }));
      await assert.rejects(scheduler.changeRollout(id, { batchSize: 1 }, 'ops'), /one segment at a time/);
    });
  });
});
