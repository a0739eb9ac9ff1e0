/**
 * API and registration tokens in SQLite (store/tokens.ts has the repository's contract). The
 * store keeps hashes only; auth/token-hash.ts makes them.
 */
import { newId } from '../../../../common/src/ids.ts';
import type { ApiTokenRow, NewApiToken, NewRegistrationToken, RegistrationTokenRow } from '../tokens.ts';
import { API_COLUMNS, REG_COLUMNS, toApiRow, toRegistrationRow, type RawApiToken, type RawRegistrationToken } from '../rows/tokens.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

/** Stores an API token by its hash. */
export function insertApiToken(db: Db, input: NewApiToken): ApiTokenRow {
  const tokenId = newId('at');
  prepared(db,
    `INSERT INTO api_tokens (token_id, name, hash, role, applications, groups, created_at, created_by, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    tokenId,
    input.name,
    input.hash,
    input.role,
    input.applications === null ? null : JSON.stringify(input.applications),
    input.groups === null ? null : JSON.stringify(input.groups),
    input.createdAt,
    input.createdBy ?? null,
    input.expiresAt ?? null,
  );
  return getApiToken(db, tokenId)!;
}

function getApiToken(db: Db, tokenId: string): ApiTokenRow | undefined {
  const raw = prepared(db, `SELECT ${API_COLUMNS} FROM api_tokens WHERE token_id = ?`).get(tokenId) as RawApiToken | undefined;
  return raw && toApiRow(raw);
}

/** The API token stored under one of `hashes`, revoked or not. */
export function findApiToken(db: Db, hashes: readonly string[]): ApiTokenRow | undefined {
  for (const hash of hashes) {
    const raw = prepared(db, `SELECT ${API_COLUMNS} FROM api_tokens WHERE hash = ?`).get(hash) as RawApiToken | undefined;
    if (raw) return toApiRow(raw);
  }
  return undefined;
}

/** The live API token named `name`, if any. */
export function findLiveApiTokenByName(db: Db, name: string): ApiTokenRow | undefined {
  const raw = prepared(db, `SELECT ${API_COLUMNS} FROM api_tokens WHERE name = ? AND revoked_at IS NULL`).get(name) as RawApiToken | undefined;
  return raw && toApiRow(raw);
}

/** Every API token, oldest first. */
export function listApiTokens(db: Db): ApiTokenRow[] {
  return (prepared(db, `SELECT ${API_COLUMNS} FROM api_tokens ORDER BY created_at, token_id`).all() as RawApiToken[]).map(toApiRow);
}

/** Marks a token revoked; false when it was not live. */
export function revokeApiToken(db: Db, tokenId: string, at: string): boolean {
  return prepared(db, 'UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL').run(at, tokenId).changes === 1;
}

/** How many API tokens exist. */
export function countApiTokens(db: Db): number {
  return (prepared(db, 'SELECT COUNT(*) AS n FROM api_tokens').get() as { n: number }).n;
}

/** Stores a registration token by its hash. */
export function insertRegistrationToken(db: Db, input: NewRegistrationToken): RegistrationTokenRow {
  const row: RegistrationTokenRow = {
    tokenId: newId('rt'),
    expiresAt: input.expiresAt,
    maxUses: input.maxUses,
    uses: 0,
    tags: input.tags,
    allowTagKeys: input.allowTagKeys,
    createdAt: input.createdAt,
  };
  prepared(db,
    'INSERT INTO registration_tokens (token_id, hash, expires_at, max_uses, uses, tags, allow_tag_keys, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
  ).run(row.tokenId, input.hash, row.expiresAt, row.maxUses, JSON.stringify(row.tags), JSON.stringify(row.allowTagKeys), row.createdAt);
  return row;
}

/** The registration token stored under one of `hashes`, if any. */
export function findRegistrationToken(db: Db, hashes: readonly string[]): RegistrationTokenRow | undefined {
  for (const hash of hashes) {
    const raw = prepared(db, `SELECT ${REG_COLUMNS} FROM registration_tokens WHERE hash = ?`).get(hash) as RawRegistrationToken | undefined;
    if (raw) return toRegistrationRow(raw);
  }
  return undefined;
}

/** Every registration token, newest first. */
export function listRegistrationTokens(db: Db): RegistrationTokenRow[] {
  const raws = prepared(db, `SELECT ${REG_COLUMNS} FROM registration_tokens ORDER BY created_at DESC, token_id`).all() as RawRegistrationToken[];
  return raws.map(toRegistrationRow);
}

/** Marks a registration token revoked; false when there is no such live token. */
export function revokeRegistrationToken(db: Db, tokenId: string, at: string): boolean {
  return prepared(db, 'UPDATE registration_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL').run(at, tokenId).changes === 1;
}

/** Counts one use of a registration token; call inside the transaction that uses it. */
export function incrementRegistrationTokenUses(db: Db, tokenId: string): void {
  prepared(db, 'UPDATE registration_tokens SET uses = uses + 1 WHERE token_id = ?').run(tokenId);
}
