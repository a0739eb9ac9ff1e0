import assert from 'node:assert/strict';
import path from 'node:path';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { interruptedDeployments, planResume, unstartedCommandIds } from '../../../../agent/src/lifecycle/recovery.ts';
import { DEFAULT_TRANSITIONS } from '../../../../agent/src/lifecycle/transitions.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';

describe('recovery', () => {
  let root: string;
  let journal: Journal;
  const at = new Date();
  const key = (event: string) => ({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', event });

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    journal.recordCommand(deployCommand('c-CMD0001', 'd-DEP0001'), at);
    journal.startDeployment({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', deploymentGroupId: 'dg-GROUP01', archiveDir: '/a' }, at);
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  it('adopts the running script of an interrupted hook event by its journaled pid and start time', () => {
    journal.startEvent(key('AfterInstall'), at);
    const deadlineAt = new Date(at.getTime() + 60_000);
    journal.recordScriptStart(key('AfterInstall'), { index: 1, pid: 4242, startTime: '987', deadlineAt });
    const plan = planResume(journal, 'd-DEP0001', { bootId: 'boot-1', now: at, transitions: DEFAULT_TRANSITIONS });
    assert.equal(plan.state, 'AfterInstall');
    assert.equal(plan.resumed, true);
    assert.deepEqual(plan.resume, { event: 'AfterInstall', point: { index: 1, adopt: { pid: 4242, startTime: '987', deadlineAt } } });
  });

  it('redoes an interrupted Install instead of adopting anything', () => {
    journal.startEvent(key('Install'), at);
    const plan = planResume(journal, 'd-DEP0001', { bootId: 'boot-1', now: at, transitions: DEFAULT_TRANSITIONS });
    assert.equal(plan.state, 'Install');
    assert.equal(plan.resume, undefined);
  });

  it('continues with the next event after the last finished one', () => {
    journal.startEvent(key('ApplicationStop'), at);
    journal.finishEvent(key('ApplicationStop'), { status: 'Skipped' }, at);
    assert.equal(planResume(journal, 'd-DEP0001', { bootId: 'boot-1', now: at, transitions: DEFAULT_TRANSITIONS }).state, 'DownloadBundle');
  });

  it('re-runs the script that asked for a reboot once the boot id changed', () => {
    journal.startEvent(key('ApplicationStart'), at);
    journal.requestReboot(key('ApplicationStart'), { index: 0, bootId: 'boot-1', message: 'reboot' }, at);
    assert.deepEqual(planResume(journal, 'd-DEP0001', { bootId: 'boot-2', now: at, transitions: DEFAULT_TRANSITIONS }).resume, { event: 'ApplicationStart', point: { index: 0 } });
  });

  it('asks for the reboot again while the boot id is unchanged', () => {
    journal.startEvent(key('ApplicationStart'), at);
    journal.requestReboot(key('ApplicationStart'), { index: 0, bootId: 'boot-1', message: 'reboot' }, at);
    const plan = planResume(journal, 'd-DEP0001', { bootId: 'boot-1', now: at, transitions: DEFAULT_TRANSITIONS });
    assert.equal(plan.rebootPending?.index, 0);
    assert.equal(plan.resume, undefined);
  });

  it('finishes a deployment whose event failed before the restart as Failed, without running further events', () => {
    journal.startEvent(key('BeforeInstall'), at);
    journal.finishEvent(key('BeforeInstall'), { status: 'Failed', errorCode: 'ScriptFailed', message: 'exit 1' }, at);
    const plan = planResume(journal, 'd-DEP0001', { bootId: 'boot-1', now: at, transitions: DEFAULT_TRANSITIONS });
    assert.equal(plan.state, 'Failed');
    assert.deepEqual(plan.failure, { status: 'Failed', errorCode: 'ScriptFailed', message: 'exit 1' });
  });

  it('lists running deployments and commands that were journaled but never started', () => {
    journal.recordCommand(deployCommand('c-CMD0002', 'd-DEP0002'), at);
    assert.deepEqual(interruptedDeployments(journal), ['c-CMD0001']);
    assert.deepEqual(unstartedCommandIds(journal), ['c-CMD0002']);
  });
});
