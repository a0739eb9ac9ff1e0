/**
 * Whether some process has a SQLite store open. Every connection to a WAL database holds a shared
 * lock on it for as long as it is open, and the operating system drops the lock when the process
 * dies: unlike a pid file, the answer is never stale after a crash, and it counts every process
 * (a coordinator, a backup, a sqlite3 shell).
 */
import { openSqlite } from '../../../../common/src/sqlite.ts';

/** True when another connection has `file` open (our exclusive lock is refused at once). */
export function storeInUse(file: string): boolean {
  const db = openSqlite(file, { fileMustExist: true, timeout: 0 });
  try {
    // Exclusive locking mode before the first access: SQLite then wants the whole file to itself.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return false;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
    // Any other answer (a damaged file SQLite will not read) came after the lock was ours.
    return false;
  } finally {
    db.close();
  }
}
