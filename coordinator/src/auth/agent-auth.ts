/**
 * Verifies requests an agent signs with its Ed25519 key (WebSocket upgrade, bundle download).
 * The timestamp bound plus the nonce cache stop a captured request from being replayed; the
 * signature covers method and path+query so it cannot be reused for another URL.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../../common/src/clock.ts';
import { NONCE_PATTERN, SIGNATURE_HEADERS, SIGNATURE_MAX_SKEW_MS, signingPayload } from '../../../protocol/src/index.ts';
import type { InstanceRepository } from '../store/instances.ts';
import type { NonceRepository } from '../store/nonces.ts';

/** How long a nonce is remembered; longer than twice the allowed skew would add nothing. */
export const NONCE_TTL_MS = 2 * SIGNATURE_MAX_SKEW_MS;

/** How often expired nonces are deleted from the store. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Nonces of signed requests, kept in the store for as long as the timestamp window lets a
 * request be replayed: a restart forgets nothing, and every coordinator of a shared store
 * refuses a nonce another one accepted. Only requests whose signature verified get here, and a
 * nonce is at most 86 characters, so the table is bounded by what registered hosts really send.
 */
export class NonceCache {
  private lastPruneMs = 0;

  constructor(private readonly nonces: NonceRepository, private readonly ttlMs: number = NONCE_TTL_MS) {}

  /** Records `nonce` at `nowMs`; false when it was already used within the TTL (a replay). */
  async checkAndAdd(nonce: string, nowMs: number): Promise<boolean> {
    if (nowMs - this.lastPruneMs >= PRUNE_EVERY_MS) {
      this.lastPruneMs = nowMs;
      await this.nonces.prune(nowMs);
    }
    return this.nonces.use(nonce, nowMs + this.ttlMs, nowMs);
  }
}

/** Dependencies of {@link verifyAgentRequest}. */
export interface AgentAuthDeps {
  /** Where the instance's public key is read. */
  instances: Pick<InstanceRepository, 'get'>;
  clock: Clock;
  nonces: NonceCache;
}

/** The parts of a request that are verified. `path` is the URL path and query as requested. */
export interface AgentRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** Outcome of {@link verifyAgentRequest}. */
export type AgentAuthResult = { ok: true; instanceId: string } | { ok: false; message: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function publicKeyOf(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    // A key that no longer parses cannot verify anything; the caller reports a failed signature.
    return undefined;
  }
}

function signatureVerifies(pem: string, payload: Uint8Array, signature: string): boolean {
  const key = publicKeyOf(pem);
  if (!key) return false;
  try {
    return verify(null, payload, key, Buffer.from(signature, 'base64'));
  } catch {
    // Malformed signature bytes are just a signature that does not verify.
    return false;
  }
}

/** Checks an agent's signed request: known instance, fresh timestamp, valid signature, new nonce. */
export async function verifyAgentRequest(deps: AgentAuthDeps, req: AgentRequest): Promise<AgentAuthResult> {
  const instanceId = header(req.headers, SIGNATURE_HEADERS.instance);
  const timestamp = header(req.headers, SIGNATURE_HEADERS.timestamp);
  const nonce = header(req.headers, SIGNATURE_HEADERS.nonce);
  const signature = header(req.headers, SIGNATURE_HEADERS.signature);
  if (!instanceId || !timestamp || !nonce || !signature) return { ok: false, message: 'missing signature headers' };
  if (!NONCE_PATTERN.test(nonce)) return { ok: false, message: 'the nonce must be 16 to 64 random bytes, base64url' };
  const instance = await deps.instances.get(instanceId);
  if (!instance) return { ok: false, message: 'unknown instance' };
  const nowMs = deps.clock.now().getTime();
  const ts = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(ts) || Math.abs(nowMs - ts) > SIGNATURE_MAX_SKEW_MS) {
    return { ok: false, message: 'signature timestamp is outside the allowed clock skew' };
  }
  const payload = signingPayload({ instanceId, timestamp, nonce, method: req.method, path: req.path });
  if (!signatureVerifies(instance.publicKey, payload, signature)) return { ok: false, message: 'signature does not verify' };
  if (!(await deps.nonces.checkAndAdd(`${instanceId}:${nonce}`, nowMs))) return { ok: false, message: 'nonce was already used' };
  return { ok: true, instanceId };
}
