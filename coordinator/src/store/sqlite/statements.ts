/**
 * Prepared statements, cached per database: preparing costs more than running the hot
 * per-event queries, and a better-sqlite3 statement can be run again and again.
 */
import type { SqliteStatement } from '../../../../common/src/sqlite.ts';
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
