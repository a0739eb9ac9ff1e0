/**
 * Opens the coordinator's SQLite database and brings its schema up to date. Only the SQLite
 * store (this folder) opens one: everything above it goes through store.ts's interface.
 */
import { openSqlite, type SqliteDatabase } from '../../../../common/src/sqlite.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type Db = SqliteDatabase;

/** The store's `PRAGMA synchronous` (README, "Backup, restore and durability"). */
export type Synchronous = 'NORMAL' | 'FULL';

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** @default 'NORMAL' */
  synchronous?: Synchronous;
}

/**
 * Opens (creating if needed) the store at `file`, or in memory for ':memory:'.
 * WAL lets API reads run while the scheduler writes; synchronous=NORMAL is durable across a
 * process crash in WAL mode (only an OS crash or power loss can lose the last commits, never
 * corrupt the file), which is the default trade for a store that agents re-send into; FULL
 * also survives those at the cost of one fsync per commit. Foreign keys catch bugs early.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS, options: OpenOptions = {}): Db {
  const db = openSqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/** Applies every migration newer than the store's `user_version`, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
