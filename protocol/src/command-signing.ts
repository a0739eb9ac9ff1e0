/**
 * What the coordinator signs so that an agent can verify every frame that makes it act, whoever
 * relayed it (a TLS-terminating proxy, a load balancer): the frame's type, id and time, the
 * instance it is meant for, and its body in a canonical JSON form. The keys are Ed25519; each
 * process does the crypto itself, this module only fixes the bytes both sides sign and verify.
 */

/** Coordinator frames that carry signatures and that an agent refuses without a valid one. */
export const SIGNED_COORD_FRAMES = ['coord.welcome', 'coord.command', 'coord.cancel', 'coord.preflight', 'coord.traffic.result', 'coord.traffic.apply'] as const;

/** One signature on a frame: the signing key's id and the Ed25519 signature, base64. */
export interface FrameSignature {
  keyId: string;
  value: string;
}

/** The fields of a frame that a signature covers. */
export interface SignedFrameFields {
  type: string;
  id: string;
  ts: string;
  body: unknown;
}

/** True for a frame type an agent acts on only with a valid signature. */
export function isSignedCoordFrame(type: string): boolean {
  return (SIGNED_COORD_FRAMES as readonly string[]).includes(type);
}

/**
 * JSON with object keys sorted at every level and no insignificant space, so that signer and
 * verifier serialise the same value to the same text whatever order keys arrived in. Only the
 * JSON types (and undefined members, which are left out as JSON.stringify does).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot sign a ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The exact bytes signed for `frame` sent to `instanceId`: one field per line, then the body. */
export function frameSigningPayload(instanceId: string, frame: SignedFrameFields): Uint8Array {
  return new TextEncoder().encode(['deckhand-frame-v1', instanceId, frame.type, frame.id, frame.ts, canonicalJson(frame.body)].join('\n'));
}
