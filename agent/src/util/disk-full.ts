/**
 * A full disk, named as such. ENOSPC (and EDQUOT, a user's quota used up) reach the agent from
 * a download, an unpacking or an install wrapped in other errors; they all become DISK_FULL,
 * "disk full on the host", so the operator reads the cause rather than a failed write, and no
 * retry is spent on a disk that stays full. The caller gives the space back (bundle/sources.ts,
 * install/install.ts, lifecycle/space.ts).
 */
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** ENOSPC and EDQUOT from the file system; SQLITE_FULL when the journal cannot grow. */
const NO_SPACE: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** The ENOSPC/EDQUOT/SQLITE_FULL error in `err` or its chain of causes, if any. */
export function noSpaceError(err: unknown): NodeJS.ErrnoException | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && NO_SPACE.has(code)) return e as NodeJS.ErrnoException;
  }
  return undefined;
}

/** True when `err` is DISK_FULL already. */
export function isDiskFull(err: unknown): boolean {
  return err instanceof DeckhandError && err.code === 'DISK_FULL';
}

/**
 * `err` as DISK_FULL when a full disk caused it (`doing` says what failed: "unpacking the
 * bundle"; `after`, when given, what was done about it); any other error is returned as it is.
 */
export function asDiskFull(err: unknown, doing: string, after?: string): unknown {
  if (isDiskFull(err)) return err;
  const cause = noSpaceError(err);
  if (cause === undefined) return err;
  const where = cause.path === undefined ? '' : ` writing ${cause.path}`;
  const quota = cause.code === 'EDQUOT' ? ' (its disk quota is used up)' : '';
  const then = after === undefined ? '' : `; ${after}`;
  return new DeckhandError('DISK_FULL', `disk full on the host${quota}: ${doing} failed${where} (${cause.code})${then}`, {
    cause: err,
    ...(cause.path === undefined ? {} : { details: { path: cause.path } }),
  });
}
