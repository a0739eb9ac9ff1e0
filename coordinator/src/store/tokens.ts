/**
 * Secrets the coordinator accepts: admin API tokens and one-time (or n-time) registration
 * tokens. Only a hash of a secret is stored (secrets.ts), so a leaked database does not leak
 * working tokens.
 */
import type { Tags } from '../../../protocol/src/index.ts';

/** One stored API token (the secret itself is never stored). */
export interface ApiTokenRow {
  tokenId: string;
  name: string;
  createdAt: string;
}

/** One stored registration token (without its hash). */
export interface RegistrationTokenRow {
  tokenId: string;
  expiresAt: string;
  /** null: no limit. */
  maxUses: number | null;
  uses: number;
  tags: Tags;
  createdAt: string;
}

/** What a caller supplies to create a registration token. */
export interface NewRegistrationToken {
  secret: string;
  expiresAt: string;
  maxUses: number | null;
  tags: Tags;
  createdAt: string;
}

/** Reads and writes API and registration tokens. */
export interface TokenRepository {
  /** Stores an admin API token by its hash. */
  insertApiToken(input: { name: string; secret: string; createdAt: string }): Promise<ApiTokenRow>;
  /** The API token whose secret is `secret`, if any. */
  findApiToken(secret: string): Promise<ApiTokenRow | undefined>;
  /** How many API tokens exist. */
  countApiTokens(): Promise<number>;
  /** Stores a registration token by its hash. */
  insertRegistrationToken(input: NewRegistrationToken): Promise<RegistrationTokenRow>;
  /** The registration token whose secret is `secret`, if any. */
  findRegistrationToken(secret: string): Promise<RegistrationTokenRow | undefined>;
  /** Every registration token, newest first. */
  listRegistrationTokens(): Promise<RegistrationTokenRow[]>;
  /** Counts one use of a registration token; in the unit of work that uses it. */
  countRegistrationTokenUse(tokenId: string): Promise<void>;
}
