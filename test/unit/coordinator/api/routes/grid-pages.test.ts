import assert from 'node:assert/strict';
import { silentLogger } from '../../../../../common/src/logger.ts';
import { askedPage, readGrid, type GridDeps } from '../../../../../coordinator/src/api/routes/grid.ts';
import { Scheduler } from '../../../../../coordinator/src/scheduler/index.ts';
import { applyEvent, FakeSender, fakeClock, forEachStore, outcome, seed } from '../../scheduler/seed.ts';

forEachStore('the grid, a page at a time', (current) => {
  let deps: GridDeps;
  let id: string;

  /** 1,000 hosts (grouped), i-HOST0500 and i-HOST0700 failed, i-HOST0003 succeeded, the rest in progress. */
  beforeEach(async function () {
    this.timeout(60_000);
    const db = current();
    const sender = new FakeSender();
    const scheduler = new Scheduler({ store: db.store, clock: fakeClock(), logger: silentLogger(), hub: sender });
    deps = { scheduler, store: db.store };
    const s = await seed(db, 1000);
    id = await scheduler.createDeployment({
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE', ignoreApplicationStopFailures: false, parameters: {}, creator: 'admin',
    });
    const command = (host: string) => sender.sent.find((x) => x.instanceId === host)!.command;
    await applyEvent(db.store, scheduler, 'i-HOST0700', outcome(command('i-HOST0700'), 'Failed'));
    await applyEvent(db.store, scheduler, 'i-HOST0500', outcome(command('i-HOST0500'), 'Failed'));
    await applyEvent(db.store, scheduler, 'i-HOST0003', outcome(command('i-HOST0003'), 'Succeeded'));
  });

  it('groups 1,000 hosts by status, failed first and succeeded last, 100 a page, with the count of each status', async () => {
    const first = await readGrid(deps, id, { page: 1 });
    assert.deepEqual(first?.counts, { Failed: 2, InProgress: 997, Succeeded: 1 });
    assert.deepEqual([first?.shown, first?.page, first?.pages, first?.grouped, first?.status], [1000, 1, 10, true, null]);
    assert.deepEqual(first?.hosts.slice(0, 3).map((h) => `${h.id} ${h.status}`), ['i-HOST0500 Failed', 'i-HOST0700 Failed', 'i-HOST0000 InProgress']);
    assert.equal(first?.hosts.length, 100);
    // Each host's row has its cells (its events, and only its own).
    assert.ok(first?.hosts.every((h) => h.cells.length === first.events.length && h.cells.some((c) => c !== null)));
    const last = await readGrid(deps, id, { page: 10 });
    assert.deepEqual(last?.hosts.at(-1)?.id, 'i-HOST0003');
    assert.equal(last?.hosts.length, 100);
  });

  it('filters by one status, and keeps a page past the last at the last', async () => {
    const succeeded = await readGrid(deps, id, { status: 'Succeeded', page: 7 });
    assert.deepEqual([succeeded?.shown, succeeded?.page, succeeded?.pages, succeeded?.grouped], [1, 1, 1, false]);
    assert.deepEqual(succeeded?.hosts.map((h) => h.id), ['i-HOST0003']);
  });

  it('finds the page that shows a named host, dropping a filter it does not match', async () => {
    assert.deepEqual(await askedPage(deps, id, { host: 'i-HOST0700' }), { page: 1 });
    assert.deepEqual(await askedPage(deps, id, { host: 'i-HOST0999' }), { page: 10 });
    assert.deepEqual(await askedPage(deps, id, { host: 'i-HOST0999', status: 'Failed' }), { page: 10 });
    assert.deepEqual(await askedPage(deps, id, { host: 'i-HOST0500', status: 'Failed' }), { status: 'Failed', page: 1 });
    // A host the deployment does not have: the page asked for.
    assert.deepEqual(await askedPage(deps, id, { host: 'i-NOTAHOST0', page: 3 }), { page: 3 });
  });

  it('reads the event cells of the named hosts only', async () => {
    const cells = await deps.store.deploymentViews.eventCells(id, ['i-HOST0001', 'i-HOST0500']);
    assert.deepEqual([...new Set(cells.map((c) => c.instanceId))].sort(), ['i-HOST0001', 'i-HOST0500']);
    assert.equal(cells.length, (await deps.store.deploymentViews.eventCells(id)).filter((c) => c.instanceId === 'i-HOST0001' || c.instanceId === 'i-HOST0500').length);
  });
});
