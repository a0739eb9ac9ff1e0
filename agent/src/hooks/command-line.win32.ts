/**
 * Windows command lines for hook scripts. Pure, so they are tested on Linux. runas/sudo are
 * ignored on Windows, as in CodeDeploy.
 *
 * Every hook runs under a Windows PowerShell wrapper (the PowerShell twin of the POSIX sh
 * wrapper) that starts the script's own command, waits, writes its exit status to the status
 * file and exits with it. The script's command is what CodeDeploy users expect: `.ps1` through
 * 64-bit Windows PowerShell (or `pwsh` when opted in), `.bat`/`.cmd` through `cmd.exe /d /s /c`,
 * anything else directly.
 */
import type { CommandLine, CommandLineInput } from './types.ts';

/** Where the Windows tools are, and which PowerShell runs `.ps1` hooks. */
export interface Win32Options {
  /** %SystemRoot%. @default 'C:\\Windows' */
  systemRoot: string;
  /**
   * True when the agent is a 32-bit process on 64-bit Windows: its `System32` is redirected to
   * the 32-bit SysWOW64, and the 64-bit tools are reached through `Sysnative` (CodeDeploy's
   * 32-bit agent ran 32-bit PowerShell, a long-standing trap). @default false
   */
  wow64: boolean;
  /** Opt-in: the path of PowerShell 7's `pwsh.exe` to run `.ps1` hooks with. */
  pwsh?: string;
}

const DEFAULTS: Win32Options = { systemRoot: 'C:\\Windows', wow64: false };

const PS_FLAGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'];

/** The extension of a Windows path, lower-cased, with the dot (`.ps1`), or '' when none. */
function extensionOf(p: string): string {
  const base = p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** The directory of 64-bit system tools as seen by the agent process. */
export function nativeSystemDir(opts: Pick<Win32Options, 'systemRoot' | 'wow64'>): string {
  return `${opts.systemRoot}\\${opts.wow64 ? 'Sysnative' : 'System32'}`;
}

/** Quotes one argument for CommandLineToArgvW / the MSVC runtime, as libuv does for spawn. */
export function quoteWindowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    out += ch === '"' ? '\\'.repeat(slashes * 2 + 1) + '"' : '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

/** A PowerShell single-quoted literal; PowerShell also ends such strings at typographic quotes. */
export function psLiteral(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
}

/**
 * The script's own command, as the 64-bit wrapper starts it (so always `System32`): program
 * and the complete argument string. `.ps1` uses `-File` so `exit N` becomes the exit code
 * (`-Command` collapses codes to 0/1); `.bat`/`.cmd` get `""<path>""`, the quoting Node uses for
 * `shell: true` (with /s cmd strips exactly the outer pair).
 */
export function win32ScriptCommand(scriptPath: string, opts: Win32Options): { file: string; args: string } {
  const system32 = `${opts.systemRoot}\\System32`;
  const ext = extensionOf(scriptPath);
  if (ext === '.ps1') {
    const file = opts.pwsh ?? `${system32}\\WindowsPowerShell\\v1.0\\powershell.exe`;
    return { file, args: [...PS_FLAGS, '-File', scriptPath].map(quoteWindowsArg).join(' ') };
  }
  if (ext === '.bat' || ext === '.cmd') return { file: `${system32}\\cmd.exe`, args: `/d /s /c ""${scriptPath}""` };
  return { file: scriptPath, args: '' };
}

/**
 * The wrapper's PowerShell text. The child inherits the wrapper's stdout/stderr (no
 * redirection), so its output reaches the agent unchanged; a child that cannot start counts as
 * exit code 1 with the reason on stderr. Values are embedded only as single-quoted literals.
 */
export function powershellWrapper(file: string, args: string, statusFile: string): string {
  return [
    '$ErrorActionPreference = \'Stop\'',
    `$s = ${psLiteral(statusFile)}`,
    'try {',
    '  $i = New-Object System.Diagnostics.ProcessStartInfo',
    `  $i.FileName = ${psLiteral(file)}`,
    `  $i.Arguments = ${psLiteral(args)}`,
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
  ].join('\n');
}

/** `powershell.exe ... -EncodedCommand <wrapper>`: base64 UTF-16LE, so no quoting can break it. */
export function win32CommandLine(input: CommandLineInput, options: Partial<Win32Options> = {}): CommandLine {
  const opts = { ...DEFAULTS, ...options };
  const { file, args } = win32ScriptCommand(input.scriptPath, opts);
  const encoded = Buffer.from(powershellWrapper(file, args, input.statusFile), 'utf16le').toString('base64');
  return {
    cmd: `${nativeSystemDir(opts)}\\WindowsPowerShell\\v1.0\\powershell.exe`,
    args: [...PS_FLAGS, '-EncodedCommand', encoded],
    writesStatus: true,
  };
}
