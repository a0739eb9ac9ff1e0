/**
 * How responsive the coordinator is while something else happens: /healthz asked again and again
 * (one request at a time, 50 ms apart), each answer's round trip recorded. An answer that takes
 * long means the coordinator's event loop was held (a burst of agent events, a dispatch).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Coordinator } from '../lib/coordinator.ts';

/** What a probe saw. */
export interface ProbeResult {
  /** Requests answered. */
  count: number;
  /** The longest round trip, ms. */
  maxMs: number;
}

/** Probes `coordinator` until the returned stop function is called. */
export function probeResponsiveness(coordinator: Coordinator, gapMs = 50): () => Promise<ProbeResult> {
  let running = true;
  const rtts: number[] = [];
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await coordinator.call('GET', '/healthz');
      rtts.push(performance.now() - t);
      await delay(gapMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return { count: rtts.length, maxMs: Math.max(0, ...rtts) };
  };
}
