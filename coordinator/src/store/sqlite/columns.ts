/**
 * Small helpers of the SQLite repositories; the row helpers shared with PostgreSQL are in
 * ../rows/columns.ts.
 */
export { parseJsonColumn, setOptional } from '../rows/columns.ts';

/** True when `err` is SQLite refusing a row because of a UNIQUE or PRIMARY KEY constraint. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * An SQL condition limiting `column` to the ids `among` (none when `among` is undefined: the
 * statement stays the plain one, which keeps its index use), with its arguments.
 */
export function amongClause(column: string, among: readonly string[] | undefined): { sql: string; args: string[] } {
  if (among === undefined) return { sql: '', args: [] };
  return { sql: ` AND ${column} IN (SELECT value FROM json_each(?))`, args: [JSON.stringify(among)] };
}
