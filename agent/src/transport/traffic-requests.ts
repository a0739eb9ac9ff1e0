/**
 * The agent's side of BlockTraffic and AllowTraffic when the coordinator drives the load
 * balancer: agent.traffic.request goes out when the lifecycle reaches the event and again after
 * every welcome (a reconnect, a coordinator restart) and every half minute while it waits; the
 * matching coord.traffic.result settles the wait. Nothing here is journaled: the lifecycle
 * journals the event as started before asking and its outcome once answered, and an agent that
 * restarts in between asks again (the coordinator keeps the result).
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { TrafficRequestBody, TrafficResultBody } from '../../../protocol/src/messages.ts';
import type { TrafficCoordinator } from '../lifecycle/types.ts';

/** How often a request is sent again while its answer has not come. */
export const TRAFFIC_RESEND_MS = 30_000;

interface Waiting {
  body: TrafficRequestBody;
  resolve: (result: TrafficResultBody) => void;
}

/** Dependencies of {@link TrafficRequests}. */
export interface TrafficRequestsDeps {
  clock: Clock;
  logger: Logger;
  /** Sends agent.traffic.request; false when not connected (it goes out after the next welcome). */
  send: (body: TrafficRequestBody) => boolean;
  /** @default TRAFFIC_RESEND_MS */
  resendMs?: number;
}

/** Requests waiting for the coordinator's answer, one per deployment and event. */
export class TrafficRequests implements TrafficCoordinator {
  private readonly waiting = new Map<string, Waiting>();
  private readonly log: Logger;
  private timer: TimerHandle | undefined;

  constructor(private readonly deps: TrafficRequestsDeps) {
    this.log = deps.logger.child({ component: 'traffic' });
  }

  perform(request: TrafficRequestBody, signal: AbortSignal): Promise<TrafficResultBody> {
    const key = keyOf(request);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        if (this.waiting.get(key)?.body === request) this.waiting.delete(key);
        this.rearm();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(key, {
        body: request,
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      });
      const sent = this.deps.send(request);
      this.log.info('asked the coordinator for a traffic step', { deploymentId: request.deploymentId, lifecycleEvent: request.lifecycleEvent, sent });
      this.rearm();
    });
  }

  /** A coord.traffic.result: settles the matching wait; answers to nothing waiting are dropped. */
  onResult(body: TrafficResultBody): void {
    const key = keyOf(body);
    const entry = this.waiting.get(key);
    if (entry === undefined || entry.body.commandId !== body.commandId) {
      this.log.info('traffic result for nothing waiting', { deploymentId: body.deploymentId, lifecycleEvent: body.lifecycleEvent });
      return;
    }
    this.waiting.delete(key);
    this.rearm();
    entry.resolve(body);
  }

  /** The coordinator welcomed a (new) connection: every waiting request goes out again. */
  onWelcome(): void {
    this.resendAll();
  }

  /** Stops the resend timer (the agent is stopping; the waits end with their signals). */
  stop(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private resendAll(): void {
    for (const { body } of this.waiting.values()) this.deps.send(body);
  }

  private rearm(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.size === 0) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.resendAll();
      this.rearm();
    }, this.deps.resendMs ?? TRAFFIC_RESEND_MS);
  }
}

function keyOf(b: { deploymentId: string; lifecycleEvent: string }): string {
  return `${b.deploymentId}/${b.lifecycleEvent}`;
}
