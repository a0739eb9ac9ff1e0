/**
 * API and registration tokens in SQLite (store/tokens.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { hashSecret } from '../secrets.ts';
import type { ApiTokenRow, NewRegistrationToken, RegistrationTokenRow } from '../tokens.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { toRegistrationToken as toRegistrationRow, type RawRegistrationToken } from '../rows/catalog.ts';

/** Stores an admin API token by its hash. */
export function insertApiToken(db: Db, input: { name: string; secret: string; createdAt: string }): ApiTokenRow {
  const row: ApiTokenRow = { tokenId: newId('at'), name: input.name, createdAt: input.createdAt };
  prepared(db, 'INSERT INTO api_tokens (token_id, name, hash, created_at) VALUES (?, ?, ?, ?)').run(
    row.tokenId,
    row.name,
    hashSecret(input.secret),
    row.createdAt,
  );
  return row;
}

/** The API token whose secret is `secret`, if any. */
export function findApiToken(db: Db, secret: string): ApiTokenRow | undefined {
  const raw = prepared(db, 'SELECT token_id, name, created_at FROM api_tokens WHERE hash = ?').get(hashSecret(secret)) as
    | { token_id: string; name: string; created_at: string }
    | undefined;
  return raw && { tokenId: raw.token_id, name: raw.name, createdAt: raw.created_at };
}

/** How many API tokens exist. */
export function countApiTokens(db: Db): number {
  return (prepared(db, 'SELECT COUNT(*) AS n FROM api_tokens').get() as { n: number }).n;
}

const REG_COLUMNS = 'token_id, expires_at, max_uses, uses, tags, created_at';

/** Stores a registration token by its hash. */
export function insertRegistrationToken(db: Db, input: NewRegistrationToken): RegistrationTokenRow {
  const row: RegistrationTokenRow = {
    tokenId: newId('rt'),
    expiresAt: input.expiresAt,
    maxUses: input.maxUses,
    uses: 0,
    tags: input.tags,
    createdAt: input.createdAt,
  };
  prepared(db,
    'INSERT INTO registration_tokens (token_id, hash, expires_at, max_uses, uses, tags, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
  ).run(row.tokenId, hashSecret(input.secret), row.expiresAt, row.maxUses, JSON.stringify(row.tags), row.createdAt);
  return row;
}

/** The registration token whose secret is `secret`, if any. */
export function findRegistrationToken(db: Db, secret: string): RegistrationTokenRow | undefined {
  const raw = prepared(db, `SELECT ${REG_COLUMNS} FROM registration_tokens WHERE hash = ?`).get(hashSecret(secret)) as
    | RawRegistrationToken
    | undefined;
  return raw && toRegistrationRow(raw);
}

/** Every registration token, newest first. */
export function listRegistrationTokens(db: Db): RegistrationTokenRow[] {
  const raws = prepared(db, `SELECT ${REG_COLUMNS} FROM registration_tokens ORDER BY created_at DESC, token_id`)
    .all() as RawRegistrationToken[];
  return raws.map(toRegistrationRow);
}

/** Counts one use of a registration token; call inside the transaction that uses it. */
export function incrementRegistrationTokenUses(db: Db, tokenId: string): void {
  prepared(db, 'UPDATE registration_tokens SET uses = uses + 1 WHERE token_id = ?').run(tokenId);
}
