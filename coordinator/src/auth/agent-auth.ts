/**
 * Verifies requests an agent signs with its Ed25519 key (WebSocket upgrade, bundle download).
 * The timestamp bound plus the nonce cache stop a captured request from being replayed; the
 * signature covers method and path+query so it cannot be reused for another URL.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../../common/src/clock.ts';
import { SIGNATURE_HEADERS, SIGNATURE_MAX_SKEW_MS, signingPayload } from '../../../protocol/src/index.ts';
import type { InstanceRepository } from '../store/instances.ts';

/** How long a nonce is remembered; longer than twice the allowed skew would add nothing. */
export const NONCE_TTL_MS = 10 * 60 * 1000;

/**
 * Nonces seen recently, in memory. A restart forgets them, which is acceptable because the
 * timestamp check still bounds a replay to the skew window.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs: number = NONCE_TTL_MS) {}

  /** Records `nonce` at `nowMs`; false when it was already seen within the TTL (a replay). */
  checkAndAdd(nonce: string, nowMs: number): boolean {
    this.prune(nowMs);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, nowMs);
    return true;
  }

  /** How many nonces are remembered. */
  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    // Map iteration is insertion order, so the oldest entries come first.
    for (const [nonce, at] of this.seen) {
      if (nowMs - at < this.ttlMs) break;
      this.seen.delete(nonce);
    }
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
  const instance = await deps.instances.get(instanceId);
  if (!instance) return { ok: false, message: 'unknown instance' };
  const nowMs = deps.clock.now().getTime();
  const ts = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(ts) || Math.abs(nowMs - ts) > SIGNATURE_MAX_SKEW_MS) {
    return { ok: false, message: 'signature timestamp is outside the allowed clock skew' };
  }
  const payload = signingPayload({ instanceId, timestamp, nonce, method: req.method, path: req.path });
  if (!signatureVerifies(instance.publicKey, payload, signature)) return { ok: false, message: 'signature does not verify' };
  if (!deps.nonces.checkAndAdd(`${instanceId}:${nonce}`, nowMs)) return { ok: false, message: 'nonce was already used' };
  return { ok: true, instanceId };
}
