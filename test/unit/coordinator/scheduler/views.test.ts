import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import { getDeploymentSummary, getDeploymentView, listDeploymentSummaries } from '../../../../coordinator/src/scheduler/views.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { FakeSender, fakeClock, seed, forEachStore, type TestStore } from './seed.ts';

/** The clock reading the views are made at. */
const NOW = new Date('2025-06-01T00:00:00.000Z');

forEachStore('deployment views', (current) => {
  let db: TestStore;
  let store: Store;
  let id: string;

  beforeEach(async () => {
    db = current();
    store = db.store;
    const s = await seed(db, 2);
    const scheduler = new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: new FakeSender() });
    id = await scheduler.createDeployment({
      applicationId: s.applicationId,
      deploymentGroupId: s.deploymentGroupId,
      revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      fileExistsBehavior: 'OVERWRITE',
      ignoreApplicationStopFailures: true,
      parameters: {},
      description: 'first',
      creator: 'admin',
    });
  });

  describe('#getDeploymentView', () => {
    it('shows names, overview counts and targets in position order', async () => {
      const view = await getDeploymentView(store, id, NOW);
      assert.equal(view?.applicationName, 'shop');
      assert.equal(view?.deploymentGroupName, 'prod');
      assert.equal(view?.description, 'first');
      assert.equal(view?.ignoreApplicationStopFailures, true);
      assert.deepEqual(view?.overview, { Pending: 1, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0 });
      assert.deepEqual(view?.targets.map((t) => t.hostname), ['host-0', 'host-1']);
      assert.equal(view?.targets[0]?.lifecycleEvents[0]?.lifecycleEventName, 'BeforeBlockTraffic');
      assert.equal(view?.targets[0]?.lifecycleEvents[2]?.lifecycleEventName, 'ApplicationStop');
    });

    it('returns undefined for an unknown deployment', async () => {
      assert.equal(await getDeploymentView(store, 'd-NOSUCHTHING', NOW), undefined);
    });
  });

  describe('#getDeploymentSummary', () => {
    it('is the view without its targets, with the same overview counts', async () => {
      const { targets, ...rest } = await getDeploymentView(store, id, NOW) ?? assert.fail('no view');
      assert.equal(targets.length, 2);
      assert.deepEqual(await getDeploymentSummary(store, id, NOW), rest);
    });

    it('counts a host waiting for its agent apart, as the view does', async () => {
      await db.run(`UPDATE deployment_targets SET status = 'WaitingForAgent' WHERE deployment_id = ? AND status = 'Pending'`, id);
      assert.deepEqual((await getDeploymentSummary(store, id, NOW))?.overview, { Pending: 0, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0, WaitingForAgent: 1 });
      assert.deepEqual((await getDeploymentSummary(store, id, NOW))?.overview, (await getDeploymentView(store, id, NOW))?.overview);
    });

    it('returns undefined for an unknown deployment', async () => {
      assert.equal(await getDeploymentSummary(store, 'd-NOSUCHTHING', NOW), undefined);
    });
  });

  describe('#listDeploymentSummaries', () => {
    it('filters by application, group and status', async () => {
      assert.equal((await listDeploymentSummaries(store, { applicationName: 'shop', deploymentGroupName: 'prod' }, NOW)).length, 1);
      assert.equal((await listDeploymentSummaries(store, { status: 'Succeeded' }, NOW)).length, 0);
      assert.equal((await listDeploymentSummaries(store, { applicationName: 'other' }, NOW)).length, 0);
    });

    it('lists the summaries GET by id answers, without targets', async () => {
      const [listed] = await listDeploymentSummaries(store, { applicationName: 'shop' }, NOW);
      assert.ok(listed);
      assert.deepEqual(listed, await getDeploymentSummary(store, listed.deploymentId, NOW));
      assert.equal('targets' in listed, false);
    });
  });
});
