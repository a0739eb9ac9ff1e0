import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { systemClock } from '../../../../common/src/clock.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import { checkPosixUser } from '../../../../agent/src/hooks/runas.posix.ts';
import { nodeSpawner } from '../../../../agent/src/hooks/spawner.ts';
import { TempDeployment, groupAfter, isRunning, recordingSpawner } from './helpers.ts';

const isRoot = process.getuid?.() === 0;

describe('runas (Linux)', () => {
  let dep: TempDeployment;
  beforeEach(() => {
    dep = new TempDeployment();
  });
  afterEach(() => dep.remove());

  describe('checkPosixUser', () => {
    it('accepts an existing user', async () => {
      assert.equal(await checkPosixUser(nodeSpawner, os.userInfo().username), undefined);
    });

    it('names a user that does not exist', async () => {
      assert.equal(await checkPosixUser(nodeSpawner, 'no-such-user-dh'), 'user no-such-user-dh does not exist');
    });

    it('refuses a name that is not a user name without running anything', async () => {
      const spawner = { spawn: () => assert.fail('must not spawn') };
      assert.equal(await checkPosixUser(spawner, '-rf x'), '"-rf x" is not a valid user name');
    });
  });

  describe('HookRunner#runEvent', () => {
    it('fails with ScriptFailed naming the user when the runas user does not exist', async () => {
      dep.script('a.sh', '#!/bin/sh\necho ran\n');
      const runner = createHookRunner({ clock: systemClock });
      const result = await runner.runEvent(dep.request([{ location: 'a.sh', timeoutSeconds: 10, runas: 'no-such-user-dh' }]));
      assert.equal(result.errorCode, 'ScriptFailed');
      assert.equal(
        result.message,
        'Script at specified location: a.sh run as user no-such-user-dh failed: user no-such-user-dh does not exist',
      );
    });

    it('runs the script as the runas user through su', async function () {
      if (!isRoot) this.skip();
      fs.chmodSync(dep.root, 0o755);
      fs.chmodSync(dep.archiveDir, 0o755);
      dep.script('who am i.sh', '#!/bin/sh\nid -un\nexit 4\n');
      const runner = createHookRunner({ clock: systemClock });
      const result = await runner.runEvent(dep.request([{ location: 'who am i.sh', timeoutSeconds: 10, runas: 'nobody' }]));
      assert.match(result.logTail, /\[stdout\]nobody$/);
      assert.equal(result.message, 'Script at specified location: who am i.sh run as user nobody failed with exit code 4');
    });

    it('kills the whole tree of a timed-out runas script, since su keeps it in our process group', async function () {
      if (!isRoot) this.skip();
      fs.chmodSync(dep.root, 0o755);
      fs.chmodSync(dep.archiveDir, 0o755);
      dep.script('hang.sh', '#!/bin/sh\ntrap "" TERM\nsleep 30 &\necho "pids $$ $!"\nsleep 30\n');
      const { spawner, pids } = recordingSpawner();
      const runner = createHookRunner({ clock: systemClock, spawner, killGraceMs: 200, drainGraceMs: 300 });
      const result = await runner.runEvent(dep.request([{ location: 'hang.sh', timeoutSeconds: 1, runas: 'nobody' }]));
      assert.equal(result.errorCode, 'ScriptTimedOut');
      // pids[0] is the `id -u nobody` lookup; pids[1] the wrapper leading the hook's group.
      assert.deepEqual(await groupAfter(pids[1] ?? -1, 1000), []);
      // Also by pid: with `su -c` the script would have escaped to a group of its own.
      const scriptPids = (/pids (\d+) (\d+)/.exec(result.logTail) ?? []).slice(1).map(Number);
      assert.equal(scriptPids.length, 2);
      assert.deepEqual(scriptPids.filter(isRunning), []);
    });

    it('runs the script directly when runas names the current user', async () => {
      dep.script('a.sh', '#!/bin/sh\nid -un\n');
      const me = os.userInfo().username;
      const runner = createHookRunner({ clock: systemClock });
      const result = await runner.runEvent(dep.request([{ location: 'a.sh', timeoutSeconds: 10, runas: me }]));
      assert.equal(result.status, 'Succeeded', result.message);
      assert.match(result.logTail, new RegExp(`\\[stdout\\]${me}$`));
    });
  });
});
