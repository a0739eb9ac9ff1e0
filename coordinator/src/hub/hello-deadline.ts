/**
 * An authenticated connection that never says agent.hello is closed after a while: until its
 * hello the host is not usable, yet the socket holds a file descriptor and a session slot
 * (issue 14: idle connections made the coordinator deaf).
 */
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Session } from './session.ts';

/** How long an agent has, once its upgrade is accepted, to send agent.hello. */
export const DEFAULT_HELLO_TIMEOUT_MS = 30_000;

/** WebSocket close code of a session closed for want of a hello (1008: policy violation). */
export const NO_HELLO_CLOSE_CODE = 1008;

/**
 * Closes `session` when its hello has not arrived `timeoutMs` after now; returns a function that
 * cancels the deadline (call it when the socket closes).
 */
export function helloDeadline(clock: Clock, log: Logger, session: Session, timeoutMs: number): () => void {
  const timer = clock.setTimeout(() => {
    // A hello that arrived and waits its turn (a fleet reconnecting at once queues thousands) counts:
    // closing it would only have the agent connect and queue again.
    if (session.greeted || session.helloReceived) return;
    log.warn('agent sent no hello in time; closing its connection', { instanceId: session.instanceId, helloTimeoutMs: timeoutMs });
    session.ws.close(NO_HELLO_CLOSE_CODE, 'no agent.hello in time');
  }, timeoutMs);
  return () => clock.clearTimeout(timer);
}
