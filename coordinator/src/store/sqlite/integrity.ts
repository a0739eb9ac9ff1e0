/**
 * Whether a coordinator store file is whole: SQLite's own checks, run read-only so that looking
 * at a damaged store changes nothing in it.
 */
import { openSqlite, type SqliteDatabase } from '../../../../common/src/sqlite.ts';
import { readStoreIdRow } from './store-id.ts';

/** How many problems a check reports at most: the first few say what is wrong. */
export const MAX_PROBLEMS = 10;

/**
 * The problems SQLite finds in the open database `db`: `PRAGMA quick_check` (every page and
 * record is well formed; it skips only the index-content comparison of integrity_check, so it
 * runs in about the time of reading the file once) and `PRAGMA foreign_key_check` (every
 * reference resolves, which a torn page can break while every page still looks well formed).
 * An empty list means the store is whole. SQLite answers some damage by refusing to read at
 * all (SQLITE_CORRUPT, SQLITE_NOTADB): that is reported as the one problem.
 */
export function integrityProblems(db: SqliteDatabase, max = MAX_PROBLEMS): string[] {
  try {
    const quick = (db.pragma(`quick_check(${max})`) as { quick_check: string }[])
      .flatMap((row) => row.quick_check.split('\n'))
      .filter((line) => line !== 'ok' && !line.startsWith('*** in database'));
    if (quick.length > 0) return quick.slice(0, max);
    const orphans = db.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[];
    return orphans.slice(0, max).map((o) => `row ${o.rowid ?? '?'} of ${o.table} refers to a missing row of ${o.parent}`);
  } catch (err) {
    return [describeSqliteError(err)];
  }
}

/** `SQLITE_CORRUPT: database disk image is malformed`, or the message of a non-SQLite error. */
export function describeSqliteError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

/** What {@link inspectStoreFile} learns about a store file. */
export interface StoreFileInspection {
  /** The problems found; empty when the store is whole. */
  problems: string[];
  /** The store's schema version (`PRAGMA user_version`); 0 for an empty or new file. */
  schemaVersion: number;
  /** The number of tables in the store; 0 for an empty file. */
  tables: number;
  /** The store id recorded in it (store-id.ts), when it has one. */
  storeId?: string;
}

/**
 * Opens `file` read-only and checks it (with `checkPages` false, only what it is: the schema
 * version, tables and store id). A read-only connection never checkpoints the WAL into the
 * database nor deletes it at close, so neither file changes (SQLite may rebuild the -shm index,
 * which holds no data).
 */
export function inspectStoreFile(file: string, checkPages = true): StoreFileInspection {
  let db: SqliteDatabase;
  try {
    db = openSqlite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { problems: [describeSqliteError(err)], schemaVersion: 0, tables: 0 };
  }
  try {
    const problems = checkPages ? integrityProblems(db) : [];
    if (problems.length > 0) return { problems, schemaVersion: 0, tables: 0 };
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
    const storeId = readStoreIdRow(db);
    return { problems: [], schemaVersion, tables, ...(storeId === undefined ? {} : { storeId }) };
  } catch (err) {
    return { problems: [describeSqliteError(err)], schemaVersion: 0, tables: 0 };
  } finally {
    db.close();
  }
}
