import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChildGroup } from '../../../../cli/src/demo/children.ts';

describe('ChildGroup', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function script(name: string, body: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, body);
    return file;
  }

  it('writes the child output to its log file', async () => {
    const group = new ChildGroup();
    const child = group.start('hello', script('hello.cjs', 'console.log("hi"); console.error("oops");'), [], {
      env: process.env,
      logFile: path.join(tmp, 'hello.log'),
    });
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    assert.equal(fs.readFileSync(child.logFile, 'utf8'), 'hi\noops\n');
  });

  it('stops children with SIGTERM', async () => {
    const group = new ChildGroup();
    const child = group.start('sleeper', script('sleep.cjs', 'setInterval(() => {}, 1000);'), [], {
      env: process.env,
      logFile: path.join(tmp, 'sleep.log'),
    });
    await group.stopAll(5000);
    assert.equal((await child.exited).signal, 'SIGTERM');
  });

  it('kills a child that ignores SIGTERM once the grace period ends', async () => {
    const group = new ChildGroup();
    const body = 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000);';
    const child = group.start('stubborn', script('stubborn.cjs', body), [], { env: process.env, logFile: path.join(tmp, 's.log') });
    while (!fs.readFileSync(child.logFile, 'utf8').includes('ready')) await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await group.stopAll(300);
    assert.equal((await child.exited).signal, 'SIGKILL');
    assert.ok(performance.now() - started < 3000);
  });
});
