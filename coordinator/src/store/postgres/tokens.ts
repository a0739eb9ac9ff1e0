/**
 * API and registration tokens in PostgreSQL (store/tokens.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { toRegistrationToken, type RawRegistrationToken } from '../rows/catalog.ts';
import { hashSecret } from '../secrets.ts';
import type { ApiTokenRow, NewRegistrationToken, RegistrationTokenRow } from '../tokens.ts';
import type { Sql } from './sql.ts';

/** Stores an admin API token by its hash (the one already stored for the same secret, if any). */
export async function insertApiToken(q: Sql, input: { name: string; secret: string; createdAt: string }): Promise<ApiTokenRow> {
  const row: ApiTokenRow = { tokenId: newId('at'), name: input.name, createdAt: input.createdAt };
  // Coordinators starting together may all store DECKHAND_ADMIN_TOKEN: the same secret is the same token.
  const stored = await q.one<{ token_id: string }>(
    `INSERT INTO api_tokens (token_id, name, hash, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hash) DO UPDATE SET hash = EXCLUDED.hash RETURNING token_id`,
    [row.tokenId, row.name, hashSecret(input.secret), row.createdAt],
  );
  return { ...row, tokenId: stored?.token_id ?? row.tokenId };
}

/** The API token whose secret is `secret`, if any. */
export async function findApiToken(q: Sql, secret: string): Promise<ApiTokenRow | undefined> {
  const raw = await q.one<{ token_id: string; name: string; created_at: string }>('SELECT token_id, name, created_at FROM api_tokens WHERE hash = $1', [
    hashSecret(secret),
  ]);
  return raw && { tokenId: raw.token_id, name: raw.name, createdAt: raw.created_at };
}

/** How many API tokens exist. */
export async function countApiTokens(q: Sql): Promise<number> {
  return (await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM api_tokens'))?.n ?? 0;
}

const REG_COLUMNS = 'token_id, expires_at, max_uses, uses, tags, created_at';

/** Stores a registration token by its hash. */
export async function insertRegistrationToken(q: Sql, input: NewRegistrationToken): Promise<RegistrationTokenRow> {
  const row: RegistrationTokenRow = { tokenId: newId('rt'), expiresAt: input.expiresAt, maxUses: input.maxUses, uses: 0, tags: input.tags, createdAt: input.createdAt };
  await q.run(
    'INSERT INTO registration_tokens (token_id, hash, expires_at, max_uses, uses, tags, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6)',
    [row.tokenId, hashSecret(input.secret), row.expiresAt, row.maxUses, JSON.stringify(row.tags), row.createdAt],
  );
  return row;
}

/** The registration token whose secret is `secret`, if any. */
export async function findRegistrationToken(q: Sql, secret: string): Promise<RegistrationTokenRow | undefined> {
  const raw = await q.one<RawRegistrationToken>(`SELECT ${REG_COLUMNS} FROM registration_tokens WHERE hash = $1`, [hashSecret(secret)]);
  return raw && toRegistrationToken(raw);
}

/** Every registration token, newest first. */
export async function listRegistrationTokens(q: Sql): Promise<RegistrationTokenRow[]> {
  return (await q.rows<RawRegistrationToken>(`SELECT ${REG_COLUMNS} FROM registration_tokens ORDER BY created_at DESC, token_id`)).map(toRegistrationToken);
}

/**
 * Counts one use of a registration token; call inside the unit of work that uses it. Two
 * coordinators may register hosts with the same token at once: the count only moves while a use
 * is left (PostgreSQL re-checks the condition once the other's update has committed), and the
 * host that finds none left is refused.
 */
export async function incrementRegistrationTokenUses(q: Sql, tokenId: string): Promise<void> {
  const n = await q.run('UPDATE registration_tokens SET uses = uses + 1 WHERE token_id = $1 AND (max_uses IS NULL OR uses < max_uses)', [tokenId]);
  if (n === 0) throw new DeckhandError('AUTH_FAILED', 'registration token has been used up');
}
