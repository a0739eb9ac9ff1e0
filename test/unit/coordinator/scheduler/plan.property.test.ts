import assert from 'node:assert/strict';
import fc from 'fast-check';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import { openTestStore, STORE_KINDS, type StoreKind, type TestStore } from '../store/harness.ts';
import { postgresMissing } from '../../../support/postgres.ts';
import { skipForMissing } from '../../../support/requirements.ts';
import { scenarios, type Scenario } from './policy/rollout-driver.ts';
import { applyEvent, FakeSender, ManualClock, outcome, seed } from './seed.ts';

/** The configuration of `sc` in the store; its name. */
async function storeConfig(db: TestStore, sc: Scenario): Promise<string> {
  const { rule, rollout } = sc.config;
  // OneAtATime's rule cannot be stored in a custom configuration: it is the built-in's.
  if (rule.type === 'ALL_BUT_ONE') return 'CodeDeployDefault.OneAtATime';
  await db.store.configs.insert({ name: 'Prop', minimumHealthyHosts: { type: rule.type, value: rule.value }, rollout, createdAt: 'x' });
  return 'Prop';
}

/**
 * Plans, then runs the same deployment on a real scheduler and store, answering every host that
 * was sent a command before the next round (each answer may start more hosts: those form the
 * next round), ending bakes and approving when the rollout waits for them. Returns the plan's
 * batches and the rounds that ran.
 */
async function planAndRun(kind: StoreKind, sc: Scenario): Promise<{ planned: string[][]; ran: string[][]; status: string; problem: string | undefined }> {
  const db = await openTestStore(kind);
  const store = db.store;
  try {
    const s = await seed(db, sc.n);
    for (const [i, rack] of sc.racks.entries()) {
      const tags = rack === undefined ? { env: 'prod' } : { env: 'prod', rack };
      await db.run('UPDATE instances SET tags = ? WHERE instance_id = ?', JSON.stringify(tags), s.instanceIds[i]);
    }
    const name = await storeConfig(db, sc);
    const clock = new ManualClock();
    const sender = new FakeSender();
    const scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: sender });
    const query = { deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: name };
    const plan = await scheduler.planDeployment({ ...query, updateOutdatedInstancesOnly: false, requireApproval: sc.requireApproval });
    const id = await scheduler.createDeployment({
      ...query, applicationId: s.applicationId, fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false, parameters: {}, creator: 'prop', requireApproval: sc.requireApproval,
    });
    const ran: string[][] = [];
    for (let answered = 0, turn = 0; turn < 4 * sc.n + 10; turn++) {
      const round = sender.sent.slice(answered);
      answered = sender.sent.length;
      if (round.length > 0) {
        ran.push(round.map((r) => r.instanceId));
        for (const r of round) await applyEvent(store, scheduler, r.instanceId, outcome(r.command, 'Succeeded'));
        continue;
      }
      const view = await scheduler.getDeploymentView(id);
      if (view?.rollout?.waitingFor === 'bake') {
        clock.ms = Date.parse(view.rollout.bakeUntil ?? '');
        await scheduler.expireDeadlines();
      } else if (view?.rollout?.waitingFor === 'approval') {
        await scheduler.approveDeployment(id, 'approver');
      } else {
        break;
      }
    }
    const status = (await scheduler.getDeploymentView(id))?.status ?? 'missing';
    return { planned: plan.batches.map((b) => b.map((h) => h.instanceId)), ran, status, problem: plan.problem?.code };
  } finally {
    await db.cleanup();
  }
}

for (const kind of STORE_KINDS) {
describe(`deploy --plan (${kind})`, () => {
  it('equals what the scheduler runs, batch by batch, for random fleets and configurations', async function () {
    if (kind === 'postgres') {
      const missing = postgresMissing();
      if (missing) skipForMissing(this, missing);
    }
    await fc.assert(
      fc.asyncProperty(scenarios(12, { failures: false }), async (sc) => {
        const { planned, ran, status, problem } = await planAndRun(kind, sc);
        if (problem !== undefined) {
          assert.deepEqual(ran, [], 'a plan with a problem starts nothing');
          assert.equal(status, 'Failed');
          return;
        }
        assert.deepEqual(ran, planned);
        assert.equal(status, 'Succeeded');
      }),
      // A fresh PostgreSQL database per run costs more than a SQLite file: fewer runs there.
      { numRuns: kind === 'sqlite' ? 80 : 25 },
    );
  });
});
}
