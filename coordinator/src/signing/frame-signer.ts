/**
 * Signs the coordinator frames that make an agent act (command-signing.ts) for the hub, with the
 * key ring: the newest key, or every published key on the welcome, which also lists them, so an
 * agent that knows only an older key still learns the new ones.
 */
import { frameSigningPayload, isSignedCoordFrame, type FrameSignature, type SignedFrameFields } from '../../../protocol/src/command-signing.ts';
import type { KeyRing, PublishedKey } from './keyring.ts';

/** What the hub needs to sign frames. */
export interface FrameSigner {
  /** The signatures for `frame` sent to `instanceId`; none for frames that need no signature. */
  sign(instanceId: string, frame: SignedFrameFields): FrameSignature[] | undefined;
  /** The keys agents should trust now (sent at registration and in every welcome). */
  published(): PublishedKey[];
}

/** A signer over `ring`; `now` dates the keys' grace periods. */
export function ringSigner(ring: KeyRing, now: () => Date): FrameSigner {
  return {
    sign(instanceId, frame) {
      if (!isSignedCoordFrame(frame.type)) return undefined;
      const payload = frameSigningPayload(instanceId, frame);
      return frame.type === 'coord.welcome' ? ring.signWithAll(payload, now()) : [ring.sign(payload)];
    },
    published: () => ring.published(now()),
  };
}
