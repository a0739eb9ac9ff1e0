/**
 * Used nonces in SQLite (store/nonces.ts has the repository's contract).
 */
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

/** Records `nonce` unless it is recorded and not expired; false for a replay. */
export function useNonce(db: Db, nonce: string, expiresAtMs: number, nowMs: number): boolean {
  // An expired row of the same nonce is taken over; a live one makes the insert change nothing.
  const changes = prepared(db,
    `INSERT INTO used_nonces (nonce, expires_at) VALUES (?, ?)
     ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE used_nonces.expires_at <= ?`,
  ).run(nonce, expiresAtMs, nowMs).changes;
  return changes === 1;
}

/** Deletes expired nonces; returns how many. */
export function pruneNonces(db: Db, nowMs: number): number {
  return prepared(db, 'DELETE FROM used_nonces WHERE expires_at <= ?').run(nowMs).changes;
}
