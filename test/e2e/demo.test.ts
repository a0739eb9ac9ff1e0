import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cluster.ts';

const execFileP = promisify(execFile);

describe('the demo (README\'s first command)', function () {
  this.timeout(90_000);

  it('deploys the sample bundle to three local agents with HalfAtATime and exits 0', async function () {
    const { stdout, stderr } = await execFileP(process.execPath, [path.join(REPO_ROOT, 'bin', 'deckhand.js'), 'demo'], {
      env: { ...process.env, DECKHAND_URL: '', DECKHAND_TOKEN: '' },
    });
    assert.match(stdout, /Deployment d-\S+: Succeeded .*CodeDeployDefault\.HalfAtATime/);
    for (const host of ['demo-host-1', 'demo-host-2', 'demo-host-3']) assert.match(stdout, new RegExp(`${host} \\(i-\\S+\\): Succeeded`));
    assert.match(stderr, /ValidateService +Succeeded/, 'progress is shown live');
    const tempDir = /all under (\S+), removed on exit/.exec(stdout)?.[1];
    assert.ok(tempDir, 'the summary says where everything was');
    assert.equal(existsSync(tempDir), false, 'the demo cleans up after itself');
  });
});
