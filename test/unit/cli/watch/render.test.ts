import assert from 'node:assert/strict';
import { countProgress, describeChanges } from '../../../../cli/src/watch/render.ts';
import { deployment, ev, target } from '../helpers.ts';

const S = 'Succeeded' as const;
const P = 'InProgress' as const;

describe('watch render', () => {
  describe('countProgress', () => {
    it('counts hosts in a terminal status as done', () => {
      const view = deployment('InProgress', [target('a', 'Succeeded'), target('b', 'Failed'), target('c', 'InProgress')]);
      assert.deepEqual(countProgress(view), { done: 2, total: 3, failed: 1 });
    });
  });

  describe('describeChanges', () => {
    it('reports the deployment status and events already started on the first view', () => {
      const view = deployment('InProgress', [target('host-1', 'InProgress', ['Skipped', P]), target('host-2', 'Pending')]);
      assert.deepEqual(describeChanges(undefined, view), [
        'deployment d-TESTDEPLOY1 InProgress',
        'host-1    ApplicationStop   Skipped',
        'host-1    DownloadBundle    InProgress',
      ]);
    });

    it('reports only what changed between two views', () => {
      const before = deployment('InProgress', [target('host-1', 'InProgress', [S, P]), target('host-2', 'Pending')]);
      const after = deployment('InProgress', [target('host-1', 'InProgress', [S, S, P]), target('host-2', 'Pending')]);
      assert.deepEqual(describeChanges(before, after), [
        'host-1    DownloadBundle    Succeeded',
        'host-1    BeforeInstall     InProgress',
      ]);
    });

    it('prints nothing when nothing changed', () => {
      const view = deployment('InProgress', [target('host-1', 'InProgress', [S, P])]);
      assert.deepEqual(describeChanges(view, structuredClone(view)), []);
    });

    it('shows durations, failure diagnostics and the host outcome', () => {
      const before = deployment('InProgress', [target('host-1', 'InProgress', [S, S, P])]);
      const after = deployment('Failed', [target('host-1', 'Failed', [S, S])]);
      const failed = after.targets[0]!;
      failed.lifecycleEvents[2] = ev('BeforeInstall', 'Failed', {
        startTime: '2024-05-01T12:00:01.000Z',
        endTime: '2024-05-01T12:00:03.500Z',
        diagnostics: { errorCode: 'ScriptFailed', message: 'script exited with 1' },
      });
      assert.deepEqual(describeChanges(before, after), [
        'host-1    BeforeInstall     Failed (2.5s)  ScriptFailed: script exited with 1',
        'host-1    host Failed',
      ]);
    });

    it('reports a skipped host in one line rather than one per event', () => {
      const before = deployment('InProgress', [target('h2', 'Pending')]);
      const after = deployment('Failed', [target('h2', 'Skipped', Array(7).fill('Skipped'))]);
      assert.deepEqual(describeChanges(before, after), ['h2        host Skipped']);
    });

    it('turns a sequence of views into one line per transition', () => {
      const views = [
        deployment('Created', [target('h', 'Pending')]),
        deployment('InProgress', [target('h', 'InProgress', ['Skipped', P])]),
        deployment('InProgress', [target('h', 'InProgress', ['Skipped', S, S, S, S, S, P])]),
        deployment('Succeeded', [target('h', 'Succeeded', ['Skipped', S, S, S, S, S, S])]),
      ];
      const lines = views.flatMap((v, i) => describeChanges(views[i - 1], v));
      assert.deepEqual(
        lines.filter((l) => l.startsWith('deployment ')),
        ['deployment d-TESTDEPLOY1 Created', 'deployment d-TESTDEPLOY1 InProgress'],
      );
      assert.equal(lines.filter((l) => /^h +[A-Z]\w+ +Succeeded$/.test(l)).length, 6);
      assert.equal(lines.at(-1), 'h         host Succeeded');
    });

    it('names a failed host\'s code and message, and says when the rollout waits', () => {
      const before = deployment('InProgress', [target('h', 'WaitingForAgent')]);
      before.overview.WaitingForAgent = 1;
      const after = deployment('InProgress', [target('h', 'Failed')]);
      after.targets[0]!.errorCode = 'AGENT_OFFLINE';
      after.targets[0]!.message = 'The agent did not connect (last seen 3m ago).';
      after.rollout = { step: 1, steps: 2, paused: false, approval: 'Waiting', waitingFor: 'approval' };
      assert.deepEqual(describeChanges(undefined, before), ['deployment d-TESTDEPLOY1 InProgress', 'deployment d-TESTDEPLOY1 waiting for 1 agent to connect', 'h         host waiting for its agent to connect']);
      assert.deepEqual(describeChanges(before, after), [
        'deployment d-TESTDEPLOY1 waiting for approval: deckhand approve d-TESTDEPLOY1 (any admin token may approve)',
        'h         host Failed  AGENT_OFFLINE: The agent did not connect (last seen 3m ago).',
      ]);
    });
  });
});
