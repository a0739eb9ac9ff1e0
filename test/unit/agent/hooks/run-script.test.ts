import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import { FIXTURES, TempDeployment, groupAfter, isAlive, recordingSpawner, killLeftovers } from './helpers.ts';

describe('runScript (through HookRunner#runEvent)', () => {
  let dep: TempDeployment;
  const toKill: number[] = [];
  beforeEach(() => {
    dep = new TempDeployment();
  });
  afterEach(() => {
    killLeftovers(toKill);
    dep.remove();
  });

  it('kills the whole process group when a timed-out script has a child that ignores SIGTERM', async () => {
    const { spawner, pids } = recordingSpawner();
    const runner = createHookRunner({ clock: systemClock, spawner, killGraceMs: 200 });
    const started = performance.now();
    const result = await runner.runEvent(
      dep.request([{ location: 'ignore-sigterm.js', timeoutSeconds: 1 }], { archiveDir: FIXTURES }),
    );
    const elapsed = performance.now() - started;
    assert.equal(result.status, 'Failed');
    assert.equal(result.errorCode, 'ScriptTimedOut');
    assert.equal(result.message, 'Script at specified location: ignore-sigterm.js failed to complete in 1 seconds');
    assert.match(result.logTail, /\[stdout\]child ready/);
    assert.ok(elapsed < 4000, `took ${elapsed} ms`);
    const leader = pids[0];
    assert.ok(leader !== undefined);
    assert.deepEqual(await groupAfter(leader, 1000), []);
  });

  it('succeeds with an OutputsLeftOpen warning, without hanging, when a daemon keeps stdout open', async () => {
    const pidFile = path.join(dep.root, 'daemon.pid');
    const runner = createHookRunner({ clock: systemClock, killGraceMs: 200 });
    const req = dep.request([{ location: 'fork-daemon.js', timeoutSeconds: 10 }], { archiveDir: FIXTURES });
    req.env = { ...req.env, DAEMON_PID_FILE: pidFile };
    const started = performance.now();
    const result = await runner.runEvent(req);
    const elapsed = performance.now() - started;
    const daemon = Number(fs.readFileSync(pidFile, 'utf8'));
    toKill.push(daemon);
    assert.equal(result.status, 'Succeeded', result.message);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? '', /^OutputsLeftOpen: Script at specified location: fork-daemon\.js exited but left STDOUT and STDERR open/);
    assert.match(result.logTail, /\[stdout\]daemon started/);
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    assert.ok(isAlive(daemon), 'the daemon should survive its hook');
  });

  it('kills the tree and fails when the event is aborted', async () => {
    const { spawner, pids } = recordingSpawner();
    const runner = createHookRunner({ clock: systemClock, spawner, killGraceMs: 200 });
    const abort = new AbortController();
    const req = dep.request([{ location: 'ignore-sigterm.js', timeoutSeconds: 60 }], {
      archiveDir: FIXTURES,
      signal: abort.signal,
      onLine: (line) => {
        if (line.text === 'child ready') abort.abort();
      },
    });
    const result = await runner.runEvent(req);
    assert.equal(result.status, 'Failed');
    assert.equal(result.errorCode, 'UnknownError');
    assert.equal(result.message, 'Script at specified location: ignore-sigterm.js was stopped because the lifecycle event was aborted');
    assert.deepEqual(await groupAfter(pids[0] ?? -1, 1000), []);
  });

  it('runs nothing when the signal is already aborted', async () => {
    dep.script('a.sh', '#!/bin/sh\necho ran > ran.txt\n');
    const runner = createHookRunner({ clock: systemClock });
    const req = dep.request([{ location: 'a.sh', timeoutSeconds: 10 }], { signal: AbortSignal.abort() });
    const result = await runner.runEvent(req);
    assert.equal(result.status, 'Failed');
    assert.equal(fs.existsSync(path.join(dep.archiveDir, 'ran.txt')), false);
  });
});
