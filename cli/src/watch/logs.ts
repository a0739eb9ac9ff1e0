/**
 * Following a deployment's hook output to its end over the logs API's event stream, riding out
 * a coordinator restart: a dropped stream is opened again after the last line received, for as
 * long as the coordinator may stay unreachable (`retryMs`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DeploymentStatus } from '../../../protocol/src/status.ts';
import type { LogCutView, LogLineView } from '../../../protocol/src/logs.ts';
import type { DeckhandClient, LogFilter } from '../client.ts';
import { ApiError, UnreachableError } from '../errors.ts';

/** Options of {@link followLogLines}. */
export interface LogFollowOptions {
  client: Pick<DeckhandClient, 'followLogs'>;
  deploymentId: string;
  filter?: LogFilter;
  onLines(lines: LogLineView[]): void;
  onCut?(cut: LogCutView[]): void;
  signal?: AbortSignal;
  /** How long the coordinator may stay unreachable before giving up. @default 600000 (10 min) */
  retryMs?: number;
  /** Pause between two attempts. @default 1000 */
  retryEveryMs?: number;
}

/** True for a failure a coordinator restart causes: no answer, or a 5xx. */
export function isTransient(err: unknown): boolean {
  return err instanceof UnreachableError || (err instanceof ApiError && err.status >= 500);
}

/** Follows until the stream's `end` event; resolves with the deployment's final status (when it said). */
export async function followLogLines(opts: LogFollowOptions): Promise<DeploymentStatus | undefined> {
  let after = opts.filter?.after ?? 0;
  let failingSince: number | undefined;
  for (;;) {
    try {
      for await (const ev of opts.client.followLogs(opts.deploymentId, { ...opts.filter, after }, opts.signal)) {
        failingSince = undefined;
        if (ev.event === 'lines') {
          const { lines } = JSON.parse(ev.data) as { lines: LogLineView[] };
          if (lines.length > 0) after = lines[lines.length - 1]?.cursor ?? after;
          opts.onLines(lines);
        } else if (ev.event === 'cut') {
          opts.onCut?.((JSON.parse(ev.data) as { cut: LogCutView[] }).cut);
        } else if (ev.event === 'end') {
          return (JSON.parse(ev.data) as { status?: DeploymentStatus }).status;
        }
      }
    } catch (err) {
      if (!isTransient(err)) throw err;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > (opts.retryMs ?? 600_000)) throw err;
    }
    if (opts.signal?.aborted) return undefined;
    // The stream ended without its end event (a restart): open it again after the last line.
    await delay(opts.retryEveryMs ?? 1000, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
    if (opts.signal?.aborted) return undefined;
  }
}
