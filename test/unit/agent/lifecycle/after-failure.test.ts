import assert from 'node:assert/strict';
import path from 'node:path';
import type { AppSpec } from '../../../../agent/src/appspec/types.ts';
import { buildHookEnv } from '../../../../agent/src/hooks/env.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { runDeployment } from '../../../../agent/src/lifecycle/deployment.ts';
import type { LifecycleDeps } from '../../../../agent/src/lifecycle/types.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';
import { FakeHooks, FakeRevision, appSpecWithAllHooks, lifecycleDeps } from './fakes.ts';

/** A revision whose appspec also lists an AfterFailure script. */
class RevisionWithAfterFailure extends FakeRevision {
  override async loadAppSpec(archiveDir: string): Promise<AppSpec> {
    const spec = await super.loadAppSpec(archiveDir);
    spec.hooks['AfterFailure'] = [{ location: 'scripts/cleanup.sh', timeoutSeconds: 60 }];
    return spec;
  }
}

describe('the AfterFailure extension event', () => {
  let root: string;
  let journal: Journal;
  let hooks: FakeHooks;
  let deps: LifecycleDeps;

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    hooks = new FakeHooks();
    deps = { ...lifecycleDeps(journal, root, hooks, new RevisionWithAfterFailure()), buildEnv: buildHookEnv };
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  async function deploy(): Promise<string> {
    const body = deployCommand('c-CMD0001', 'd-DEP0001');
    journal.recordCommand(body, new Date());
    const command = journal.getCommand(body.commandId);
    assert.ok(command);
    return runDeployment(deps, command, new AbortController().signal);
  }

  /** [lifecycleEvent ?? 'host', status] of every outbox row. */
  const rows = () => journal.outbox.pending().map((r) => [r.lifecycleEvent ?? 'host', r.status]);

  it('runs after a failed event, with the event name in FAILED_LIFECYCLE_EVENT, before the host outcome', async () => {
    hooks.failures.set('AfterInstall', 'Script at specified location: scripts/AfterInstall.sh failed with exit code 3');
    assert.equal(await deploy(), 'Failed');
    const call = hooks.calls.at(-1);
    assert.equal(call?.event, 'AfterFailure');
    assert.deepEqual(call?.scripts, [{ location: 'scripts/cleanup.sh', timeoutSeconds: 60 }]);
    assert.equal(call?.env['FAILED_LIFECYCLE_EVENT'], 'AfterInstall');
    assert.equal(call?.env['LIFECYCLE_EVENT'], 'AfterFailure');
    assert.deepEqual(rows().slice(-4), [['AfterInstall', 'Failed'], ['AfterFailure', 'InProgress'], ['AfterFailure', 'Succeeded'], ['host', 'Failed']]);
  });

  it("does not change the deployment's result when it fails itself", async () => {
    hooks.failures.set('ValidateService', 'validation failed');
    hooks.failures.set('AfterFailure', 'cleanup failed');
    assert.equal(await deploy(), 'Failed');
    const host = journal.outbox.pending().at(-1);
    assert.equal(host?.lifecycleEvent, undefined);
    assert.equal(host?.message, 'validation failed');
    assert.deepEqual(rows().slice(-2), [['AfterFailure', 'Failed'], ['host', 'Failed']]);
  });

  it('does not run when the deployment succeeds', async () => {
    assert.equal(await deploy(), 'Succeeded');
    assert.ok(!hooks.calls.some((c) => c.event === 'AfterFailure'));
  });

  it('does not run, nor appear, when the appspec lists no AfterFailure scripts (opt-in)', async () => {
    deps = { ...deps, revision: new FakeRevision() };
    hooks.failures.set('AfterInstall', 'no');
    assert.equal(appSpecWithAllHooks().hooks['AfterFailure'], undefined);
    assert.equal(await deploy(), 'Failed');
    assert.ok(!rows().some(([event]) => event === 'AfterFailure'));
  });
});
