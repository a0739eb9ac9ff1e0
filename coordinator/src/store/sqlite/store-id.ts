/**
 * The store's identity: a random id kept both inside the database (table store_meta) and in a
 * small file beside it (`store-id`). When the two disagree, or the file names a store and the
 * database is gone or empty, the database was replaced or lost: the coordinator refuses to start
 * on it instead of carrying on with an empty store while the fleet still holds its history.
 *
 * store_meta is made here, not by a numbered migration: it is the guard's own record, present in
 * every store the guard has opened, whatever the schema version (and it keeps the migration
 * numbers free for the schema).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newId } from '../../../../common/src/ids.ts';
import type { SqliteDatabase } from '../../../../common/src/sqlite.ts';

/** The table that holds the store's id. */
const STORE_META_TABLE = 'store_meta';

/** The marker file's name, in the store's folder. */
export const STORE_ID_FILE = 'store-id';

/** The marker file beside the store `file`. */
export function storeIdFile(file: string): string {
  return path.join(path.dirname(file), STORE_ID_FILE);
}

/** The store id recorded in `db`, if any. */
export function readStoreIdRow(db: SqliteDatabase): string | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(STORE_META_TABLE);
  if (table === undefined) return undefined;
  const row = db.prepare(`SELECT value FROM ${STORE_META_TABLE} WHERE key = 'store_id'`).get() as { value: string } | undefined;
  return row?.value;
}

/** The id of the store in `db`, given it one first if it has none. */
export function ensureStoreId(db: SqliteDatabase): string {
  const known = readStoreIdRow(db);
  if (known !== undefined) return known;
  const id = newId('st', 16);
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${STORE_META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    db.prepare(`INSERT INTO ${STORE_META_TABLE} (key, value) VALUES ('store_id', ?)`).run(id);
  })();
  return id;
}

/** The id the marker beside `file` names, or undefined when there is no marker. */
export function readStoreIdMarker(file: string): string | undefined {
  const marker = storeIdFile(file);
  if (!existsSync(marker)) return undefined;
  return readFileSync(marker, 'utf8').trim();
}

/** Writes the marker beside `file` (aside, then renamed: a reader never sees half of it). */
export function writeStoreIdMarker(file: string, id: string): void {
  const marker = storeIdFile(file);
  writeFileSync(`${marker}.tmp`, `${id}\n`);
  renameSync(`${marker}.tmp`, marker);
}
