import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { applyEvent, FakeSender, fakeClock, forEachStore, seed, type TestStore } from '../scheduler/seed.ts';

forEachStore('deploymentViews.eventCells', (current) => {
  let db: TestStore;
  let store: Store;

  beforeEach(() => {
    db = current();
    store = db.store;
  });

  it('gives each event its status, error code and duration, agreeing with the full events', async () => {
    const s = await seed(db, 1);
    const sender = new FakeSender();
    const scheduler = new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: sender });
    const id = await scheduler.createDeployment({
      applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE', ignoreApplicationStopFailures: false, parameters: {}, creator: 'admin',
    });
    const cmd = sender.sent[0]!.command;
    const host = s.instanceIds[0]!;
    const base = { commandId: cmd.commandId, deploymentId: id };
    await applyEvent(store, scheduler, host, { ...base, seq: 1, lifecycleEvent: 'BeforeInstall', status: 'InProgress', at: '2025-01-01T00:05:00.000Z' });
    await applyEvent(store, scheduler, host, { ...base, seq: 2, lifecycleEvent: 'BeforeInstall', status: 'Succeeded', at: '2025-01-01T00:05:01.250Z' });
    await applyEvent(store, scheduler, host, { ...base, seq: 3, lifecycleEvent: 'Install', status: 'InProgress', at: '2025-01-01T00:05:02.000Z' });
    await applyEvent(store, scheduler, host, { ...base, seq: 4, lifecycleEvent: 'Install', status: 'Failed', errorCode: 'ScriptFailed', message: 'exit 1', at: '2025-01-01T00:05:02.500Z' });
    const cells = new Map((await store.deploymentViews.eventCells(id)).map((c) => [c.event, c]));
    assert.deepEqual(cells.get('BeforeInstall'), { instanceId: host, event: 'BeforeInstall', status: 'Succeeded', durationMs: 1250 });
    assert.deepEqual(cells.get('Install'), { instanceId: host, event: 'Install', status: 'Failed', errorCode: 'ScriptFailed', durationMs: 500 });
    const full = await store.deploymentViews.events(id);
    assert.equal(cells.size, full.length);
    for (const e of full) assert.equal(cells.get(e.event)?.status, e.status, e.event);
  });
});
