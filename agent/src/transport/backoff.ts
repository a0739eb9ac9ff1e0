/** Reconnect delays: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */

/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** @default 500 */
  baseMs?: number;
  /** @default 30000 */
  capMs?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): uniformly random in
 * [0, min(cap, base·2^attempt)). Full jitter keeps a fleet from reconnecting in lockstep after a
 * coordinator restart.
 * @param random a source of numbers in [0, 1)
 */
export function backoffDelayMs(attempt: number, random: () => number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 500;
  const cap = opts.capMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
