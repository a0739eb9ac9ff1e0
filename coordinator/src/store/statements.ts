/**
 * Prepared statements and the transaction wrapper, cached per database: preparing costs more
 * than running the hot per-event queries, and a better-sqlite3 statement can be run again and
 * again.
 */
import type { SqliteStatement } from '../../../common/src/sqlite.ts';
import type { Db } from './db.ts';

const caches = new WeakMap<Db, Map<string, SqliteStatement>>();

/** The statement for `sql` on `db`, prepared on first use. */
export function prepared(db: Db, sql: string): SqliteStatement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

type RunIn = <T>(work: () => T) => T;

const transactions = new WeakMap<Db, RunIn>();

/**
 * Runs `work` in a transaction of `db` (a savepoint when one is already open): commits when it
 * returns, rolls back when it throws. The better-sqlite3 wrapper is made once per database, since
 * `db.transaction(fn)` builds several functions per call and showed up at 14% of the
 * coordinator's CPU at 10,000 hosts when made per event.
 */
export function inTransaction<T>(db: Db, work: () => T): T {
  let run = transactions.get(db);
  if (!run) {
    run = db.transaction((w: () => unknown) => w()) as unknown as RunIn;
    transactions.set(db, run);
  }
  return run(work);
}

/**
 * Runs `work` as part of the transaction already open on `db`, or in a transaction of its own
 * when none is: a throw then undoes whatever the caller's transaction (or savepoint) undoes.
 * Saves a savepoint per call where the caller always holds one around this work alone.
 */
export function joinTransaction<T>(db: Db, work: () => T): T {
  return db.inTransaction ? work() : inTransaction(db, work);
}
