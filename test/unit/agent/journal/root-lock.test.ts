import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { lockRoot } from '../../../../agent/src/journal/root-lock.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';

const REPO = path.resolve(import.meta.dirname, '..', '../../..');
const LOCK_MODULE = path.join(REPO, 'agent/src/journal/root-lock.ts');

/** A separate process that takes the lock, optionally starts a long-lived child, and says so. */
function holderProcess(root: string, withChild: boolean): Promise<{ proc: ChildProcess; childPid?: number }> {
  const code = `
    const { lockRoot } = await import(${JSON.stringify(LOCK_MODULE)});
    const { spawn } = await import('node:child_process');
    lockRoot(${JSON.stringify(root)});
    const child = ${withChild} ? spawn('sleep', ['60'], { detached: true, stdio: 'ignore' }) : undefined;
    console.log(JSON.stringify({ childPid: child?.pid }));
    setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.stdout!.once('data', (line: Buffer) => resolve({ proc, ...(JSON.parse(line.toString()) as { childPid?: number }) }));
    proc.once('exit', (c) => reject(new Error(`holder exited with ${c}`)));
  });
}

async function kill9(proc: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

function assertLocked(root: string): void {
  assert.throws(() => lockRoot(root), (err: unknown) => err instanceof DeckhandError && err.code === 'AGENT_ROOT_LOCKED');
}

describe('the agent root lock', function () {
  this.timeout(30_000);
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-lock-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('makes a second `deckhand-agent run` on the same root exit 2, naming the holder', async () => {
    const lock = lockRoot(root);
    try {
      const run = promisify(execFile)(process.execPath, [path.join(REPO, 'bin/deckhand-agent.js'), 'run', '--root', root]);
      await assert.rejects(run, (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr ?? '', new RegExp(`another agent \\(pid ${process.pid}\\) is already running with root ${root}`));
        return true;
      });
      assert.equal(fs.existsSync(path.join(root, 'agent.db')), false, 'the refused agent opened no journal');
    } finally {
      lock.release();
    }
  });

  it('is free again at once after its holder is killed with SIGKILL', async () => {
    const { proc } = await holderProcess(root, false);
    assertLocked(root);
    await kill9(proc);
    lockRoot(root).release();
  });

  it('is not kept by a process the holder started, so a surviving hook cannot lock the next agent out', async () => {
    const { proc, childPid } = await holderProcess(root, true);
    try {
      await kill9(proc);
      process.kill(childPid!, 0); // still alive, holding the holder's inherited descriptors
      lockRoot(root).release();
    } finally {
      process.kill(childPid!, 'SIGKILL');
    }
  });

  it('can be taken again by the same process once released', () => {
    lockRoot(root).release();
    const again = lockRoot(root);
    assertLocked(root);
    again.release();
  });
});
