/**
 * Times a host gives for its events are its own clock's, and a host may lie or drift (issue 14:
 * year 9999 was stored verbatim, and it orders and times every view and metric). The
 * coordinator keeps a time within a window around when it received the event, and the host's
 * own value beside it when it had to move it.
 */

/** How far before its arrival an event may say it happened: an agent replays its outbox after an outage. */
export const MAX_AGENT_PAST_MS = 24 * 3_600_000;
/** How far after its arrival: clocks of hosts drift a little ahead of the coordinator's. */
export const MAX_AGENT_FUTURE_MS = 2 * 60_000;

/** An agent's time as stored: `at` within the window, `agentAt` the host's own value when it was outside. */
export interface AgentTime {
  at: string;
  agentAt?: string;
}

/**
 * Keeps `agentAt` when it lies within [received − maxPast, received + maxFuture]. A time before
 * the window becomes its start; a time after it becomes `received` itself: nothing happened after
 * the coordinator heard of it (the window's slack is only there to leave honest drift alone).
 */
export function clampAgentTime(agentAt: string, received: Date, maxPastMs = MAX_AGENT_PAST_MS, maxFutureMs = MAX_AGENT_FUTURE_MS): AgentTime {
  const t = Date.parse(agentAt);
  const low = received.getTime() - maxPastMs;
  const high = received.getTime() + maxFutureMs;
  // The protocol's schema already refused what is not an ISO time; NaN is handled all the same.
  if (Number.isFinite(t) && t >= low && t <= high) return { at: agentAt };
  const at = new Date(Number.isFinite(t) && t < low ? low : received.getTime()).toISOString();
  return { at, agentAt };
}
