/** Signs requests the coordinator must attribute to this host (WebSocket upgrade, bundle download). */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { SIGNATURE_HEADERS, signingPayload } from '../../../protocol/src/signing.ts';

/** What a signature needs: who we are and the key proving it. */
export interface SigningIdentity {
  instanceId: string;
  privateKey: KeyObject;
}

/**
 * The x-deckhand-* headers for one request. Every call uses a fresh nonce, so a signature is
 * never reused (the coordinator refuses a nonce it has seen).
 * @param path path and query exactly as requested, e.g. `/v1/agent/connect`
 * @param now the timestamp to sign; @default the current time
 */
export function signRequest(
  identity: SigningIdentity,
  method: string,
  path: string,
  now: Date = new Date(),
): Record<string, string> {
  const timestamp = String(now.getTime());
  const nonce = randomBytes(16).toString('base64url');
  const payload = signingPayload({ instanceId: identity.instanceId, timestamp, nonce, method, path });
  return {
    [SIGNATURE_HEADERS.instance]: identity.instanceId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: sign(null, payload, identity.privateKey).toString('base64'),
  };
}
