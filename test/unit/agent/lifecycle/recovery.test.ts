import assert from 'node:assert/strict';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { failInterruptedDeployments, unstartedCommandIds } from '../../../../agent/src/lifecycle/recovery.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';

describe('recovery', () => {
  let root: string;
  let journal: Journal;
  const at = new Date();

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    journal.recordCommand(deployCommand('c-CMD0001', 'd-DEP0001'), at);
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  function interruptDuring(event: string): void {
    journal.startDeployment({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', deploymentGroupId: 'dg-GROUP01', archiveDir: '/a' }, at);
    journal.startEvent({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', event }, at);
    journal.close();
    journal = Journal.open(path.join(root, 'agent.db'));
  }

  it('fails the event that was running with FailedAfterRestart', () => {
    interruptDuring('AfterInstall');
    assert.deepEqual(failInterruptedDeployments(journal, systemClock), ['d-DEP0001']);
    const [event] = journal.events('d-DEP0001');
    assert.equal(event?.status, 'Failed');
    assert.equal(event?.errorCode, 'FailedAfterRestart');
    assert.equal(event?.message, 'the agent restarted while this event was running');
  });

  it('fails the deployment and reports both in the outbox', () => {
    interruptDuring('AfterInstall');
    failInterruptedDeployments(journal, systemClock);
    assert.equal(journal.getDeployment('d-DEP0001')?.status, 'Failed');
    const rows = journal.outbox.pending().map((r) => [r.lifecycleEvent ?? 'host', r.status, r.errorCode]);
    assert.deepEqual(rows.slice(-2), [
      ['AfterInstall', 'Failed', 'FailedAfterRestart'],
      ['host', 'Failed', 'FailedAfterRestart'],
    ]);
  });

  it('lists commands that were journaled but never started', () => {
    assert.deepEqual(unstartedCommandIds(journal), ['c-CMD0001']);
  });
});
