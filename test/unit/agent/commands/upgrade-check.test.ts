import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { readUpgradeState, waitUntilIdle, parseUpgradeCheckArgs } from '../../../../agent/src/commands/upgrade-check.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';

const AT = new Date('2030-01-01T00:00:00Z');

function registeredJournal(root: string): Journal {
  const journal = Journal.open(path.join(root, 'agent.db'));
  journal.saveIdentity({ instanceId: 'i-HOST000001', coordinatorUrl: 'http://127.0.0.1:1', hostname: 'h', tags: {}, registeredAt: AT.toISOString() });
  return journal;
}

function startDeployment(journal: Journal, deploymentId: string): void {
  journal.recordCommand(deployCommand(`c-${deploymentId}`, deploymentId), AT);
  journal.startDeployment({ commandId: `c-${deploymentId}`, deploymentId, deploymentGroupId: 'dg-GROUP01', archiveDir: '/x' }, AT);
}

describe('deckhand-agent upgrade-check', function () {
  let root: string;
  beforeEach(function () {
    root = tempDir();
  });
  afterEach(function () {
    removeDir(root);
  });

  it('reports an unregistered host as idle without creating a journal', function () {
    assert.deepEqual(readUpgradeState(root), { registered: false, busy: false, runningDeployments: [] });
    assert.equal(existsSync(path.join(root, 'agent.db')), false);
  });

  it('reports the instance id of a registered, idle host', function () {
    registeredJournal(root).close();
    const state = readUpgradeState(root);
    assert.equal(state.instanceId, 'i-HOST000001');
    assert.equal(state.busy, false);
  });

  it('reports a host running a deployment as busy, naming the deployment', function () {
    const journal = registeredJournal(root);
    startDeployment(journal, 'd-RUNNING001');
    journal.close();
    assert.deepEqual(readUpgradeState(root).runningDeployments, ['d-RUNNING001']);
  });

  it('gives up waiting while the deployment keeps running', async function () {
    const journal = registeredJournal(root);
    startDeployment(journal, 'd-RUNNING001');
    journal.close();
    const state = await waitUntilIdle(root, 150, systemClock, 50);
    assert.equal(state.busy, true);
  });

  it('continues as soon as the running deployment finishes', async function () {
    const journal = registeredJournal(root);
    startDeployment(journal, 'd-RUNNING001');
    setTimeout(() => {
      journal.finishDeployment({ commandId: 'c-d-RUNNING001', deploymentId: 'd-RUNNING001', status: 'Succeeded' }, AT);
      journal.close();
    }, 100);
    const started = Date.now();
    const state = await waitUntilIdle(root, 10_000, systemClock, 25);
    assert.equal(state.busy, false);
    assert.ok(Date.now() - started < 5000);
  });

  it('refuses a --wait that is not a whole number of seconds', function () {
    assert.throws(() => parseUpgradeCheckArgs(['--root', root, '--wait', '5m']), /--wait must be a whole number of seconds, got "5m"/);
  });
});
