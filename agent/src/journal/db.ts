/**
 * Opens the agent's SQLite journal with the pragmas the reliability notes require and brings
 * its schema up to date. The journal never logs: it returns or throws.
 */
import Database from 'better-sqlite3';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { MIGRATIONS } from './migrations.ts';

export type JournalDb = Database.Database;

/** Opens (creating when absent) the journal file and applies pending migrations. */
export function openJournalDb(file: string, migrations: readonly string[] = MIGRATIONS): JournalDb {
  // busy timeout: another process (a read-only status CLI) may briefly hold a lock.
  const db = new Database(file, { timeout: 5000 });
  try {
    // WAL: readers never block the single writer, and a crash mid-write cannot corrupt the file.
    db.pragma('journal_mode = WAL');
    // FULL: fsync the WAL on every commit. better-sqlite3 defaults WAL to NORMAL, which may roll
    // back the last commits on power loss, and the journal is what decides "did this hook run".
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw new DeckhandError('INTERNAL', `the journal ${file} is corrupt (quick_check: ${String(check)})`);
    }
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Applies every migration step past `user_version`, each in its own transaction. */
export function migrate(db: JournalDb, migrations: readonly string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new DeckhandError(
      'INTERNAL',
      `the journal has schema version ${current}, newer than this agent knows (${migrations.length}); upgrade the agent`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    const step = migrations[version] ?? '';
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
