/**
 * Copies of live SQLite files for tests that send state back in time: an online backup (SQLite's
 * backup API, consistent while the owner keeps writing under WAL) and putting a copy back in
 * place of the live file, its WAL and shared memory removed, as an operator restoring would.
 */
import { copyFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Copies the database `file` (with what its WAL holds) to `dest`. */
export async function backupSqlite(file: string, dest: string): Promise<void> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await db.backup(dest);
  } finally {
    db.close();
  }
}

/** Puts `copy` in place of the database `file`; its -wal and -shm go. Call with the owner stopped. */
export function restoreSqlite(copy: string, file: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  copyFileSync(copy, file);
}
