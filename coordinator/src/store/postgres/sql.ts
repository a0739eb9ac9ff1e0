/**
 * How the PostgreSQL repositories talk to the server: one small interface over a pooled client
 * (a unit of work) or the pool itself (a call of its own). Every statement is sent as a named
 * prepared statement: the server parses and plans it once per connection, which is most of the
 * cost of the short per-event statements.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { DeckhandError } from '../../../../protocol/src/index.ts';

/** A value a statement parameter may take. */
export type Param = string | number | boolean | null | readonly (string | null)[] | readonly number[] | readonly boolean[];

/** Runs statements on one connection (or the pool). */
export interface Sql {
  /** The rows of `text` run with `params`. */
  rows<T>(text: string, params?: readonly Param[]): Promise<T[]>;
  /** The first row, if any. */
  one<T>(text: string, params?: readonly Param[]): Promise<T | undefined>;
  /** How many rows `text` changed. */
  run(text: string, params?: readonly Param[]): Promise<number>;
}

const names = new Map<string, string>();

/** A stable statement name for `text` (the same on every connection). */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `dh_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/** The {@link Sql} of a client or pool. */
export function sqlOf(q: pg.Pool | pg.PoolClient): Sql {
  const query = (text: string, params: readonly Param[] = []): Promise<pg.QueryResult> =>
    q.query({ name: nameOf(text), text, values: params as unknown[] });
  return {
    rows: async <T>(text: string, params?: readonly Param[]) => (await query(text, params)).rows as T[],
    one: async <T>(text: string, params?: readonly Param[]) => (await query(text, params)).rows[0] as T | undefined,
    run: async (text: string, params?: readonly Param[]) => (await query(text, params)).rowCount ?? 0,
  };
}

/** The SQLSTATE of a PostgreSQL error, if `err` is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when PostgreSQL refused a row for a UNIQUE or PRIMARY KEY constraint. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505';
}

/** Runs `insert`, turning a unique violation into CONFLICT with `message`. */
export async function insertUnique<T>(insert: () => Promise<T>, message: string): Promise<T> {
  try {
    return await insert();
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', message, { cause: err });
    throw err;
  }
}

/**
 * An SQL condition limiting `column` to the ids `among`, as parameter `$n` (none when `among`
 * is undefined: the statement stays the plain one, with the plan that suits it).
 */
export function amongClause(column: string, among: readonly string[] | undefined, n: number): { sql: string; args: Param[] } {
  if (among === undefined) return { sql: '', args: [] };
  return { sql: ` AND ${column} = ANY($${n}::text[])`, args: [among] };
}
