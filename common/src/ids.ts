import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A new identifier such as `d-7KQ2M9XAPR`: a short prefix naming the kind of object and ten
 * characters from an alphabet without look-alikes (no 0/O, 1/I), 50 bits of randomness.
 */
export function newId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}-${out}`;
}

/** A secret token: 32 random bytes, base64url, with a readable prefix naming its kind. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
