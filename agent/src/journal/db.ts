/**
 * Opens the agent's SQLite journal with the pragmas the reliability notes require and brings
 * its schema up to date. The journal never logs: it returns or throws.
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { openSqlite, type SqliteDatabase } from '../../../common/src/sqlite.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { MIGRATIONS } from './migrations.ts';
import { createPrivateFile } from './root-layout.ts';

export type JournalDb = SqliteDatabase;

/** SQLite's answers for a file that is damaged or not a database at all. */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/**
 * Keeps a copy of a corrupt journal (and its WAL) as `<file>.corrupt-<ts>` and returns the
 * error to refuse to start with. The original is left in place, untouched: the agent refuses
 * to start until an operator has looked, rather than guessing what ran (a fresh journal would
 * forget which hooks already ran and run them again).
 */
function corrupt(file: string, detail: string): DeckhandError {
  const copy = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  let kept = `a copy is kept as ${copy}`;
  try {
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  } catch (err) {
    kept = `copying it to ${copy} failed too (${(err as Error).message})`;
  }
  return new DeckhandError(
    'JOURNAL_CORRUPT',
    `the journal ${file} is corrupt (${detail}); ${kept}. The agent will not start on a journal it cannot trust: ` +
      `restore it from a backup, or move it away to start with an empty journal (this host's deployment history and registration are then lost)`,
  );
}

/**
 * The error for a journal file that exists but is empty. SQLite would open it as a new database
 * and the agent would then say "not registered"; but a journal is never empty once opened (the
 * WAL switch writes its first page), so an empty one lost its contents: a full disk, a failed
 * restore, a truncation. Nothing is guessed from it, and the file is left as it is.
 */
function lost(file: string): DeckhandError {
  const wal = existsSync(`${file}-wal`) ? ` (${file}-wal is left as it is too)` : '';
  return new DeckhandError(
    'JOURNAL_LOST',
    `the journal ${file} is empty (0 bytes): its contents were lost (a full disk, a failed restore or a truncation), and with them ` +
      `this host's registration and the record of which hooks ran${wal}. The agent will not start on it: restore it from a backup, ` +
      'or move it away and register this host again (deckhand-agent register gives it a new instance id; deregister the old one on the coordinator)',
  );
}

/** Applies the pragmas and checks the file; throws JOURNAL_CORRUPT when it cannot be trusted. */
function prepare(db: JournalDb, file: string, migrations: readonly string[]): void {
  // WAL: readers never block the single writer, and a crash mid-write cannot corrupt the file.
  db.pragma('journal_mode = WAL');
  // FULL: fsync the WAL on every commit. better-sqlite3 defaults WAL to NORMAL, which may roll
  // back the last commits on power loss, and the journal is what decides "did this hook run".
  db.pragma('synchronous = FULL');
  // The schema has no foreign keys yet; on, so that any added later are enforced from the start.
  db.pragma('foreign_keys = ON');
  // quick_check, not integrity_check: it reads every page and catches the corruption that
  // matters (bad pages, broken b-trees, malformed records) in O(N), while integrity_check also
  // cross-checks every index entry against its row, O(N log N), for every agent start. The
  // journal is small either way; quick_check keeps a start on a large history fast.
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw corrupt(file, `quick_check: ${String(check)}`);
  migrate(db, migrations);
}

/**
 * Opens (creating when absent) the journal file and applies pending migrations.
 * @throws DeckhandError JOURNAL_LOST for an existing empty file, JOURNAL_CORRUPT for a damaged one.
 */
export function openJournalDb(file: string, migrations: readonly string[] = MIGRATIONS): JournalDb {
  if (statSync(file, { throwIfNoEntry: false })?.size === 0) throw lost(file);
  let db: JournalDb;
  try {
    // Made first, so the journal (and its -wal and -shm, which SQLite creates alike) is 0600 from the start.
    createPrivateFile(file);
    // busy timeout: another process (a read-only status CLI) may briefly hold a lock.
    db = openSqlite(file, { timeout: 5000 });
  } catch (err) {
    if (CORRUPT_CODES.has((err as { code?: string }).code ?? '')) throw corrupt(file, (err as Error).message);
    throw err;
  }
  try {
    prepare(db, file, migrations);
    return db;
  } catch (err) {
    db.close();
    if (CORRUPT_CODES.has((err as { code?: string }).code ?? '')) throw corrupt(file, (err as Error).message);
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
