/**
 * How a token's secret is kept: only its sha256, the same in every store implementation, so a
 * leaked database holds no working token.
 */
import { createHash } from 'node:crypto';

/** The sha256 hex of a secret, as stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
