import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { requireTool } from '../../support/requirements.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

/** Every .sh in the repository that git knows or would add (node_modules is ignored); each is checked in the dialect of its shebang. */
function shellScripts(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.sh'], { cwd: REPO, encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

describe('shell scripts', function () {
  it('include the Linux installer', function () {
    assert.ok(shellScripts().includes('installers/install.sh'));
  });

  it('all pass shellcheck', function () {
    requireTool(this, 'shellcheck', 'shellcheck');
    const res = spawnSync('shellcheck', ['--severity=style', ...shellScripts()], { cwd: REPO, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stdout + res.stderr);
  });
});
