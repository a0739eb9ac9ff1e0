/**
 * Opens the coordinator's SQLite store only when it is the store that was expected: whole
 * (integrity.ts), and the one the data directory's `store-id` marker names (store-id.ts).
 * Anything else is refused with a {@link StoreRefused} that says what is wrong and how to
 * restore, having changed nothing in the store (a damaged store is copied aside first).
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { inspectStoreFile, type StoreFileInspection } from './integrity.ts';
import { openDatabase, type Synchronous } from './db.ts';
import { MIGRATIONS } from './migrations.ts';
import { ensureStoreId, readStoreIdMarker, storeIdFile, writeStoreIdMarker } from './store-id.ts';
import { SqliteStore } from './store.ts';

/** Options of {@link openGuardedSqliteStore}. */
export interface GuardOptions {
  /** Start on a new or different store although the marker names another one. @default false */
  acceptNewStore?: boolean;
  /** The store's `PRAGMA synchronous`. @default 'NORMAL' */
  synchronous?: Synchronous;
  /**
   * Skip quick_check and foreign_key_check (they read the whole store: about 8 ms per MB here);
   * the store's identity is still checked. @default false
   */
  skipPageCheck?: boolean;
}

/** What the guard did besides opening, for the coordinator's log. */
export interface GuardNotes {
  storeId: string;
  /** The store was created by this start. */
  created: boolean;
  /** A copy of the store taken before its schema was migrated, if one was. */
  preMigrationCopy?: string;
  /** The marker now names another store than before (--accept-new-store). */
  replacedStoreId?: string;
}

/** The store was refused; `message` is the whole explanation, several lines. */
export class StoreRefused extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** What was found wrong: `damaged`, `missing`, `empty` or `replaced`. */
    readonly reason: 'damaged' | 'missing' | 'empty' | 'replaced',
  ) {
    super(message);
    this.name = 'StoreRefused';
  }
}

const RESTORE_HINT = (file: string): string =>
  `To restore the last backup: deckhand-coordinator restore --from BACKUP.db --data-dir ${path.dirname(file)}`;

const ACCEPT_HINT = 'To start with an empty store instead (every deployment, host registration and token of the old one is lost): start with --accept-new-store';

/** The suffix of a copy: the damaged file's own modification time, so a restart loop copies it once. */
function copySuffix(file: string): string {
  return statSync(file).mtime.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Copies the store and its -wal and -shm files to `<name>.damaged-<mtime>`; returns the copies.
 * An empty WAL (the read-only check leaves one) holds nothing, and its -shm index is then of no
 * use either: neither is copied.
 */
export function copyAside(file: string): string[] {
  const suffix = `damaged-${copySuffix(file)}`;
  const copies: string[] = [];
  const walHoldsData = existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0;
  for (const part of walHoldsData ? [file, `${file}-wal`, `${file}-shm`] : [file]) {
    if (!existsSync(part)) continue;
    const copy = `${part}.${suffix}`;
    if (!existsSync(copy)) copyFileSync(part, copy);
    copies.push(copy);
  }
  return copies;
}

function refuseDamaged(file: string, problems: readonly string[]): never {
  const copies = copyAside(file);
  throw new StoreRefused(
    [
      `the coordinator store ${file} is damaged; the coordinator will not start on it. SQLite found:`,
      ...problems.map((p) => `  ${p}`),
      `A copy of it as found was kept: ${copies.join(', ')}`,
      RESTORE_HINT(file),
    ].join('\n'),
    file,
    'damaged',
  );
}

/** Why `found` is not the store the marker names, or undefined when it is (or there is no marker). */
function mismatch(file: string, marker: string | undefined, found: StoreFileInspection | undefined): StoreRefused | undefined {
  if (marker === undefined || found?.storeId === marker) return undefined;
  const was = `${storeIdFile(file)} says store ${marker} lived here`;
  if (found === undefined) {
    return new StoreRefused(`the coordinator store ${file} is missing, but ${was}: it was deleted or moved.\n${RESTORE_HINT(file)}\n${ACCEPT_HINT}`, file, 'missing');
  }
  if (found.storeId === undefined) {
    const what = found.tables === 0 ? 'is empty' : `holds a store without an id (schema version ${found.schemaVersion})`;
    return new StoreRefused(`the coordinator store ${file} ${what}, but ${was}: the file was replaced.\n${RESTORE_HINT(file)}\n${ACCEPT_HINT}`, file, 'empty');
  }
  return new StoreRefused(
    `the coordinator store ${file} is store ${found.storeId}, but ${was}: the file was replaced by another store's.\n` +
      `To move another coordinator's store here, use deckhand-coordinator restore. ${ACCEPT_HINT.replace('an empty store', 'this store')}`,
    file,
    'replaced',
  );
}

/**
 * Copies a store about to be migrated to `<file>.before-v<latest>` (once per target version), so
 * an upgrade that goes wrong can be undone by restoring it. VACUUM INTO reads one snapshot.
 */
function keepPreMigrationCopy(file: string, found: StoreFileInspection): string | undefined {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  if (found.tables === 0 || found.schemaVersion >= latest) return undefined;
  const copy = `${file}.before-v${latest}`;
  if (existsSync(copy)) return copy;
  const db = openDatabase(file, []);
  try {
    db.prepare('VACUUM INTO ?').run(copy);
  } finally {
    db.close();
  }
  return copy;
}

/**
 * Checks the store at `file` and opens it (creating it when neither it nor a marker exists),
 * migrated and with its id recorded in the database and the marker. Throws StoreRefused.
 */
export function openGuardedSqliteStore(file: string, options: GuardOptions = {}): { store: SqliteStore; notes: GuardNotes } {
  const found = existsSync(file) ? inspectStoreFile(file, !options.skipPageCheck) : undefined;
  if (found && found.problems.length > 0) refuseDamaged(file, found.problems);
  const marker = readStoreIdMarker(file);
  const refused = mismatch(file, marker, found);
  if (refused && !options.acceptNewStore) throw refused;
  const preMigrationCopy = found ? keepPreMigrationCopy(file, found) : undefined;
  const db = openDatabase(file, MIGRATIONS, options.synchronous === undefined ? {} : { synchronous: options.synchronous });
  const storeId = ensureStoreId(db);
  if (marker !== storeId) writeStoreIdMarker(file, storeId);
  return {
    store: new SqliteStore(db),
    notes: {
      storeId,
      created: found === undefined || found.tables === 0,
      ...(preMigrationCopy === undefined ? {} : { preMigrationCopy }),
      ...(marker !== undefined && marker !== storeId ? { replacedStoreId: marker } : {}),
    },
  };
}
