/**
 * Small helpers shared by every store implementation for turning stored rows into typed,
 * camelCase rows. Both engines keep the same columns (ISO-8601 text times, JSON text, 0/1
 * flags), so one set of row mappers (this folder) serves both.
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
