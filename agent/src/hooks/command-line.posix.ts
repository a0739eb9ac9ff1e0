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
 * PATH still gets its status file written. The wrapper keeps the agent's identity, so the status
 * file is written by the agent even when the script runs as another user.
 */
export const POSIX_WRAPPER = 's="$1"; shift; "$@"; c=$?; printf "%s\\n" "$c" > "$s"; exit "$c"';

/** The name the wrapper shell reports as `$0` (shows in `ps`). */
export const POSIX_WRAPPER_NAME = 'deckhand-hook';

/** `/bin/sh -c <wrapper> deckhand-hook <statusFile> [<user switch argv...>] <script>`. */
export function posixCommandLine(input: CommandLineInput): CommandLine {
  return {
    cmd: '/bin/sh',
    args: ['-c', POSIX_WRAPPER, POSIX_WRAPPER_NAME, input.statusFile, ...input.prefix, input.scriptPath],
    writesStatus: true,
  };
}
