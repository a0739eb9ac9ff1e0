/**
 * The agent's check of an operator's revision signature, at DownloadBundle after the download
 * and before anything is unpacked. Applies only when the agent has trusted keys (agent.yml
 * `trustedKeys`, written by the installers, never by the coordinator); then a revision must be
 * signed by one of them, for this application and this sha256, with a counter not below the
 * highest the agent installed for the application.
 */
import { MinisignError, verifyMessage, type MinisignPublicKey } from '../../../common/src/minisign.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { revisionDocument } from '../../../protocol/src/revision-signing.ts';
import type { RevisionSignature } from '../../../protocol/src/schemas.ts';

/** What the check needs to know. */
export interface RevisionTrust {
  /** The operator keys this agent trusts; none: signatures are not required. */
  keys: readonly MinisignPublicKey[];
  /** The highest counter installed for `application`, if any. */
  highestCounter(application: string): number | undefined;
}

/** The revision as downloaded. */
export interface RevisionToCheck {
  application: string;
  /** The sha256 of the bytes downloaded (already checked against the coordinator's record). */
  sha256: string;
  signature?: RevisionSignature | undefined;
}

/**
 * Throws SignatureMissing, SignatureInvalid or RevisionDowngrade (DeckhandError) when the
 * revision may not be installed; returns the signed counter (undefined when no keys are trusted).
 */
export function checkRevisionSignature(trust: RevisionTrust, revision: RevisionToCheck): number | undefined {
  if (trust.keys.length === 0) return undefined;
  const { signature } = revision;
  if (signature === undefined) {
    throw new DeckhandError('SignatureMissing', `this host accepts only signed revisions (trusted keys ${trust.keys.map((k) => k.keyId).join(', ')}), and this revision of ${revision.application} is not signed: push it with deckhand push --sign`);
  }
  const document = revisionDocument({ application: revision.application, counter: signature.counter, sha256: revision.sha256 });
  try {
    verifyMessage(Buffer.from(document), signature.minisig, trust.keys);
  } catch (err) {
    if (!(err instanceof MinisignError)) throw err;
    throw new DeckhandError('SignatureInvalid', `the signature of this revision of ${revision.application} (sha256 ${revision.sha256}, counter ${signature.counter}) is refused: ${err.message}`, { cause: err });
  }
  const highest = trust.highestCounter(revision.application);
  if (highest !== undefined && signature.counter < highest) {
    throw new DeckhandError('RevisionDowngrade', `this revision of ${revision.application} is signed with counter ${signature.counter}, below ${highest}, the highest this host installed: sign a deliberate rollback anew with a higher counter`);
  }
  return signature.counter;
}
