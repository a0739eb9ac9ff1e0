import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { systemClock } from '../../../../common/src/clock.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import { prepareRoot } from '../../../../agent/src/journal/root-layout.ts';
import { requireRoot } from '../../../support/requirements.ts';
import { TempDeployment, groupAfter, isRunning, recordingSpawner } from './helpers.ts';

const isRoot = process.getuid?.() === 0;
const USER = 'dh-hook-test';
const GROUP = 'dh-hook-extra';

/** The `key=value` lines a hook printed, from the result's tail. */
function printed(tail: string): Record<string, string> {
  const pairs = tail.split('\n').flatMap((l) => (/^\[stdout\](\w+)=(.*)$/.exec(l) ?? []).slice(1, 3));
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i] ?? ''] = pairs[i + 1] ?? '';
  return out;
}

describe('runas through HookRunner#runEvent (Linux)', () => {
  let dep: TempDeployment;
  beforeEach(() => {
    dep = new TempDeployment();
    // The agent's own root layout (0711: traversable, not listable), as `run` and `local` make it.
    prepareRoot(dep.root);
  });
  afterEach(() => dep.remove());

  it('fails with ScriptFailed naming the user when the runas user does not exist', async () => {
    dep.script('a.sh', '#!/bin/sh\necho ran\n');
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 'a.sh', timeoutSeconds: 10, runas: 'no-such-user-dh' }]),
    );
    assert.equal(result.errorCode, 'ScriptFailed');
    assert.equal(result.message, 'Script at specified location: a.sh run as user no-such-user-dh failed: user no-such-user-dh does not exist');
  });

  it('fails with ScriptFailed naming the user when an unprivileged agent has no sudo for it', async () => {
    dep.script('a.sh', '#!/bin/sh\necho ran > ran.txt\n');
    const runner = createHookRunner({ clock: systemClock, privileged: false, currentUser: 'deckhand' });
    const result = await runner.runEvent(dep.request([{ location: 'a.sh', timeoutSeconds: 10, runas: 'nobody' }]));
    assert.equal(result.errorCode, 'ScriptFailed');
    assert.match(result.message, /^Script at specified location: a\.sh run as user nobody failed: the agent runs as deckhand, not root/);
    assert.equal(fs.existsSync(`${dep.archiveDir}/ran.txt`), false);
  });

  describe('with a user created by the test', function () {
    before(function () {
      requireRoot(this, 'the test creates a user and a group');
      execFileSync('groupadd', [GROUP]);
      execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', '--groups', GROUP, USER]);
    });
    after(() => {
      if (!isRoot) return;
      execFileSync('userdel', ['--remove', USER], { stdio: 'ignore' });
      execFileSync('groupdel', [GROUP], { stdio: 'ignore' });
    });

    it("runs the script with the user's ids, supplementary groups, HOME, USER, LOGNAME and SHELL", async () => {
      dep.script('who am i.sh', [
        '#!/bin/sh',
        'echo "uid=$(id -u)"',
        'echo "groups=$(id -Gn)"',
        'echo "ids=$(grep ^Uid: /proc/self/status | tr -s "\\t " " ")"',
        'echo "home=$HOME"', 'echo "user=$USER"', 'echo "logname=$LOGNAME"', 'echo "shell=$SHELL"',
        'echo "deployment=$DEPLOYMENT_ID"',
      ].join('\n'));
      const req = dep.request([{ location: 'who am i.sh', timeoutSeconds: 10, runas: USER }]);
      req.env = { ...req.env, HOME: '/root', USER: 'root', DEPLOYMENT_ID: 'd-RUNAS' };
      const result = await createHookRunner({ clock: systemClock }).runEvent(req);
      assert.equal(result.status, 'Succeeded', result.message);
      const uid = execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim();
      const got = printed(result.logTail);
      assert.equal(got['uid'], uid);
      assert.deepEqual(got['groups']?.split(' ').sort(), [GROUP, USER].sort());
      assert.equal(got['ids'], `Uid: ${uid} ${uid} ${uid} ${uid}`, 'real, effective, saved and fs uid all switched');
      assert.deepEqual([got['home'], got['user'], got['logname'], got['shell']], [`/home/${USER}`, USER, USER, '/bin/bash']);
      assert.equal(got['deployment'], 'd-RUNAS', 'the rest of the hook environment is kept');
    });

    it('reports the exit code with the user named', async () => {
      dep.script('fail.sh', '#!/bin/sh\nexit 4\n');
      const result = await createHookRunner({ clock: systemClock }).runEvent(
        dep.request([{ location: 'fail.sh', timeoutSeconds: 10, runas: USER }]),
      );
      assert.equal(result.message, `Script at specified location: fail.sh run as user ${USER} failed with exit code 4`);
    });

    it('kills the whole tree of a timed-out runas script, which stays in the process group', async () => {
      dep.script('hang.sh', '#!/bin/sh\ntrap "" TERM\nsleep 30 &\necho "pids $$ $!"\nsleep 30\n');
      const { spawner, pids } = recordingSpawner();
      const runner = createHookRunner({ clock: systemClock, spawner, killGraceMs: 200 });
      const result = await runner.runEvent(dep.request([{ location: 'hang.sh', timeoutSeconds: 1, runas: USER }]));
      assert.equal(result.errorCode, 'ScriptTimedOut');
      // pids[0] is the `getent passwd` lookup; pids[1] the wrapper leading the hook's group.
      assert.deepEqual(await groupAfter(pids[1] ?? -1, 1000), []);
      const scriptPids = (/pids (\d+) (\d+)/.exec(result.logTail) ?? []).slice(1).map(Number);
      assert.equal(scriptPids.length, 2);
      assert.deepEqual(scriptPids.filter(isRunning), []);
    });
  });

  it('runs the script directly when runas names the current user', async () => {
    dep.script('a.sh', '#!/bin/sh\nid -un\n');
    const me = os.userInfo().username;
    const result = await createHookRunner({ clock: systemClock }).runEvent(dep.request([{ location: 'a.sh', timeoutSeconds: 10, runas: me }]));
    assert.equal(result.status, 'Succeeded', result.message);
    assert.match(result.logTail, new RegExp(`\\[stdout\\]${me}$`));
  });
});
