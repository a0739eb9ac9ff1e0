import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import type { StartedScript } from '../../../../agent/src/hooks/types.ts';
import { TempDeployment } from './helpers.ts';

describe('collecting a script after an agent restart', () => {
  let dep: TempDeployment;
  beforeEach(() => {
    dep = new TempDeployment();
  });
  afterEach(() => dep.remove());

  /** Starts `body` as script 0, detaches once it printed "ready", returns what was journaled. */
  async function startAndDetach(body: string): Promise<StartedScript> {
    dep.script('s.sh', body);
    const detach = new AbortController();
    let started: StartedScript | undefined;
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], {
        detach: detach.signal,
        onScriptStarted: (s) => (started = s),
        onLine: (line) => line.text === 'ready' && detach.abort(),
      }),
    );
    assert.equal(result.detached, true);
    assert.ok(started?.startTime, 'the start time is read from /proc');
    return started;
  }

  it('waits for a script still running and reports its real exit code and later output', async () => {
    const go = path.join(dep.root, 'go');
    const started = await startAndDetach(`#!/bin/sh\necho ready\nwhile [ ! -f '${go}' ]; do sleep 0.05; done\necho done\nexit 7\n`);
    setTimeout(() => fs.writeFileSync(go, ''), 200);
    const result = await createHookRunner({ clock: systemClock, pollMs: 20 }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: started } }),
    );
    assert.equal(result.message, 'Script at specified location: s.sh failed with exit code 7');
    assert.match(result.logTail, /\[stdout\]done/);
    assert.equal(dep.log().match(/\[stdout\]ready/g)?.length, 1, 'lines copied before the restart are not copied again');
  });

  it('reads the exit status of a script that ended while no agent was running', async () => {
    const started = await startAndDetach('#!/bin/sh\necho ready\nsleep 0.2\n');
    await new Promise((r) => setTimeout(r, 600));
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: started } }),
    );
    assert.equal(result.status, 'Succeeded', result.message);
  });

  /** What an agent journals for a script whose host then lost power: a pid now gone, no status file. */
  function lostScript(): StartedScript {
    const gone = spawnSync('true');
    return { index: 0, pid: gone.pid!, startTime: '1', deadlineAt: new Date(Date.now() + 30_000) };
  }

  it('fails with FailedAfterRestart when the process is gone and left no status', async () => {
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: lostScript() } }),
    );
    assert.equal(result.errorCode, 'FailedAfterRestart');
  });

  it('fails with FailedAfterRestart, without waiting for any deadline, when a script spawned but its pid was never journaled', async () => {
    fs.mkdirSync(path.dirname(dep.logFile), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(dep.logFile), 'AfterInstall-0.out'), '');
    const started = Date.now();
    // What recovery passes when no pid was journaled: the deadline is "now".
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: { deadlineAt: new Date() } } }),
    );
    assert.equal(result.errorCode, 'FailedAfterRestart', result.message);
    assert.ok(Date.now() - started < 2000, 'no kill grace period was waited out');
  });

  it('runs, once, a script the earlier agent died before spawning', async () => {
    dep.script('s.sh', `#!/bin/sh\necho ran >> '${path.join(dep.root, 'runs')}'\n`);
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: { deadlineAt: new Date() } } }),
    );
    assert.equal(result.status, 'Succeeded', result.message);
    assert.equal(fs.readFileSync(path.join(dep.root, 'runs'), 'utf8'), 'ran\n');
  });

  it('takes the exit status a script left even when its pid was never journaled', async () => {
    dep.script('s.sh', `#!/bin/sh\necho ran >> '${path.join(dep.root, 'runs')}'\n`);
    fs.mkdirSync(dep.statusDir, { recursive: true });
    fs.writeFileSync(path.join(dep.statusDir, 'AfterInstall-0.status'), '3\n');
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: { deadlineAt: new Date() } } }),
    );
    assert.equal(result.message, 'Script at specified location: s.sh failed with exit code 3');
    assert.equal(fs.existsSync(path.join(dep.root, 'runs')), false, 'not run again');
  });

  it('runs the script again when its outcome is unknowable and it opted in with retryOnRestart', async () => {
    dep.script('s.sh', `#!/bin/sh\necho again >> '${path.join(dep.root, 'runs')}'\n`);
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30, retryOnRestart: true }], { resume: { index: 0, adopt: lostScript() } }),
    );
    assert.equal(result.status, 'Succeeded', result.message);
    assert.equal(fs.readFileSync(path.join(dep.root, 'runs'), 'utf8'), 'again\n');
  });

  it('reports a reboot request when a script exits 194', async () => {
    dep.script('s.sh', '#!/bin/sh\nexit 194\n');
    const result = await createHookRunner({ clock: systemClock }).runEvent(dep.request([{ location: 's.sh', timeoutSeconds: 30 }]));
    assert.deepEqual(result.rebootRequested, { index: 0 });
  });
});
