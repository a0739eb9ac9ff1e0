/**
 * Checks the coordinator's signature on every frame that makes the agent act (a deploy, a stop,
 * a preflight, the welcome that names the coordinator's current keys), against the keys the agent
 * received at registration over the pinned channel and learned since from signed welcomes.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { frameSigningPayload, type FrameSignature, type SignedFrameFields } from '../../../protocol/src/command-signing.ts';
import type { CoordinatorKey } from '../journal/types.ts';

/** The outcome of {@link FrameVerifier.verify}. */
export type FrameCheck = { ok: true; keyId: string } | { ok: false; reason: string };

/** Verifies signed frames for one agent (`instanceId`) against a set of trusted keys. */
export class FrameVerifier {
  private keys = new Map<string, KeyObject>();

  constructor(
    private readonly instanceId: string,
    keys: readonly CoordinatorKey[],
  ) {
    this.setKeys(keys);
  }

  /** True when the agent knows at least one coordinator key (registered with command signing). */
  get hasKeys(): boolean {
    return this.keys.size > 0;
  }

  /** Replaces the trusted keys (after a signed welcome listed the current ones). */
  setKeys(keys: readonly CoordinatorKey[]): void {
    const next = new Map<string, KeyObject>();
    for (const k of keys) {
      try {
        next.set(k.keyId, createPublicKey(k.publicKey));
      } catch {
        // A key that does not parse cannot verify anything; the others still can.
      }
    }
    this.keys = next;
  }

  /** Accepts `frame` when one of `sigs` is a valid signature by a trusted key, for this agent. */
  verify(frame: SignedFrameFields, sigs: readonly FrameSignature[] | undefined): FrameCheck {
    if (sigs === undefined || sigs.length === 0) return { ok: false, reason: `${frame.type} ${frame.id} carries no signature` };
    const payload = frameSigningPayload(this.instanceId, frame);
    const known = sigs.filter((s) => this.keys.has(s.keyId));
    if (known.length === 0) {
      return { ok: false, reason: `${frame.type} ${frame.id} is signed with ${sigs.map((s) => s.keyId).join(', ')}, none of which this agent trusts (${[...this.keys.keys()].join(', ') || 'none'})` };
    }
    for (const s of known) {
      if (verify(null, payload, this.keys.get(s.keyId)!, Buffer.from(s.value, 'base64'))) return { ok: true, keyId: s.keyId };
    }
    return { ok: false, reason: `${frame.type} ${frame.id} has a signature by ${known.map((s) => s.keyId).join(', ')} that does not verify: it was altered, or was signed for another host` };
  }
}
