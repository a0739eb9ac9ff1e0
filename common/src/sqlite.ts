/**
 * The one place that loads better-sqlite3, choosing the build that is safe on the running
 * Node.js:
 *
 * - Node.js 22 and later: better-sqlite3 13 (package alias `better-sqlite3-napi`), built on
 *   Node-API. Version 12 derives its objects from node::ObjectWrap, whose destructor aborts the
 *   process on Node.js 24.19 and later when a garbage-collected Statement is finalised outside a
 *   JavaScript context (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook):
 *   at exit, and at arbitrary moments of a long-running process (WiseLibs/better-sqlite3#1515,
 *   nodejs/node#63642).
 * - Node.js 20: better-sqlite3 12, since 13 requires Node.js 22 and crashes on 20.
 *
 * Both have the same API; the types are version 12's.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** An open database connection. */
export type SqliteDatabase = BetterSqlite3.Database;
/** A prepared statement. */
export type SqliteStatement<P extends unknown[] | {} = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
/** Options of {@link openSqlite}. */
export type SqliteOptions = BetterSqlite3.Options;

/** The package that is safe on Node.js `major`. */
export function sqlitePackageFor(major: number): 'better-sqlite3-napi' | 'better-sqlite3' {
  return major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
}

// Not `require`: bundles of the binaries keep this call as it is, resolved at run time.
const load = createRequire(import.meta.url);
let constructor: typeof BetterSqlite3 | undefined;

/** The Database class of the package chosen for this Node.js. */
export function sqliteDriver(): typeof BetterSqlite3 {
  constructor ??= load(sqlitePackageFor(Number(process.versions.node.split('.')[0]))) as typeof BetterSqlite3;
  return constructor;
}

/** Opens (creating if needed) the SQLite database at `file`, or in memory for `:memory:`. */
export function openSqlite(file: string, options?: SqliteOptions): SqliteDatabase {
  const Database = sqliteDriver();
  return new Database(file, options);
}
