/**
 * coord.traffic.apply requests in flight (nginx driven through the agent of the host it runs
 * on): each waits for its agent.traffic.applied answer until a timeout. Kept in memory only: a
 * coordinator restart forgets them, and the traffic step that asked runs again.
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import { newId } from '../../../common/src/ids.ts';
import type { TrafficApplyBody, TrafficAppliedBody } from '../../../protocol/src/index.ts';

/** The agent's answer, `offline` when the request could not be sent, `timeout` when none came. */
export type TrafficApplyAnswer = TrafficAppliedBody | 'offline' | 'timeout';

interface Pending {
  instanceId: string;
  timer: TimerHandle;
  done: (answer: TrafficApplyAnswer) => void;
}

/** Tracks the hub's open coord.traffic.apply requests. */
export class TrafficApplyRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock) {}

  /** Sends the request with `send` (false: not connected) and resolves with the answer. */
  ask(instanceId: string, change: Omit<TrafficApplyBody, 'requestId'>, timeoutMs: number, send: (body: TrafficApplyBody) => boolean): Promise<TrafficApplyAnswer> {
    const requestId = newId('ta', 12);
    return new Promise((resolve) => {
      const done = (answer: TrafficApplyAnswer): void => {
        const entry = this.pending.get(requestId);
        if (!entry) return;
        this.clock.clearTimeout(entry.timer);
        this.pending.delete(requestId);
        resolve(answer);
      };
      this.pending.set(requestId, { instanceId, done, timer: this.clock.setTimeout(() => done('timeout'), timeoutMs) });
      if (!send({ requestId, ...change })) done('offline');
    });
  }

  /** Records an answer; answers to unknown requests, or from another host than asked, are dropped. */
  receive(instanceId: string, body: TrafficAppliedBody): void {
    const entry = this.pending.get(body.requestId);
    if (entry?.instanceId === instanceId) entry.done(body);
  }

  /** Ends every open request now (shutdown). */
  closeAll(): void {
    for (const entry of [...this.pending.values()]) entry.done('timeout');
  }
}
