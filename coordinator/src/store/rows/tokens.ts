/**
 * Rows of the token tables as both store implementations read them, and their typed form.
 */
import type { Tags } from '../../../../protocol/src/index.ts';
import type { ApiTokenRow, RegistrationTokenRow, TokenRole } from '../tokens.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

/** An `api_tokens` row as stored (without its hash). */
export interface RawApiToken {
  token_id: string;
  name: string;
  role: TokenRole;
  applications: string | null;
  groups: string | null;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

/** The columns of {@link RawApiToken}. */
export const API_COLUMNS = 'token_id, name, role, applications, groups, created_at, created_by, expires_at, revoked_at';

/** An `api_tokens` row as the repository returns it. */
export function toApiRow(raw: RawApiToken): ApiTokenRow {
  const row: ApiTokenRow = {
    tokenId: raw.token_id,
    name: raw.name,
    role: raw.role,
    applications: raw.applications === null ? null : parseJsonColumn<string[]>(raw.applications, 'api_tokens.applications'),
    groups: raw.groups === null ? null : parseJsonColumn<string[]>(raw.groups, 'api_tokens.groups'),
    createdAt: raw.created_at,
  };
  setOptional(row, 'createdBy', raw.created_by);
  setOptional(row, 'expiresAt', raw.expires_at);
  setOptional(row, 'revokedAt', raw.revoked_at);
  return row;
}

/** A `registration_tokens` row as stored (without its hash). */
export interface RawRegistrationToken {
  token_id: string;
  expires_at: string;
  max_uses: number | null;
  uses: number;
  tags: string;
  allow_tag_keys: string;
  created_at: string;
  revoked_at: string | null;
}

/** The columns of {@link RawRegistrationToken}. */
export const REG_COLUMNS = 'token_id, expires_at, max_uses, uses, tags, allow_tag_keys, created_at, revoked_at';

/** A `registration_tokens` row as the repository returns it. */
export function toRegistrationRow(raw: RawRegistrationToken): RegistrationTokenRow {
  const row: RegistrationTokenRow = {
    tokenId: raw.token_id,
    expiresAt: raw.expires_at,
    maxUses: raw.max_uses,
    uses: raw.uses,
    tags: parseJsonColumn<Tags>(raw.tags, 'registration_tokens.tags'),
    allowTagKeys: parseJsonColumn<string[]>(raw.allow_tag_keys, 'registration_tokens.allow_tag_keys'),
    createdAt: raw.created_at,
  };
  setOptional(row, 'revokedAt', raw.revoked_at);
  return row;
}
