/**
 * Linux/macOS command lines for hook scripts. Pure: no I/O, so every shape is unit-tested.
 */
import type { CommandLine, CommandLineInput } from './types.ts';

/**
 * The wrapper around every script. Paths arrive as positional parameters and are only ever
 * expanded inside double quotes, so spaces, quotes and `$` in them are inert. `"$@"` execs the
 * script directly (its shebang picks the interpreter); a script without a shebang makes execve
 * fail with ENOEXEC, and POSIX sh then runs it as a shell script itself, which is the
 * fallback CodeDeploy users rely on. Only shell builtins are used, so a hook environment without
 * PATH still gets its status file written.
 */
export const POSIX_WRAPPER = 's="$1"; shift; "$@"; c=$?; printf "%s\\n" "$c" > "$s"; exit "$c"';

/** The name the wrapper shell reports as `$0` (shows in `ps`). */
export const POSIX_WRAPPER_NAME = 'deckhand-hook';

/** The script's own argv: direct, via `su` for another user, and/or via `sudo`. */
export function posixScriptArgv(input: CommandLineInput): string[] {
  const runas = input.runas !== undefined && input.runas !== input.currentUser ? input.runas : undefined;
  // `-s /bin/sh` so users whose login shell is nologin can still run hooks; the script path is
  // `$0` of that shell, again never interpolated into the command text. `--session-command`
  // rather than `-c`: util-linux su runs `-c` commands in a new session (setsid), which would
  // take the script out of our process group and out of reach of the timeout kill. The TIOCSTI
  // attack that new session defends against needs a controlling terminal, and hooks have none
  // (they are spawned detached). util-linux su only; busybox su lacks the option.
  const base =
    runas === undefined
      ? [input.scriptPath]
      : ['su', '-s', '/bin/sh', '--session-command', '"$0"', runas, input.scriptPath];
  return input.sudo === true ? ['sudo', ...base] : base;
}

/** `/bin/sh -c <wrapper> deckhand-hook <statusFile> <script argv...>`. */
export function posixCommandLine(input: CommandLineInput): CommandLine {
  return {
    cmd: '/bin/sh',
    args: ['-c', POSIX_WRAPPER, POSIX_WRAPPER_NAME, input.statusFile, ...posixScriptArgv(input)],
    writesStatus: true,
  };
}
