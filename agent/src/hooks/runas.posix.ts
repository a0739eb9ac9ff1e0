/**
 * Running a hook as another user on Linux.
 *
 * The agent running as root switches with util-linux `setpriv --reuid --regid --init-groups`,
 * exec'd by the wrapper in place of the script's own exec. Why setpriv rather than CodeDeploy's
 * `su user -c`, or Node's spawn `uid`/`gid`:
 * - Node's `uid`/`gid` drop every supplementary group (libuv calls setgroups(0)), and they would
 *   also switch the wrapper, which must stay root to write the status file.
 * - `su` goes through PAM: pam_systemd may move the hook into a new login session and cgroup,
 *   `su -c` calls setsid() (taking the script out of the process group the timeout kills),
 *   signals come back as su's exit code, and a locked account or a PAM rule can refuse root.
 * - setpriv is one execve: no extra process, no PAM, the same process group, the exact exit
 *   status, the groups from initgroups(3) (NSS, so LDAP groups count), and real, effective and
 *   saved ids all switched. util-linux ships it on every mainstream distribution.
 * The variables `su` would set are set by us from the passwd entry: HOME, USER, LOGNAME and SHELL
 * (the user's login shell; the script's interpreter is still its shebang).
 *
 * An agent not running as root cannot switch users itself; with `sudo: true` on the script it
 * runs `sudo -n -E -u <user>` (a sudoers rule with NOPASSWD and SETENV is needed, so the hook
 * keeps its environment), otherwise the script fails with a message saying so.
 */
import { accessSync, constants } from 'node:fs';
import type { Spawner } from './spawner.ts';

/** A user from the passwd database. */
export interface RunAsUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Absolute paths of the tools a switch may use; undefined when not installed. */
export interface PosixTools {
  setpriv: string | undefined;
  sudo: string | undefined;
}

/** How to start a script as someone else: argv to put before the script, variables to set. */
export interface Identity {
  prefix: string[];
  env: Record<string, string>;
}

/** What {@link posixIdentity} needs to decide. */
export interface IdentityInput {
  /** The resolved runas user; undefined to stay the agent's user (or root with sudo). */
  user: RunAsUser | undefined;
  sudo: boolean;
  /** True when the agent runs as root. */
  privileged: boolean;
  /** The agent's user name, for messages. */
  currentUser: string;
  tools: PosixTools;
}

/** POSIX portable user names (plus the `$` some systems allow at the end for machine accounts). */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** The first executable `name` in the standard system directories (never the hook's PATH). */
export function findTool(name: string, dirs: readonly string[] = TOOL_DIRS): string | undefined {
  for (const dir of dirs) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // not in this directory; try the next
    }
  }
  return undefined;
}

/** Parses one `getent passwd` line; undefined when it is not one. */
export function parsePasswdLine(line: string): RunAsUser | undefined {
  const f = line.trim().split(':');
  if (f.length !== 7) return undefined;
  const [name, , uid, gid, , home, shell] = f as [string, string, string, string, string, string, string];
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home, shell };
}

/** Looks `user` up through NSS (`getent passwd`, so LDAP/SSSD users count); a reason when it cannot be used. */
export async function lookupPosixUser(spawner: Spawner, user: string): Promise<RunAsUser | string> {
  if (!USER_NAME.test(user) || user.length > 256) return `"${user}" is not a valid user name`;
  try {
    const handle = spawner.spawn('getent', ['passwd', user], {});
    let out = '';
    handle.stdout?.on('data', (chunk: Buffer) => {
      if (out.length < 4096) out += chunk.toString('utf8');
    });
    handle.stderr?.resume();
    const exit = await handle.exited;
    if (exit.code === 2) return `user ${user} does not exist`;
    const found = exit.code === 0 ? parsePasswdLine(out.split('\n')[0] ?? '') : undefined;
    return found ?? `could not look up user ${user}: getent exited with ${exit.code ?? exit.signal}`;
  } catch (err) {
    return `could not look up user ${user}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The variables a login as `user` would set. */
function userEnv(user: RunAsUser): Record<string, string> {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name, SHELL: user.shell };
}

/**
 * How to switch to `input.user` (or to root with sudo), or a reason it cannot be done. Pure.
 * As root, `sudo` is not needed and is not used: sudo's env_reset would strip the hook's
 * environment for nothing.
 */
export function posixIdentity(input: IdentityInput): Identity | string {
  const { user, sudo, privileged, tools } = input;
  if (user === undefined) {
    if (!sudo || privileged) return { prefix: [], env: {} };
    return tools.sudo === undefined ? 'sudo: true needs sudo, which is not installed' : { prefix: [tools.sudo, '-n', '-E', '--'], env: {} };
  }
  if (privileged) {
    if (tools.setpriv === undefined) return 'switching users needs setpriv (util-linux), which is not installed';
    const prefix = [tools.setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'];
    return { prefix, env: userEnv(user) };
  }
  if (!sudo) {
    return `the agent runs as ${input.currentUser}, not root, so it cannot switch users: run it as root, or set sudo: true on the script (with a sudoers rule allowing it)`;
  }
  if (tools.sudo === undefined) return 'sudo: true needs sudo, which is not installed';
  return { prefix: [tools.sudo, '-n', '-E', '-u', user.name, '--'], env: userEnv(user) };
}
