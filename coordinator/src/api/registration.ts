/**
 * Host registration with a registration token (our replacement for CodeDeploy's IAM-based
 * on-premises registration): the token is checked, its use counted and the instance stored in
 * one transaction, so two hosts racing for the last use cannot both succeed.
 */
import { createPublicKey } from 'node:crypto';
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type RegisterInstanceResponse, type Tags } from '../../../protocol/src/index.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { RegistrationTokenRow } from '../store/tokens.ts';
import { FieldError } from './errors.ts';

/** A registration request after schema validation. */
export interface Registration {
  /** Every hash the registration token may be stored under (TokenHasher.lookup). */
  tokenHashes: readonly string[];
  publicKey: string;
  hostname: string;
  tags: Tags;
}

/** Throws unless `pem` is an Ed25519 public key in SPKI PEM. */
export function assertEd25519PublicKey(pem: string): void {
  // createPublicKey accepts a private key too (it derives the public half), so a host that sent
  // its private key would have it stored; only PEM blocks labelled PUBLIC KEY are taken. The
  // message never repeats the key.
  const labels = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
  if (labels.some((label) => label?.includes('PRIVATE'))) {
    throw new FieldError('VALIDATION_FAILED', 'publicKey', 'publicKey: is a private key; send only the public key (SPKI PEM), and make a new key pair: this one is no longer secret');
  }
  if (labels.length !== 1 || labels[0] !== 'PUBLIC KEY') {
    throw new FieldError('VALIDATION_FAILED', 'publicKey', 'publicKey: must be one PEM block labelled PUBLIC KEY (SPKI)');
  }
  let type: string | undefined;
  try {
    type = createPublicKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch {
    // The parse error says nothing more useful to the caller than this message does.
    throw new FieldError('VALIDATION_FAILED', 'publicKey', 'publicKey: not a PEM public key');
  }
  if (type !== 'ed25519') throw new FieldError('VALIDATION_FAILED', 'publicKey', 'publicKey: must be an Ed25519 key');
}

async function usableToken(store: Repositories, hashes: readonly string[], now: Date): Promise<RegistrationTokenRow> {
  const token = await store.tokens.findRegistrationToken(hashes);
  if (!token) throw new DeckhandError('AUTH_FAILED', 'unknown registration token');
  if (token.revokedAt !== undefined) throw new DeckhandError('AUTH_FAILED', `registration token ${token.tokenId} was revoked at ${token.revokedAt}`);
  if (Date.parse(token.expiresAt) <= now.getTime()) throw new DeckhandError('AUTH_FAILED', 'registration token has expired');
  if (token.maxUses !== null && token.uses >= token.maxUses) {
    throw new DeckhandError('AUTH_FAILED', 'registration token has been used up');
  }
  return token;
}

/**
 * Throws FORBIDDEN naming the first tag the host declares that its token does not let it set:
 * tags decide which deployments reach a host, so they come from operators (the token's own
 * tags, or keys the token allows), not from what a host says of itself.
 */
function assertTagsAllowed(token: RegistrationTokenRow, tags: Tags): void {
  if (token.allowTagKeys.includes('*')) return;
  for (const key of Object.keys(tags)) {
    if (Object.hasOwn(token.tags, key) || token.allowTagKeys.includes(key)) continue;
    const allowed = [...Object.keys(token.tags), ...token.allowTagKeys];
    throw new DeckhandError(
      'FORBIDDEN',
      `registration token ${token.tokenId} does not let a host set the tag ${key} (${allowed.length ? `it allows ${allowed.join(', ')}` : 'it allows none'}); an operator can tag the host, or make a token with --allow-tag-keys ${key}`,
    );
  }
}

/**
 * Registers a host. Tags preset on the token win over the host's own, because the token is
 * what an administrator controls (and tags decide which deployments reach the host); a tag the
 * token does not allow is refused and nothing is registered.
 */
export async function registerInstance(store: Store, now: Date, reg: Registration): Promise<RegisterInstanceResponse> {
  assertEd25519PublicKey(reg.publicKey);
  return store.transaction(async (tx): Promise<RegisterInstanceResponse> => {
    const token = await usableToken(tx, reg.tokenHashes, now);
    assertTagsAllowed(token, reg.tags);
    await tx.tokens.countRegistrationTokenUse(token.tokenId);
    const tags = { ...reg.tags, ...token.tags };
    const instanceId = newId('i');
    await tx.instances.insert({ instanceId, hostname: reg.hostname, publicKey: reg.publicKey, tags, registeredAt: now.toISOString() });
    return { instanceId, tags };
  });
}
