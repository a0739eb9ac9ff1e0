/**
 * The coordinator's edge, wired onto its HTTP server: the unauthenticated-connection caps, the
 * server's error reports and the descriptor probe, with one timer for the probe and the
 * rate-limited summaries.
 */
import type { Server as HttpServer } from 'node:http';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { ConnectionGuard } from './connection-guard.ts';
import { FD_PROBE_MS, fdProbe } from './fd-watch.ts';
import { reportServerErrors, type ServerErrorSink } from './server-limits.ts';

export { ConnectionGuard, type ConnectionLimits } from './connection-guard.ts';
export { edgeServerOptions } from './server-limits.ts';

/** Dependencies of {@link guardServer}. */
export interface EdgeDeps {
  log: Logger;
  clock: Clock;
  guard: ConnectionGuard;
  sink?: ServerErrorSink & { descriptorsExhausted(code: string): void };
}

/** Attaches the guard and the error reports to `server` and starts the probe; returns a stop function. */
export function guardServer(server: HttpServer, deps: EdgeDeps): () => void {
  deps.guard.attach(server);
  const errors = reportServerErrors(server, deps);
  const sink = deps.sink;
  const probe = fdProbe({ clock: deps.clock, log: deps.log, connections: () => deps.guard.counts(), ...(sink ? { exhausted: (code: string) => sink.descriptorsExhausted(code) } : {}) });
  let timer: TimerHandle | undefined;
  let stopped = false;
  const tick = (): void => {
    probe();
    deps.guard.flush();
    errors.flush();
    if (!stopped) timer = deps.clock.setTimeout(tick, FD_PROBE_MS);
  };
  timer = deps.clock.setTimeout(tick, FD_PROBE_MS);
  return () => {
    stopped = true;
    if (timer !== undefined) deps.clock.clearTimeout(timer);
  };
}
