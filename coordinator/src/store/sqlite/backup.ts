/**
 * Online backup and restore of the coordinator's SQLite store. A backup reads one consistent
 * snapshot while the coordinator keeps writing (WAL), is checked with quick_check and lands
 * under its name only when whole (written aside, synced, renamed). A restore refuses while
 * anything has the store open and keeps the store it replaces.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { openSqlite, type SqliteDatabase } from '../../../../common/src/sqlite.ts';
import { describeSqliteError, inspectStoreFile, integrityProblems } from './integrity.ts';
import { storeInUse } from './in-use.ts';
import { MIGRATIONS } from './migrations.ts';
import { ensureStoreId, writeStoreIdMarker } from './store-id.ts';

/** A store operation refused or failed; the message says why and nothing was changed. */
export class StoreCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreCommandError';
  }
}

/** Rows of the tables an operator recognises a store by. */
export type StoreCounts = Record<'applications' | 'deployment_groups' | 'revisions' | 'instances' | 'deployments' | 'target_events', number>;

/** What a finished backup or restore holds. */
export interface StoreCopy {
  file: string;
  bytes: number;
  storeId: string;
  schemaVersion: number;
  counts: StoreCounts;
}

const COUNTED = ['applications', 'deployment_groups', 'revisions', 'instances', 'deployments', 'target_events'] as const;

function counts(db: SqliteDatabase): StoreCounts {
  const out = {} as StoreCounts;
  for (const table of COUNTED) out[table] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return out;
}

/** fsync of a file or folder, so a rename that follows publishes what is on disk. */
function sync(target: string): void {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the database `source` (with what its WAL holds) into the new file `tmp` in one step
 * (one read transaction: one snapshot, never restarted by the coordinator's writes), makes the
 * copy a self-contained file (rollback journal, no -wal beside it), checks it and gives it a
 * store id if it has none.
 */
async function copyChecked(source: string, tmp: string): Promise<Omit<StoreCopy, 'file'>> {
  const src = openSqlite(source, { readonly: true, fileMustExist: true });
  try {
    await src.backup(tmp, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
  const copy = openSqlite(tmp, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = integrityProblems(copy);
    if (problems.length > 0) throw new StoreCommandError(`the copy of ${source} does not pass quick_check: ${problems.join('; ')}`);
    const storeId = ensureStoreId(copy);
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    return { storeId, schemaVersion, counts: counts(copy), bytes: 0 };
  } finally {
    copy.close();
  }
}

/** Moves `tmp` to `target` durably and returns its size. */
function publish(tmp: string, target: string): number {
  sync(tmp);
  renameSync(tmp, target);
  sync(path.dirname(target));
  return statSync(target).size;
}

/** Runs `work` on the temporary file `tmp`, which is removed when `work` fails. */
async function withTemp<T>(tmp: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    for (const part of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(part, { force: true });
    if (err instanceof StoreCommandError) throw err;
    throw new StoreCommandError(describeSqliteError(err));
  }
}

/**
 * `deckhand-coordinator backup`: an online copy of the store `file` at `to`, which must not
 * exist yet (a backup never overwrites one). Works while the coordinator runs.
 */
export async function backupStore(file: string, to: string): Promise<StoreCopy> {
  if (!existsSync(file)) throw new StoreCommandError(`no coordinator store at ${file}`);
  const target = path.resolve(to);
  if (existsSync(target)) throw new StoreCommandError(`${target} already exists: a backup never overwrites a file; choose a new name`);
  if (!existsSync(path.dirname(target))) throw new StoreCommandError(`the folder ${path.dirname(target)} does not exist`);
  const tmp = `${target}.tmp-${process.pid}`;
  return withTemp(tmp, async () => {
    const copy = await copyChecked(file, tmp);
    return { ...copy, file: target, bytes: publish(tmp, target) };
  });
}

/** Renames the store `file` and its -wal and -shm to `<name>.replaced-<now>`; returns the new names. */
function keepReplaced(file: string, now: Date): string[] {
  const suffix = `replaced-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  const kept: string[] = [];
  for (const part of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(part)) continue;
    renameSync(part, `${part}.${suffix}`);
    kept.push(`${part}.${suffix}`);
  }
  return kept;
}

/** Why the backup `from` cannot be restored, checked before anything changes. */
function checkBackup(from: string): void {
  if (!existsSync(from)) throw new StoreCommandError(`no backup at ${from}`);
  const found = inspectStoreFile(from);
  if (found.problems.length > 0) throw new StoreCommandError(`the backup ${from} is damaged: ${found.problems.join('; ')}`);
  if (found.tables === 0 || found.schemaVersion === 0) throw new StoreCommandError(`${from} is not a coordinator store backup: it holds no schema`);
  const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  if (found.schemaVersion > latest) {
    throw new StoreCommandError(`the backup ${from} has schema version ${found.schemaVersion}, newer than this build's ${latest}: restore it with the Deckhand that made it`);
  }
}

/**
 * `deckhand-coordinator restore`: puts the backup `from` in place of the store `file`, keeping
 * the replaced store (renamed, with its WAL) and pointing the store-id marker at the restored
 * store. Refuses while anything has the store open.
 */
export async function restoreStore(from: string, file: string, now = new Date()): Promise<StoreCopy & { replaced: string[] }> {
  checkBackup(from);
  if (existsSync(file) && storeInUse(file)) {
    throw new StoreCommandError(`${file} is open in another process (a running coordinator?): stop the coordinator, then restore`);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.restore-${process.pid}`;
  return withTemp(tmp, async () => {
    const copy = await copyChecked(from, tmp);
    const replaced = keepReplaced(file, now);
    const bytes = publish(tmp, file);
    writeStoreIdMarker(file, copy.storeId);
    return { ...copy, file, bytes, replaced };
  });
}
