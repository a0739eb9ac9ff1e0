/**
 * What an agent signs to prove its identity on the WebSocket upgrade and on bundle downloads.
 * The key pair is Ed25519; the coordinator stores only the public key. Crypto itself happens in
 * each process; this module only fixes the bytes both sides sign and verify.
 */

/** Request headers carrying an agent's signature. */
export const SIGNATURE_HEADERS = {
  instance: 'x-deckhand-instance',
  timestamp: 'x-deckhand-timestamp',
  nonce: 'x-deckhand-nonce',
  signature: 'x-deckhand-signature',
} as const;

/** How far a signed timestamp may be from the coordinator's clock. */
export const SIGNATURE_MAX_SKEW_MS = 5 * 60 * 1000;

/** A nonce: 16 to 64 random bytes, base64url (22 to 86 characters); anything else is refused unread. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{22,86}$/;

/** Fields of one signed request. */
export interface SignedRequest {
  instanceId: string;
  /** Milliseconds since the epoch, as a decimal string. */
  timestamp: string;
  /** At least 16 random bytes, base64url. */
  nonce: string;
  method: string;
  /** Path and query as sent, e.g. `/v1/agent/connect`. */
  path: string;
}

/** The exact bytes that are signed: one field per line, in a fixed order. */
export function signingPayload(req: SignedRequest): Uint8Array {
  return new TextEncoder().encode(
    ['deckhand-v1', req.instanceId, req.timestamp, req.nonce, req.method.toUpperCase(), req.path].join('\n'),
  );
}
