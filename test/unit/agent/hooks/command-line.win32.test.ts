import assert from 'node:assert/strict';
import {
  nativeSystemDir,
  powershellWrapper,
  psLiteral,
  quoteWindowsArg,
  win32CommandLine,
  win32ScriptCommand,
} from '../../../../agent/src/hooks/command-line.win32.ts';

const opts = { systemRoot: 'C:\\Windows', wow64: false };
const input = (scriptPath: string) => ({ scriptPath, statusFile: 'C:\\st\\x.status', prefix: [] });

/** The wrapper text inside a command line's -EncodedCommand. */
function decoded(args: readonly string[]): string {
  return Buffer.from(args[args.indexOf('-EncodedCommand') + 1] ?? '', 'base64').toString('utf16le');
}

describe('win32ScriptCommand', () => {
  it('runs .ps1 scripts with 64-bit Windows PowerShell -File so exit codes survive', () => {
    assert.deepEqual(win32ScriptCommand('C:\\rev\\My Scripts\\start.PS1', opts), {
      file: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      args: '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:\\rev\\My Scripts\\start.PS1"',
    });
  });

  it('runs .ps1 scripts with pwsh when opted in', () => {
    const pwsh = 'C:\\Program Files\\PowerShell\\7\\pwsh.exe';
    assert.equal(win32ScriptCommand('C:\\r\\a.ps1', { ...opts, pwsh }).file, pwsh);
  });

  it('runs .bat scripts with cmd.exe /d /s /c and the path in doubled quotes', () => {
    assert.deepEqual(win32ScriptCommand('C:\\rev\\a b\\install.bat', opts), {
      file: 'C:\\Windows\\System32\\cmd.exe',
      args: '/d /s /c ""C:\\rev\\a b\\install.bat""',
    });
  });

  it('runs .cmd scripts like .bat scripts', () => {
    assert.equal(win32ScriptCommand('C:\\rev\\x.CMD', opts).file, 'C:\\Windows\\System32\\cmd.exe');
  });

  it('runs .exe files directly', () => {
    assert.deepEqual(win32ScriptCommand('C:\\rev\\tool.exe', opts), { file: 'C:\\rev\\tool.exe', args: '' });
  });

  it('treats a dot in a directory name as no extension', () => {
    assert.equal(win32ScriptCommand('C:\\r.ps1\\run', opts).file, 'C:\\r.ps1\\run');
  });

  it('keeps System32 for the script even for a 32-bit agent, since the 64-bit wrapper starts it', () => {
    assert.equal(win32ScriptCommand('C:\\r\\a.bat', { ...opts, wow64: true }).file, 'C:\\Windows\\System32\\cmd.exe');
  });
});

describe('win32CommandLine', () => {
  it('starts the wrapper with 64-bit Windows PowerShell and an encoded command', () => {
    const line = win32CommandLine(input('C:\\rev\\start.ps1'), opts);
    assert.equal(line.cmd, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    assert.deepEqual(line.args.slice(0, 5), ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    assert.equal(line.writesStatus, true);
    assert.equal(line.windowsVerbatimArguments, undefined);
  });

  it('reaches 64-bit PowerShell through Sysnative when the agent is 32-bit on 64-bit Windows', () => {
    assert.equal(
      win32CommandLine(input('C:\\r\\a.ps1'), { ...opts, wow64: true }).cmd,
      'C:\\Windows\\Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe',
    );
    assert.equal(nativeSystemDir({ systemRoot: 'D:\\Win', wow64: true }), 'D:\\Win\\Sysnative');
  });

  it('uses the given SystemRoot', () => {
    assert.equal(win32CommandLine(input('D:\\r\\x.ps1'), { systemRoot: 'D:\\Win' }).cmd, 'D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  });

  it('encodes the wrapper for the script and status file as UTF-16LE base64', () => {
    const line = win32CommandLine(input('C:\\rev\\a b\\install.bat'), opts);
    assert.equal(decoded(line.args), powershellWrapper('C:\\Windows\\System32\\cmd.exe', '/d /s /c ""C:\\rev\\a b\\install.bat""', 'C:\\st\\x.status'));
  });
});

describe('powershellWrapper', () => {
  it('starts the command, waits, writes its exit code to the status file and exits with it', () => {
    assert.equal(
      powershellWrapper('C:\\r\\tool.exe', '-x "a b"', 'C:\\st\\AfterInstall-0.status'),
      [
        "$ErrorActionPreference = 'Stop'",
        "$s = 'C:\\st\\AfterInstall-0.status'",
        'try {',
        '  $i = New-Object System.Diagnostics.ProcessStartInfo',
        "  $i.FileName = 'C:\\r\\tool.exe'",
        "  $i.Arguments = '-x \"a b\"'",
        '  $i.UseShellExecute = $false',
        '  $p = [System.Diagnostics.Process]::Start($i)',
        '  $p.WaitForExit()',
        '  $c = $p.ExitCode',
        '} catch {',
        '  [Console]::Error.WriteLine($_.Exception.Message)',
        '  $c = 1',
        '}',
        '[System.IO.File]::WriteAllText($s, "$c`n")',
        'exit $c',
      ].join('\n'),
    );
  });

  it('quotes paths with quotes and $ so they stay literal', () => {
    const text = powershellWrapper("C:\\it's $(x)\\a.exe", '', "C:\\o'k\\s");
    assert.match(text, /\$i\.FileName = 'C:\\it''s \$\(x\)\\a\.exe'\n/);
    assert.match(text, /\$s = 'C:\\o''k\\s'\n/);
  });
});

describe('psLiteral', () => {
  it('doubles straight and typographic single quotes, which all end a PowerShell literal', () => {
    assert.equal(psLiteral('a\'b\u2019c\u2018d'), "'a''b\u2019\u2019c\u2018\u2018d'");
  });
});

describe('quoteWindowsArg', () => {
  it('leaves plain arguments alone and quotes those with spaces', () => {
    assert.equal(quoteWindowsArg('-File'), '-File');
    assert.equal(quoteWindowsArg('C:\\a b\\x.ps1'), '"C:\\a b\\x.ps1"');
    assert.equal(quoteWindowsArg(''), '""');
  });

  it('escapes quotes and the backslashes before them or before the closing quote', () => {
    assert.equal(quoteWindowsArg('say "hi"'), '"say \\"hi\\""');
    assert.equal(quoteWindowsArg('C:\\a b\\'), '"C:\\a b\\\\"');
  });
});
