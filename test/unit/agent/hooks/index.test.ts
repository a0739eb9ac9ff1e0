import assert from 'node:assert/strict';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { systemClock } from '../../../../common/src/clock.ts';
import { psLiteral, quoteWindowsArg } from '../../../../agent/src/hooks/command-line.win32.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import { FakeSpawner } from './fake-spawner.ts';
import { TempDeployment } from './helpers.ts';

/** A stream that is already at EOF, like the pipes of a process that never started. */
function ended(): PassThrough {
  const s = new PassThrough();
  s.end();
  return s;
}

describe('createHookRunner', () => {
  let dep: TempDeployment;
  beforeEach(() => {
    dep = new TempDeployment();
  });
  afterEach(() => dep.remove());

  describe("with platform 'win32' and a fake spawner", () => {
    it('starts a .ps1 hook under the PowerShell wrapper in the archive dir, detached, with the given env', async () => {
      const spawner = new FakeSpawner((p) => {
        p.stdout.write('hello from ps\r\n');
        setImmediate(() => p.exit({ code: 0, signal: null }));
      });
      const script = dep.script('scripts/start.ps1', 'Write-Output hi\n');
      const runner = createHookRunner({ clock: systemClock, platform: 'win32', spawner, systemRoot: 'C:\\Windows', wow64: false });
      const req = dep.request([{ location: 'scripts/start.ps1', timeoutSeconds: 10 }]);
      const result = await runner.runEvent(req);
      assert.equal(result.status, 'Succeeded', result.message);
      const [proc] = spawner.spawned;
      assert.equal(proc?.cmd, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
      const wrapper = Buffer.from(proc?.args.at(-1) ?? '', 'base64').toString('utf16le');
      assert.ok(wrapper.includes(`-File ${quoteWindowsArg(path.resolve(script))}`), wrapper);
      assert.ok(wrapper.includes(psLiteral(path.join(dep.statusDir, 'AfterInstall-0.status'))), wrapper);
      const { outputFds, ...opts } = proc?.opts ?? {};
      assert.deepEqual(opts, { cwd: dep.archiveDir, env: req.env, detached: true });
      assert.ok(outputFds, 'the output goes to files, not pipes');
      assert.match(result.logTail, /\[stdout\]hello from ps$/);
    });

    it('starts the wrapper through Sysnative for a 32-bit agent on 64-bit Windows', async () => {
      const spawner = new FakeSpawner((p) => setImmediate(() => p.exit({ code: 0, signal: null })));
      dep.script('install.bat', '@echo off\n');
      const runner = createHookRunner({ clock: systemClock, platform: 'win32', spawner, systemRoot: 'C:\\Windows', wow64: true });
      await runner.runEvent(dep.request([{ location: 'install.bat', timeoutSeconds: 10 }]));
      assert.equal(spawner.spawned[0]?.cmd, 'C:\\Windows\\Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe');
    });

    it('runs .ps1 hooks with pwsh when opted in', async () => {
      const spawner = new FakeSpawner((p) => setImmediate(() => p.exit({ code: 0, signal: null })));
      dep.script('a.ps1', 'exit 0\n');
      const pwsh = 'C:\\Program Files\\PowerShell\\7\\pwsh.exe';
      const runner = createHookRunner({ clock: systemClock, platform: 'win32', spawner, systemRoot: 'C:\\Windows', wow64: false, pwsh });
      await runner.runEvent(dep.request([{ location: 'a.ps1', timeoutSeconds: 10 }]));
      const wrapper = Buffer.from(spawner.spawned[0]?.args.at(-1) ?? '', 'base64').toString('utf16le');
      assert.ok(wrapper.includes(`$i.FileName = ${psLiteral(pwsh)}`), wrapper);
    });

    it('kills a timed-out hook tree with taskkill /T /F and reports ScriptTimedOut', async () => {
      const spawner = new FakeSpawner((p, all) => {
        if (!p.cmd.endsWith('taskkill.exe')) return;
        const target = all.find((q) => q.handle.pid === Number(p.args[1]));
        target?.exit({ code: 1, signal: null });
        setImmediate(() => p.exit({ code: 0, signal: null }));
      });
      dep.script('hang.exe', 'MZ');
      const runner = createHookRunner({ clock: systemClock, platform: 'win32', spawner, systemRoot: 'C:\\Windows', wow64: false });
      const result = await runner.runEvent(dep.request([{ location: 'hang.exe', timeoutSeconds: 1 }]));
      assert.equal(result.errorCode, 'ScriptTimedOut');
      assert.equal(result.message, 'Script at specified location: hang.exe failed to complete in 1 seconds');
      assert.equal(spawner.spawned.length, 2);
      assert.equal(spawner.spawned[1]?.cmd, 'C:\\Windows\\System32\\taskkill.exe');
      assert.deepEqual(spawner.spawned[1]?.args, ['/PID', String(spawner.spawned[0]?.handle.pid), '/T', '/F']);
    });
  });

  it('uses the POSIX wrapper on linux', async () => {
    const spawner = new FakeSpawner((p) => setImmediate(() => p.exit({ code: 0, signal: null })));
    dep.script('a.sh', '#!/bin/sh\n');
    await createHookRunner({ clock: systemClock, platform: 'linux', spawner }).runEvent(
      dep.request([{ location: 'a.sh', timeoutSeconds: 10 }]),
    );
    assert.equal(spawner.spawned[0]?.cmd, '/bin/sh');
  });

  it('reports a spawn failure as ScriptFailed with the error', async () => {
    const spawner = new FakeSpawner();
    spawner.spawn = () => {
      const err = Object.assign(new Error('spawn /bin/sh ENOENT'), { code: 'ENOENT' });
      return { pid: undefined, stdout: ended(), stderr: ended(), exited: Promise.reject(err) };
    };
    dep.script('a.sh', '#!/bin/sh\n');
    const result = await createHookRunner({ clock: systemClock, platform: 'linux', spawner }).runEvent(
      dep.request([{ location: 'a.sh', timeoutSeconds: 10 }]),
    );
    assert.equal(result.errorCode, 'ScriptFailed');
    assert.equal(result.message, 'Script at specified location: a.sh failed with error Error with message spawn /bin/sh ENOENT');
  });
});
