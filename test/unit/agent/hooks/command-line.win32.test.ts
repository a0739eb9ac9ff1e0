import assert from 'node:assert/strict';
import { win32CommandLine } from '../../../../agent/src/hooks/command-line.win32.ts';

const input = (scriptPath: string) => ({ scriptPath, statusFile: 'C:\\st\\x.status', currentUser: 'SYSTEM' });

describe('win32CommandLine', () => {
  it('runs .ps1 scripts with powershell.exe -File so exit codes survive', () => {
    assert.deepEqual(win32CommandLine(input('C:\\rev\\My Scripts\\start.PS1')), {
      cmd: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', 'C:\\rev\\My Scripts\\start.PS1'],
      writesStatus: false,
    });
  });

  it('runs .bat scripts with cmd.exe /d /s /c and verbatim double-quoted arguments', () => {
    assert.deepEqual(win32CommandLine(input('C:\\rev\\a b\\install.bat')), {
      cmd: 'C:\\Windows\\System32\\cmd.exe',
      args: ['/d', '/s', '/c', '""C:\\rev\\a b\\install.bat""'],
      writesStatus: false,
      windowsVerbatimArguments: true,
    });
  });

  it('runs .cmd scripts like .bat scripts', () => {
    assert.equal(win32CommandLine(input('C:\\rev\\x.CMD')).cmd, 'C:\\Windows\\System32\\cmd.exe');
  });

  it('runs .exe files directly', () => {
    assert.deepEqual(win32CommandLine(input('C:\\rev\\tool.exe')), { cmd: 'C:\\rev\\tool.exe', args: [], writesStatus: false });
  });

  it('uses the given SystemRoot', () => {
    assert.equal(win32CommandLine(input('D:\\r\\x.ps1'), { systemRoot: 'D:\\Win' }).cmd, 'D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  });

  it('ignores runas, as CodeDeploy does on Windows', () => {
    assert.deepEqual(win32CommandLine({ ...input('C:\\r\\t.exe'), runas: 'bob' }), win32CommandLine(input('C:\\r\\t.exe')));
  });

  it('treats a dot in a directory name as no extension', () => {
    assert.equal(win32CommandLine(input('C:\\r.ps1\\run')).cmd, 'C:\\r.ps1\\run');
  });
});
