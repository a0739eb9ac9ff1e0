import assert from 'node:assert/strict';
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

  it('fails with FailedAfterRestart when the process is gone and left no status', async () => {
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30 }], { resume: { index: 0, adopt: { deadlineAt: new Date(Date.now() + 30_000) } } }),
    );
    assert.equal(result.errorCode, 'FailedAfterRestart');
  });

  it('runs the script again when its outcome is unknowable and it opted in with retryOnRestart', async () => {
    dep.script('s.sh', `#!/bin/sh\necho again >> '${path.join(dep.root, 'runs')}'\n`);
    const result = await createHookRunner({ clock: systemClock }).runEvent(
      dep.request([{ location: 's.sh', timeoutSeconds: 30, retryOnRestart: true }], { resume: { index: 0, adopt: { deadlineAt: new Date(Date.now() + 30_000) } } }),
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
