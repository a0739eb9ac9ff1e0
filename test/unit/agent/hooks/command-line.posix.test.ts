import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { POSIX_WRAPPER, posixCommandLine } from '../../../../agent/src/hooks/command-line.posix.ts';

const base = { scriptPath: '/a b/it\'s.sh', statusFile: '/st/AfterInstall-0.status', prefix: [] };

describe('posixCommandLine', () => {
  it('runs the wrapper through /bin/sh with the status file and script as separate arguments', () => {
    assert.deepEqual(posixCommandLine(base), {
      cmd: '/bin/sh',
      args: ['-c', POSIX_WRAPPER, 'deckhand-hook', '/st/AfterInstall-0.status', '/a b/it\'s.sh'],
      writesStatus: true,
    });
  });

  it('never puts the script path into the shell text', () => {
    assert.ok(!POSIX_WRAPPER.includes('it\'s'));
    assert.ok(!posixCommandLine(base).args[1]?.includes('/a b'));
  });

  it('puts the user switch between the status file and the script', () => {
    const prefix = ['/usr/bin/setpriv', '--reuid=1001', '--regid=1001', '--init-groups', '--'];
    assert.deepEqual(posixCommandLine({ ...base, prefix }).args.slice(3), ['/st/AfterInstall-0.status', ...prefix, '/a b/it\'s.sh']);
  });

  it('makes the wrapper exit with the script status and write it to the status file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
    try {
      const script = path.join(dir, 'exit "5".sh');
      fs.writeFileSync(script, '#!/bin/sh\nexit 5\n', { mode: 0o755 });
      const status = path.join(dir, 'x.status');
      const { cmd, args } = posixCommandLine({ ...base, scriptPath: script, statusFile: status });
      assert.throws(() => execFileSync(cmd, args, { stdio: 'ignore' }), (err: { status?: number }) => err.status === 5);
      assert.equal(fs.readFileSync(status, 'utf8'), '5\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
