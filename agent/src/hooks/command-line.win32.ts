/**
 * Windows command lines for hook scripts. Pure, so they are tested on Linux. runas/sudo are
 * ignored on Windows, as in CodeDeploy; there is no status-file wrapper yet.
 */
import type { CommandLine, CommandLineInput } from './types.ts';

/** Full paths, so a hook environment with an odd PATH cannot redirect them. */
export interface Win32Paths {
  /** @default 'C:\\Windows' */
  systemRoot: string;
}

const DEFAULT_PATHS: Win32Paths = { systemRoot: 'C:\\Windows' };

/** The extension of a Windows path, lower-cased, with the dot (`.ps1`), or '' when none. */
function extensionOf(p: string): string {
  const base = p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/**
 * `.ps1` → PowerShell with `-File` (so `exit N` becomes the exit code; `-Command` collapses
 * codes to 0/1); `.bat`/`.cmd` → `cmd.exe /d /s /c ""<path>""` verbatim, the same quoting Node
 * uses for `shell: true` (with /s cmd strips exactly the outer pair); anything else directly.
 */
export function win32CommandLine(input: CommandLineInput, paths: Win32Paths = DEFAULT_PATHS): CommandLine {
  const system32 = `${paths.systemRoot}\\System32`;
  const ext = extensionOf(input.scriptPath);
  if (ext === '.ps1') {
    return {
      cmd: `${system32}\\WindowsPowerShell\\v1.0\\powershell.exe`,
      args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', input.scriptPath],
      writesStatus: false,
    };
  }
  if (ext === '.bat' || ext === '.cmd') {
    return {
      cmd: `${system32}\\cmd.exe`,
      args: ['/d', '/s', '/c', `""${input.scriptPath}""`],
      writesStatus: false,
      windowsVerbatimArguments: true,
    };
  }
  return { cmd: input.scriptPath, args: [], writesStatus: false };
}
