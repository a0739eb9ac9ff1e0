/**
 * Nonces of signed agent requests, kept until they could no longer be replayed (the signature's
 * timestamp window), in the store so that a restart does not forget them and every coordinator
 * of the store refuses a nonce another one accepted.
 */

/** Reads and writes used nonces. */
export interface NonceRepository {
  /** Records `nonce` until `expiresAtMs`; false when it is recorded and not expired (a replay). */
  use(nonce: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
  /** Forgets nonces expired at `nowMs`; returns how many. */
  prune(nowMs: number): Promise<number>;
}
