/**
 * `deckhand-agent register`: make a key pair, present its public half and a registration token to
 * the coordinator, and journal the instance id it hands back.
 */
import { readText } from '../../../common/src/http-request.ts';
import { pinnedCaFromPem, resolvePinnedCa, TrustError, type PinnedCa } from '../../../common/src/tls-trust.ts';
import { RegisterInstanceResponse } from '../../../protocol/src/agent-api.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { Tags } from '../../../protocol/src/schemas.ts';
import { coordinatorRequest, refusalOf, type ClientCertificate } from '../transport/coordinator-http.ts';
import type { Journal } from '../journal/journal.ts';
import type { StoredIdentity } from '../journal/types.ts';
import { generateIdentityKey, publicKeyPem } from './keys.ts';

/** Inputs of {@link registerInstance}. */
export interface RegisterOptions {
  /** Base URL of the coordinator, e.g. `https://coordinator.example:8420`. */
  coordinatorUrl: string;
  /** Every coordinator sharing the store, in order (the first is `coordinatorUrl`); kept for `run`. */
  coordinatorUrls?: readonly string[];
  token: string;
  root: string;
  hostname: string;
  /** @default {} */
  tags?: Tags;
  journal: Journal;
  /** Trust only the CA with this SHA-256 fingerprint (the coordinator must present it). */
  caSha256?: string;
  /** Trust only the CA in this PEM text (`--ca-file`'s contents), named `caSource` in errors. */
  caPem?: string;
  /** @default "the CA file" */
  caSource?: string;
  /** A TLS client certificate, for a coordinator that requires one (--client-ca). */
  clientCertificate?: ClientCertificate;
  /** @default the current time */
  now?: Date;
}

/** Normalizes a coordinator URL: http(s) only, no trailing slash. */
export function normalizeCoordinatorUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new DeckhandError('VALIDATION_FAILED', `--coordinator "${raw}" is not a URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeckhandError('VALIDATION_FAILED', `--coordinator must be an http:// or https:// URL, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

/**
 * The CA to pin, checked before anything is written: from a PEM, or the presented certificate
 * matching the fingerprint. Plain HTTP with a pin is refused (no downgrade).
 */
async function pinFor(url: string, opts: RegisterOptions): Promise<PinnedCa | undefined> {
  if (opts.caSha256 === undefined && opts.caPem === undefined) return undefined;
  if (opts.caSha256 !== undefined && opts.caPem !== undefined) throw new DeckhandError('VALIDATION_FAILED', 'give --ca-sha256 or --ca-file, not both');
  if (!url.startsWith('https://')) {
    throw new DeckhandError('VALIDATION_FAILED', `a CA is pinned (--ca-sha256 or --ca-file), so --coordinator must be an https:// URL, got ${url}`);
  }
  try {
    if (opts.caPem !== undefined) return pinnedCaFromPem(opts.caPem, opts.caSource ?? 'the CA file');
    return await resolvePinnedCa(url, opts.caSha256 ?? '');
  } catch (err) {
    if (err instanceof TrustError) throw new DeckhandError('AUTH_FAILED', err.message, { cause: err });
    throw new DeckhandError('INTERNAL', `cannot reach the coordinator at ${url}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Registers this host and stores its identity (with the pinned CA and the coordinator's signing
 * keys) in the journal. Throws DeckhandError on failure, having written nothing: the key pair is
 * made only once the coordinator's identity has been checked.
 */
export async function registerInstance(opts: RegisterOptions): Promise<StoredIdentity> {
  const existing = opts.journal.getIdentity();
  if (existing) {
    throw new DeckhandError(
      'CONFLICT',
      `this host is already registered as ${existing.instanceId} with ${existing.coordinatorUrl}; use a new --root to register again`,
    );
  }
  const coordinatorUrl = normalizeCoordinatorUrl(opts.coordinatorUrl);
  const pinnedCa = await pinFor(coordinatorUrl, opts);
  const endpoint = { url: coordinatorUrl, ...(pinnedCa ? { pinnedCa } : {}), ...(opts.clientCertificate ? { clientCertificate: opts.clientCertificate } : {}) };
  const privateKey = generateIdentityKey(opts.root);
  const request = { token: opts.token, publicKey: publicKeyPem(privateKey), hostname: opts.hostname, tags: opts.tags ?? {} };
  const res = await coordinatorRequest(endpoint, '/v1/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (res.status !== 201 && res.status !== 200) throw await refusalOf(res, 'registration');
  let parsed;
  try {
    parsed = RegisterInstanceResponse.safeParse(JSON.parse(await readText(res.body)));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new DeckhandError('INTERNAL', 'the coordinator answered the registration with an unexpected body');
  const identity: StoredIdentity = {
    instanceId: parsed.data.instanceId,
    coordinatorUrl,
    ...(opts.coordinatorUrls && opts.coordinatorUrls.length > 1 ? { coordinatorUrls: opts.coordinatorUrls.map(normalizeCoordinatorUrl) } : {}),
    hostname: opts.hostname,
    tags: parsed.data.tags,
    registeredAt: (opts.now ?? new Date()).toISOString(),
    ...(pinnedCa ? { pinnedCa } : {}),
  };
  opts.journal.saveIdentity(identity, parsed.data.coordinatorKeys ?? []);
  return identity;
}
