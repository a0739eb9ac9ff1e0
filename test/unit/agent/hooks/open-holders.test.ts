import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filesHeldOpen } from '../../../../agent/src/hooks/open-holders.ts';

/** A `sleep` whose stdout is `file`, so it holds the file open until killed. */
function holder(file: string): ChildProcess {
  const fd = fs.openSync(file, 'w');
  try {
    return spawn('sleep', ['30'], { stdio: ['ignore', fd, 'ignore'] });
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs `true` to its end and returns its pid: a "script" that started at a known point. */
async function finishedScript(): Promise<number> {
  const child = spawn('true', [], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

describe('filesHeldOpen', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-holders-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a file held open by a process started after the script', async () => {
    const file = path.join(dir, 'out');
    const scriptPid = await finishedScript();
    children.push(holder(file));
    assert.deepEqual(filesHeldOpen([file], { pid: scriptPid, ranMs: 10 }), new Set([file]));
  });

  it('leaves out a process started before a brief script', async () => {
    const file = path.join(dir, 'out');
    children.push(holder(file));
    const scriptPid = await finishedScript();
    assert.deepEqual(filesHeldOpen([file], { pid: scriptPid, ranMs: 10 }), new Set());
  });

  it('looks at every process once the script ran for a second or more', async () => {
    const file = path.join(dir, 'out');
    children.push(holder(file));
    const scriptPid = await finishedScript();
    assert.deepEqual(filesHeldOpen([file], { pid: scriptPid, ranMs: 1000 }), new Set([file]));
  });

  it('looks at every process without a script to start from', () => {
    const file = path.join(dir, 'out');
    children.push(holder(file));
    assert.deepEqual(filesHeldOpen([file]), new Set([file]));
  });
});
