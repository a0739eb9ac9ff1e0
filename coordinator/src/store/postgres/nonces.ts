/**
 * Used nonces in PostgreSQL (store/nonces.ts has the repository's contract): one table for every
 * coordinator of the store, so a nonce one of them accepted is refused by all.
 */
import type { Sql } from './sql.ts';

/** Records `nonce` unless it is recorded and not expired; false for a replay. */
export async function useNonce(q: Sql, nonce: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
  // An expired row of the same nonce is taken over; a live one makes the insert change nothing.
  const n = await q.run(
    `INSERT INTO used_nonces AS u (nonce, expires_at) VALUES ($1, $2)
     ON CONFLICT (nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE u.expires_at <= $3`,
    [nonce, expiresAtMs, nowMs],
  );
  return n === 1;
}

/** Deletes expired nonces; returns how many. */
export async function pruneNonces(q: Sql, nowMs: number): Promise<number> {
  return q.run('DELETE FROM used_nonces WHERE expires_at <= $1', [nowMs]);
}
