/**
 * How token secrets are kept: HMAC-SHA256 keyed with a secret of the coordinator's own, kept
 * outside the store (`<dataDir>/keys/token-hmac.key`, mode 0600, made on first start; or
 * DECKHAND_TOKEN_HMAC_KEY, base64, which several coordinators sharing one database must all be
 * given). A copy of the database alone then lets nobody test a guessed token. A slow hash would
 * add nothing: secrets are 32 random bytes, too many to guess, and a keyed hash keeps lookups
 * by hash possible. Rows stored before this (plain sha256) are still found.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Makes and checks token hashes with one key. */
export interface TokenHasher {
  /** The hash a new token is stored under. */
  hash(secret: string): string;
  /** Every hash an existing token may be stored under (current scheme first). */
  lookup(secret: string): string[];
}

/** A hasher over `key`. */
export function tokenHasher(key: Buffer): TokenHasher {
  const hash = (secret: string): string => createHmac('sha256', key).update(secret, 'utf8').digest('hex');
  return {
    hash,
    lookup: (secret) => [hash(secret), createHash('sha256').update(secret, 'utf8').digest('hex')],
  };
}

/** The key from DECKHAND_TOKEN_HMAC_KEY, else `<dataDir>/keys/token-hmac.key` (made on first use). */
export function loadTokenKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env['DECKHAND_TOKEN_HMAC_KEY'];
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length < 32) throw new Error('DECKHAND_TOKEN_HMAC_KEY must be at least 32 bytes, base64');
    return key;
  }
  const file = path.join(dataDir, 'keys', 'token-hmac.key');
  if (fs.existsSync(file)) return fs.readFileSync(file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // wx: two coordinators starting at once on a shared directory must not each write their own.
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return fs.readFileSync(file);
  }
}
