import assert from 'node:assert/strict';
import path from 'node:path';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { DeploymentQueue } from '../../../../agent/src/lifecycle/queue.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';
import { FakeHooks, FakeRevision, lifecycleDeps } from './fakes.ts';

describe('DeploymentQueue', () => {
  let root: string;
  let journal: Journal;
  let hooks: FakeHooks;
  let queue: DeploymentQueue;

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    hooks = new FakeHooks();
    queue = new DeploymentQueue(lifecycleDeps(journal, root, hooks, new FakeRevision()));
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  function receive(n: number): string {
    const body = deployCommand(`c-CMD000${n}`, `d-DEP000${n}`);
    journal.recordCommand(body, new Date());
    return body.commandId;
  }

  it('runs deployments one at a time in arrival order', async () => {
    queue.enqueue(receive(1));
    queue.enqueue(receive(2));
    await queue.idle();
    const order = hooks.calls.map((c) => c.env['DEPLOYMENT_ID']);
    const firstOf2 = order.indexOf('d-DEP0002');
    assert.ok(firstOf2 > order.lastIndexOf('d-DEP0001'));
    assert.equal(journal.getCommand('c-CMD0002')?.state, 'done');
  });

  it('does not run a command that is already done', async () => {
    const id = receive(1);
    journal.markCommandDone(id);
    queue.enqueue(id);
    await queue.idle();
    assert.equal(hooks.calls.length, 0);
  });

  it('ends a queued deployment that was cancelled without running its events', async () => {
    queue.enqueue(receive(1));
    queue.enqueue(receive(2));
    assert.equal(queue.cancel('d-DEP0002'), true);
    await queue.idle();
    assert.equal(journal.getDeployment('d-DEP0002')?.status, 'Failed');
    assert.ok(!hooks.calls.some((c) => c.env['DEPLOYMENT_ID'] === 'd-DEP0002'));
  });
  it('does not run again a deployment a second command names: it reports its events and outcome again under the new command', async () => {
    queue.enqueue(receive(1));
    await queue.idle();
    const ran = hooks.calls.length;
    const events = journal.events('d-DEP0001');
    const before = journal.outbox.lastSeq();
    // The coordinator lost c-CMD0001 (its store went back in time) and dispatched the host again.
    const again = deployCommand('c-AGAINAGAIN', 'd-DEP0001');
    journal.recordCommand(again, new Date());
    queue.enqueue(again.commandId);
    await queue.idle();
    assert.equal(hooks.calls.length, ran, 'no hook ran twice');
    const reported = journal.outbox.pending(before);
    assert.ok(reported.every((e) => e.commandId === 'c-AGAINAGAIN' && e.deploymentId === 'd-DEP0001'));
    assert.deepEqual(
      reported.filter((e) => e.lifecycleEvent).map((e) => [e.lifecycleEvent, e.status]),
      events.map((e) => [e.event, e.status]),
    );
    const outcome = reported.at(-1);
    assert.equal(outcome?.lifecycleEvent, undefined, 'the last one is the host outcome');
    assert.equal(outcome?.status, 'Succeeded');
    assert.equal(journal.getCommand('c-AGAINAGAIN')?.state, 'done');
    // The same command again is only a duplicate: nothing more is reported.
    queue.enqueue(again.commandId);
    await queue.idle();
    assert.equal(journal.outbox.lastSeq(), before + reported.length);
  });
});
