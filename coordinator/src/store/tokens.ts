/**
 * Secrets the coordinator accepts: API tokens (named, with a role and a scope, revocable,
 * expiring) and registration tokens for hosts. Only a keyed hash of a secret is stored
 * (auth/token-hash.ts makes it; the store never sees a secret), so a leaked database does not
 * leak working tokens.
 */
import type { Tags } from '../../../protocol/src/index.ts';

/** The roles of API tokens, least to most. */
export type TokenRole = 'viewer' | 'deployer' | 'operator' | 'admin';

/** One stored API token (the secret itself is never stored). */
export interface ApiTokenRow {
  tokenId: string;
  name: string;
  role: TokenRole;
  /** The applications it may act on; null: every one. */
  applications: string[] | null;
  /** The deployment groups it may act on (within those applications); null: every one. */
  groups: string[] | null;
  createdAt: string;
  createdBy?: string;
  expiresAt?: string;
  revokedAt?: string;
}

/** What a caller supplies to create an API token. */
export interface NewApiToken {
  name: string;
  role: TokenRole;
  applications: string[] | null;
  groups: string[] | null;
  /** The keyed hash of the secret. */
  hash: string;
  createdAt: string;
  createdBy?: string;
  expiresAt?: string;
}

/** One stored registration token (without its hash). */
export interface RegistrationTokenRow {
  tokenId: string;
  expiresAt: string;
  /** null: no limit. */
  maxUses: number | null;
  uses: number;
  tags: Tags;
  /** Tag keys a host may set itself when registering; `*`: any. */
  allowTagKeys: string[];
  createdAt: string;
  revokedAt?: string;
}

/** What a caller supplies to create a registration token. */
export interface NewRegistrationToken {
  /** The keyed hash of the secret. */
  hash: string;
  expiresAt: string;
  maxUses: number | null;
  tags: Tags;
  allowTagKeys: string[];
  createdAt: string;
}

/** Reads and writes API and registration tokens. */
export interface TokenRepository {
  /** Stores an API token; CONFLICT-worthy duplicates (a live token of that name) throw. */
  insertApiToken(input: NewApiToken): Promise<ApiTokenRow>;
  /** The API token stored under one of `hashes` (the same secret hashed each way the store may hold), revoked or not. */
  findApiToken(hashes: readonly string[]): Promise<ApiTokenRow | undefined>;
  /** The live (not revoked) API token named `name`, if any. */
  findLiveApiTokenByName(name: string): Promise<ApiTokenRow | undefined>;
  /** Every API token, revoked ones too, oldest first. */
  listApiTokens(): Promise<ApiTokenRow[]>;
  /** Marks a token revoked at `at`; false when it was not live. */
  revokeApiToken(tokenId: string, at: string): Promise<boolean>;
  /** How many API tokens exist. */
  countApiTokens(): Promise<number>;
  /** Stores a registration token by its hash. */
  insertRegistrationToken(input: NewRegistrationToken): Promise<RegistrationTokenRow>;
  /** The registration token stored under one of `hashes`, if any (revoked ones too). */
  findRegistrationToken(hashes: readonly string[]): Promise<RegistrationTokenRow | undefined>;
  /** Every registration token, newest first. */
  listRegistrationTokens(): Promise<RegistrationTokenRow[]>;
  /** Marks a registration token revoked; false when there is no such live token. */
  revokeRegistrationToken(tokenId: string, at: string): Promise<boolean>;
  /** Counts one use of a registration token; in the unit of work that uses it. */
  countRegistrationTokenUse(tokenId: string): Promise<void>;
}
