/**
 * API and registration tokens in PostgreSQL (store/tokens.ts has the repository's contract). The
 * store keeps hashes only; auth/token-hash.ts makes them.
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { API_COLUMNS, REG_COLUMNS, toApiRow, toRegistrationRow, type RawApiToken, type RawRegistrationToken } from '../rows/tokens.ts';
import type { ApiTokenRow, NewApiToken, NewRegistrationToken, RegistrationTokenRow } from '../tokens.ts';
import type { Sql } from './sql.ts';

/**
 * Stores an API token by its hash. Coordinators starting together may all store
 * DECKHAND_ADMIN_TOKEN: the same hash is the same token, whichever stored it first.
 */
export async function insertApiToken(q: Sql, input: NewApiToken): Promise<ApiTokenRow> {
  const raw = await q.one<RawApiToken>(
    `INSERT INTO api_tokens AS a (token_id, name, hash, role, applications, groups, created_at, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (hash) DO UPDATE SET hash = a.hash RETURNING ${API_COLUMNS}`,
    [
      newId('at'),
      input.name,
      input.hash,
      input.role,
      input.applications === null ? null : JSON.stringify(input.applications),
      input.groups === null ? null : JSON.stringify(input.groups),
      input.createdAt,
      input.createdBy ?? null,
      input.expiresAt ?? null,
    ],
  );
  if (!raw) throw new DeckhandError('INTERNAL', 'the API token was not stored');
  return toApiRow(raw);
}

/** The API token stored under one of `hashes`, revoked or not (the first hash first). */
export async function findApiToken(q: Sql, hashes: readonly string[]): Promise<ApiTokenRow | undefined> {
  for (const hash of hashes) {
    const raw = await q.one<RawApiToken>(`SELECT ${API_COLUMNS} FROM api_tokens WHERE hash = $1`, [hash]);
    if (raw) return toApiRow(raw);
  }
  return undefined;
}

/** The live API token named `name`, if any. */
export async function findLiveApiTokenByName(q: Sql, name: string): Promise<ApiTokenRow | undefined> {
  const raw = await q.one<RawApiToken>(`SELECT ${API_COLUMNS} FROM api_tokens WHERE name = $1 AND revoked_at IS NULL`, [name]);
  return raw && toApiRow(raw);
}

/** Every API token, oldest first. */
export async function listApiTokens(q: Sql): Promise<ApiTokenRow[]> {
  return (await q.rows<RawApiToken>(`SELECT ${API_COLUMNS} FROM api_tokens ORDER BY created_at, token_id`)).map(toApiRow);
}

/** Marks a token revoked; false when it was not live. */
export async function revokeApiToken(q: Sql, tokenId: string, at: string): Promise<boolean> {
  return (await q.run('UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL', [at, tokenId])) === 1;
}

/** How many API tokens exist. */
export async function countApiTokens(q: Sql): Promise<number> {
  return (await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM api_tokens'))?.n ?? 0;
}

/** Stores a registration token by its hash. */
export async function insertRegistrationToken(q: Sql, input: NewRegistrationToken): Promise<RegistrationTokenRow> {
  const row: RegistrationTokenRow = {
    tokenId: newId('rt'),
    expiresAt: input.expiresAt,
    maxUses: input.maxUses,
    uses: 0,
    tags: input.tags,
    allowTagKeys: input.allowTagKeys,
    createdAt: input.createdAt,
  };
  await q.run(
    'INSERT INTO registration_tokens (token_id, hash, expires_at, max_uses, uses, tags, allow_tag_keys, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)',
    [row.tokenId, input.hash, row.expiresAt, row.maxUses, JSON.stringify(row.tags), JSON.stringify(row.allowTagKeys), row.createdAt],
  );
  return row;
}

/** The registration token stored under one of `hashes`, if any. */
export async function findRegistrationToken(q: Sql, hashes: readonly string[]): Promise<RegistrationTokenRow | undefined> {
  for (const hash of hashes) {
    const raw = await q.one<RawRegistrationToken>(`SELECT ${REG_COLUMNS} FROM registration_tokens WHERE hash = $1`, [hash]);
    if (raw) return toRegistrationRow(raw);
  }
  return undefined;
}

/** Every registration token, newest first. */
export async function listRegistrationTokens(q: Sql): Promise<RegistrationTokenRow[]> {
  return (await q.rows<RawRegistrationToken>(`SELECT ${REG_COLUMNS} FROM registration_tokens ORDER BY created_at DESC, token_id`)).map(toRegistrationRow);
}

/** Marks a registration token revoked; false when there is no such live token. */
export async function revokeRegistrationToken(q: Sql, tokenId: string, at: string): Promise<boolean> {
  return (await q.run('UPDATE registration_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL', [at, tokenId])) === 1;
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
