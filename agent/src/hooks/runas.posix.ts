/**
 * Checks a hook's `runas` user before running it, so a typo gives a message naming the user
 * instead of su's exit code 1.
 */
import type { Spawner } from './spawner.ts';

/** POSIX portable user names (plus the `$` some systems allow at the end for machine accounts). */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** Resolves to a reason when `user` is not a usable name or does not exist, else undefined. */
export async function checkPosixUser(spawner: Spawner, user: string): Promise<string | undefined> {
  if (!USER_NAME.test(user) || user.length > 256) return `"${user}" is not a valid user name`;
  try {
    // `id` asks NSS, so LDAP/SSSD users count as existing, unlike a read of /etc/passwd.
    const handle = spawner.spawn('id', ['-u', user], {});
    handle.stdout.resume();
    handle.stderr.resume();
    const exit = await handle.exited;
    return exit.code === 0 ? undefined : `user ${user} does not exist`;
  } catch (err) {
    return `could not look up user ${user}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
