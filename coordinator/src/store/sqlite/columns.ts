/**
 * Small helpers shared by the repositories for turning SQLite rows into typed, camelCase rows.
 */
import { DeckhandError } from '../../../../protocol/src/index.ts';

/** Copies `value` onto `target[key]` unless it is NULL, so optional fields stay absent. */
export function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null | undefined): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/** Parses a JSON column written by this store; a bad value means a corrupt store. */
export function parseJsonColumn<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DeckhandError('INTERNAL', `corrupt JSON in column ${column}`, { cause: err });
  }
}

/** True when `err` is SQLite refusing a row because of a UNIQUE or PRIMARY KEY constraint. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
