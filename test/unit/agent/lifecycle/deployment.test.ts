import assert from 'node:assert/strict';
import path from 'node:path';
import { AGENT_EVENT_ORDER, DeckhandError, TRAFFIC_HOOK_EVENTS } from '../../../../protocol/src/index.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { runDeployment } from '../../../../agent/src/lifecycle/deployment.ts';
import type { LifecycleDeps } from '../../../../agent/src/lifecycle/types.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';
import { FakeHooks, FakeRevision, lifecycleDeps } from './fakes.ts';

const GROUP = 'dg-GROUP01';

describe('runDeployment', () => {
  let root: string;
  let journal: Journal;
  let hooks: FakeHooks;
  let revision: FakeRevision;
  let written: string[];
  let deps: LifecycleDeps;

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    hooks = new FakeHooks();
    revision = new FakeRevision();
    written = [];
    deps = lifecycleDeps(journal, root, hooks, revision, written);
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  async function deploy(n: number, overrides: Parameters<typeof deployCommand>[2] = {}): Promise<string> {
    const body = deployCommand(`c-CMD000${n}`, `d-DEP000${n}`, overrides);
    journal.recordCommand(body, new Date());
    const command = journal.getCommand(body.commandId);
    assert.ok(command);
    return runDeployment(deps, command, new AbortController().signal);
  }

  /** [lifecycleEvent ?? 'host', status] of every outbox row of a deployment. */
  function rowsOf(deploymentId: string): string[][] {
    return journal.outbox
      .pending()
      .filter((r) => r.deploymentId === deploymentId)
      .map((r) => [r.lifecycleEvent ?? 'host', r.status]);
  }

  describe('a retry that starts at its failed event (deploy --retry-failed)', () => {
    const archiveOf = (n: number) => path.join(root, 'deployments', GROUP, `d-DEP000${n}`, 'deployment-archive');
    const retryOf1 = { startAt: { lifecycleEvent: 'ValidateService', fromDeploymentId: 'd-DEP0001' } } as const;

    it('runs from that event with the revision the failed deployment installed, reporting the events before it Skipped', async () => {
      hooks.failures.set('ValidateService', 'not healthy yet');
      assert.equal(await deploy(1), 'Failed');
      hooks.failures.clear();
      hooks.calls.length = 0;
      assert.equal(await deploy(2, retryOf1), 'Succeeded');
      assert.deepEqual(hooks.calls.map((c) => [c.event, c.archiveDir]), [['ValidateService', archiveOf(1)]]);
      const before = AGENT_EVENT_ORDER.slice(0, AGENT_EVENT_ORDER.indexOf('ValidateService'));
      for (const event of before) {
        const row = journal.outbox.pending().find((r) => r.deploymentId === 'd-DEP0002' && r.lifecycleEvent === event && r.status !== 'InProgress');
        assert.equal(row?.status, 'Skipped', event);
        assert.match(row?.message ?? '', /this retry of d-DEP0001 starts at ValidateService/, event);
      }
      assert.deepEqual(revision.installed, [archiveOf(1)], 'the revision is not fetched or installed again');
      assert.equal(revision.fetches.length, 1);
    });

    it('runs every event when another deployment installed since', async () => {
      hooks.failures.set('ValidateService', 'not healthy yet');
      assert.equal(await deploy(1), 'Failed');
      hooks.failures.clear();
      assert.equal(await deploy(2), 'Succeeded');
      hooks.calls.length = 0;
      assert.equal(await deploy(3, retryOf1), 'Succeeded');
      assert.deepEqual(hooks.calls.map((c) => c.event), ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
      assert.ok(hooks.calls.slice(1).every((c) => c.archiveDir === archiveOf(3)));
    });
  });

  it('runs every event in order, skipping ApplicationStop on the first deployment and the traffic hooks without traffic control', async () => {
    assert.equal(await deploy(1), 'Succeeded');
    const skipped = new Set<string>(['ApplicationStop', ...TRAFFIC_HOOK_EVENTS]);
    const expected = AGENT_EVENT_ORDER.flatMap((e) => [[e, 'InProgress'], [e, skipped.has(e) ? 'Skipped' : 'Succeeded']]);
    assert.deepEqual(rowsOf('d-DEP0001'), [...expected, ['host', 'Succeeded']]);
    assert.deepEqual(hooks.calls.map((c) => c.event), ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
  });

  it('reports each traffic hook Skipped with the reason when the deployment has no traffic control', async () => {
    await deploy(1);
    for (const event of TRAFFIC_HOOK_EVENTS) {
      const row = journal.outbox.pending().find((r) => r.lifecycleEvent === event && r.status === 'Skipped');
      assert.match(row?.message ?? '', /runs only when the deployment group has traffic control/, event);
    }
  });

  it('runs the traffic hooks when the deployment has traffic control: the block pair from the previous revision, the allow pair from this one', async () => {
    await deploy(1, { trafficHooks: true });
    await deploy(2, { trafficHooks: true });
    const archiveOf = (n: number) => path.join(root, 'deployments', GROUP, `d-DEP000${n}`, 'deployment-archive');
    const second = hooks.calls.filter((c) => c.env['DEPLOYMENT_ID'] === 'd-DEP0002').map((c) => [c.event, c.archiveDir]);
    assert.deepEqual(second, [
      ['BeforeBlockTraffic', archiveOf(1)],
      ['AfterBlockTraffic', archiveOf(1)],
      ['ApplicationStop', archiveOf(1)],
      ['BeforeInstall', archiveOf(2)],
      ['AfterInstall', archiveOf(2)],
      ['ApplicationStart', archiveOf(2)],
      ['ValidateService', archiveOf(2)],
      ['BeforeAllowTraffic', archiveOf(2)],
      ['AfterAllowTraffic', archiveOf(2)],
    ]);
  });

  it('runs the events of a given order only, in that order', async () => {
    deps = { ...deps, eventOrder: ['DownloadBundle', 'Install', 'ValidateService', 'ApplicationStop'] };
    assert.equal(await deploy(1), 'Succeeded');
    assert.deepEqual(rowsOf('d-DEP0001').filter(([, s]) => s !== 'InProgress').map(([e]) => e), ['DownloadBundle', 'Install', 'ValidateService', 'ApplicationStop', 'host']);
    // After DownloadBundle, ApplicationStop takes this revision's scripts, as in CodeDeploy.
    assert.equal(hooks.calls.at(-1)?.archiveDir, path.join(root, 'deployments', GROUP, 'd-DEP0001', 'deployment-archive'));
  });

  it('journals each event with the status its outbox rows report', async () => {
    await deploy(1);
    const events = journal.events('d-DEP0001').map((e) => [e.event, e.status]);
    const finals = rowsOf('d-DEP0001').filter(([event, status]) => event !== 'host' && status !== 'InProgress');
    assert.deepEqual(events, finals);
  });

  it('runs ApplicationStop from the previous revision on the second deployment', async () => {
    await deploy(1);
    await deploy(2);
    const stop = hooks.calls.find((c) => c.event === 'ApplicationStop');
    assert.equal(stop?.archiveDir, path.join(root, 'deployments', GROUP, 'd-DEP0001', 'deployment-archive'));
    assert.equal(stop?.logFile, path.join(root, 'deployments', GROUP, 'd-DEP0002', 'logs', 'scripts.log'));
    assert.equal(stop?.env['DEPLOYMENT_ID'], 'd-DEP0002');
  });

  it('runs the current revision scripts from this deployment archive', async () => {
    await deploy(1);
    const before = hooks.calls.find((c) => c.event === 'BeforeInstall');
    assert.equal(before?.archiveDir, path.join(root, 'deployments', GROUP, 'd-DEP0001', 'deployment-archive'));
    assert.equal(before?.statusDir, path.join(root, 'deployments', GROUP, 'd-DEP0001', 'status'));
  });

  it('stops at the first failure and ends with a Failed host row carrying its code and message', async () => {
    hooks.failures.set('AfterInstall', 'Script at specified location: scripts/AfterInstall.sh failed with exit code 3');
    assert.equal(await deploy(1), 'Failed');
    const rows = journal.outbox.pending();
    assert.deepEqual(rowsOf('d-DEP0001').slice(-3), [['AfterInstall', 'InProgress'], ['AfterInstall', 'Failed'], ['host', 'Failed']]);
    const failed = rows.at(-2);
    assert.equal(failed?.errorCode, 'ScriptFailed');
    assert.equal(failed?.scriptName, 'scripts/AfterInstall.sh');
    assert.equal(failed?.logTail, 'last lines');
    assert.equal(rows.at(-1)?.errorCode, 'ScriptFailed');
    assert.match(rows.at(-1)?.message ?? '', /exit code 3/);
    assert.ok(!hooks.calls.some((c) => c.event === 'ApplicationStart'));
  });

  it('makes a revision the last successful one once Install succeeds, even if a later event fails', async () => {
    hooks.failures.set('ValidateService', 'no');
    await deploy(1);
    assert.equal(journal.getGroupRevisions(GROUP).lastSuccessfulDir, path.join(root, 'deployments', GROUP, 'd-DEP0001'));
  });

  it('fails the event with UnknownError, its message led by the Deckhand code, when the appspec is missing', async () => {
    revision.appSpecMissing = true;
    assert.equal(await deploy(1), 'Failed');
    const failed = journal.outbox.pending().at(-2);
    assert.equal(failed?.lifecycleEvent, 'BeforeInstall');
    assert.equal(failed?.errorCode, 'UnknownError');
    assert.equal(failed?.message, 'APPSPEC_MISSING: no appspec.yml or appspec.yaml at the root of the revision');
  });

  it('fetches the revision through the coordinator it works for and fails DownloadBundle on an error', async () => {
    revision.downloadError = new DeckhandError('BUNDLE_CHECKSUM_MISMATCH', 'sha256 mismatch');
    await deploy(1);
    const fetch = revision.fetches[0];
    assert.equal(fetch?.revision.revisionId, 'rev-REV0001');
    assert.equal(fetch?.coordinator, deps.coordinator);
    assert.equal(fetch?.archiveDir, path.join(root, 'deployments', GROUP, 'd-DEP0001', 'deployment-archive'));
    assert.deepEqual(rowsOf('d-DEP0001').slice(-2), [['DownloadBundle', 'Failed'], ['host', 'Failed']]);
    assert.equal(journal.outbox.pending().at(-1)?.message, 'BUNDLE_CHECKSUM_MISMATCH: sha256 mismatch');
  });

  it('fails the deployment when the previous revision stop script fails', async () => {
    await deploy(1);
    hooks.failures.set('ApplicationStop', 'stop failed');
    assert.equal(await deploy(2), 'Failed');
    assert.deepEqual(rowsOf('d-DEP0002').slice(-2), [['ApplicationStop', 'Failed'], ['host', 'Failed']]);
  });

  it('goes on after a failed ApplicationStop when ignoreApplicationStopFailures is set', async () => {
    await deploy(1);
    hooks.failures.set('ApplicationStop', 'stop failed');
    assert.equal(await deploy(2, { ignoreApplicationStopFailures: true }), 'Succeeded');
    const stop = journal.outbox.pending().find((r) => r.deploymentId === 'd-DEP0002' && r.lifecycleEvent === 'ApplicationStop' && r.status !== 'InProgress');
    assert.match(stop?.message ?? '', /ignored.*stop failed/);
  });

  it('reports a succeeded event whose script left its output open with the OutputsLeftOpen code', async () => {
    hooks.warnings.set('ApplicationStart', ['OutputsLeftOpen: script at scripts/start.sh exited but left STDOUT open']);
    assert.equal(await deploy(1), 'Succeeded');
    const row = journal.outbox.pending().find((r) => r.lifecycleEvent === 'ApplicationStart' && r.status === 'Succeeded');
    assert.equal(row?.errorCode, 'OutputsLeftOpen');
    assert.match(row?.message ?? '', /left STDOUT open/);
  });

  it('tells the log reporter as hooks write output', async () => {
    await deploy(1);
    assert.ok(written.length >= 4, `told ${written.length} times`);
    assert.ok(written.every((id) => id === 'd-DEP0001'));
  });

  it('runs no event once stopped and reports the stop reason', async () => {
    const body = deployCommand('c-CMD0001', 'd-DEP0001');
    journal.recordCommand(body, new Date());
    const controller = new AbortController();
    controller.abort(new DeckhandError('MANUAL_STOP', 'the deployment was stopped from the coordinator'));
    const command = journal.getCommand('c-CMD0001');
    assert.ok(command);
    assert.equal(await runDeployment(deps, command, controller.signal), 'Failed');
    assert.deepEqual(rowsOf('d-DEP0001'), [['host', 'Failed']]);
    assert.equal(journal.outbox.pending()[0]?.errorCode, 'MANUAL_STOP');
  });
});
