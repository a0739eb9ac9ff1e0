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
