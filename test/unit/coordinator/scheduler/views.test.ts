import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import { getDeploymentSummary, getDeploymentView, listDeploymentSummaries } from '../../../../coordinator/src/scheduler/views.ts';
import type { Db } from '../../../../coordinator/src/store/db.ts';
import { FakeSender, fakeClock, seed, tempStore } from './seed.ts';

describe('deployment views', () => {
  let db: Db;
  let cleanup: () => void;
  let id: string;

  beforeEach(() => {
    ({ db, cleanup } = tempStore());
    const s = seed(db, 2);
    const scheduler = new Scheduler({ db, clock: fakeClock(), logger: silentLogger(), hub: new FakeSender() });
    id = scheduler.createDeployment({
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
  afterEach(() => cleanup());

  describe('#getDeploymentView', () => {
    it('shows names, overview counts and targets in position order', () => {
      const view = getDeploymentView(db, id);
      assert.equal(view?.applicationName, 'shop');
      assert.equal(view?.deploymentGroupName, 'prod');
      assert.equal(view?.description, 'first');
      assert.equal(view?.ignoreApplicationStopFailures, true);
      assert.deepEqual(view?.overview, { Pending: 1, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0 });
      assert.deepEqual(view?.targets.map((t) => t.hostname), ['host-0', 'host-1']);
      assert.equal(view?.targets[0]?.lifecycleEvents[0]?.lifecycleEventName, 'ApplicationStop');
    });

    it('returns undefined for an unknown deployment', () => {
      assert.equal(getDeploymentView(db, 'd-NOSUCHTHING'), undefined);
    });
  });

  describe('#getDeploymentSummary', () => {
    it('is the view without its targets, with the same overview counts', () => {
      const { targets, ...rest } = getDeploymentView(db, id) ?? assert.fail('no view');
      assert.equal(targets.length, 2);
      assert.deepEqual(getDeploymentSummary(db, id), rest);
    });

    it('counts a host waiting for its agent apart, as the view does', () => {
      db.prepare(`UPDATE deployment_targets SET status = 'WaitingForAgent' WHERE deployment_id = ? AND status = 'Pending'`).run(id);
      assert.deepEqual(getDeploymentSummary(db, id)?.overview, { Pending: 0, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0, WaitingForAgent: 1 });
      assert.deepEqual(getDeploymentSummary(db, id)?.overview, getDeploymentView(db, id)?.overview);
    });

    it('returns undefined for an unknown deployment', () => {
      assert.equal(getDeploymentSummary(db, 'd-NOSUCHTHING'), undefined);
    });
  });

  describe('#listDeploymentSummaries', () => {
    it('filters by application, group and status', () => {
      assert.equal(listDeploymentSummaries(db, { applicationName: 'shop', deploymentGroupName: 'prod' }).length, 1);
      assert.equal(listDeploymentSummaries(db, { status: 'Succeeded' }).length, 0);
      assert.equal(listDeploymentSummaries(db, { applicationName: 'other' }).length, 0);
    });

    it('lists the summaries GET by id answers, without targets', () => {
      const [listed] = listDeploymentSummaries(db, { applicationName: 'shop' });
      assert.ok(listed);
      assert.deepEqual(listed, getDeploymentSummary(db, listed.deploymentId));
      assert.equal('targets' in listed, false);
    });
  });
});
