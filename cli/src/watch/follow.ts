/**
 * Watching a deployment to its end and reporting the outcome, as `deploy --wait`, `rollback
 * --wait` and the demo do: progress on stderr, running hooks' output printed above the bars as
 * it arrives (unless quiet), the coordinator's restarts ridden out for up to `retryMs`.
 */
import type { DeploymentView } from '../../../protocol/src/api.ts';
import type { DeckhandClient } from '../client.ts';
import { writeLine, type CliContext } from '../context.ts';
import { formatLogLine } from '../format/logs.ts';
import { safe } from '../format/sanitize.ts';
import { formatFailures, formatHostReasons, formatWarnings } from '../format/status.ts';
import { durationMs, formatDuration } from '../format/time.ts';
import { interruptOnSignals } from '../signals.ts';
import { followLogLines } from './logs.ts';
import { watchDeployment, createSink } from './watch.ts';

/** The closing lines of a watched deployment: its status and time, then why hosts failed or were skipped, failures and warnings. */
export function formatOutcome(view: DeploymentView): string[] {
  const took = formatDuration(durationMs(view.startTime ?? view.createTime, view.completeTime));
  const lines = [safe`deployment ${view.deploymentId} ${view.status}${took ? ` in ${took}` : ''}`];
  if (view.errorInformation) lines.push(safe`  ${view.errorInformation.code}: ${view.errorInformation.message}`);
  return [...lines, ...formatHostReasons(view), ...formatFailures(view), ...formatWarnings(view)];
}

/** Options of {@link followDeployment}. */
export interface FollowOptions {
  /** @default 300 */
  intervalMs?: number;
  /** Print no hook output. @default false */
  quiet?: boolean;
  /** How long the coordinator may stay unreachable. @default 600000 (10 min) */
  retryMs?: number;
}

/** After the deployment ended, its last hook output lines are waited for at most this long. */
const LAST_LINES_MS = 5000;

/** Shows live progress (and hook output) on stderr until the deployment ends, prints the outcome, returns the final view. */
export async function followDeployment(
  client: Pick<DeckhandClient, 'getDeployment'> & Partial<Pick<DeckhandClient, 'followLogs'>>,
  deploymentId: string,
  ctx: CliContext,
  opts: FollowOptions = {},
): Promise<DeploymentView> {
  const sink = createSink(ctx.stderr, ctx.stderrIsTTY);
  const logsStop = new AbortController();
  const onAbort = (): void => logsStop.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const followLogs = client.followLogs?.bind(client);
  const logs = opts.quiet || followLogs === undefined
    ? Promise.resolve(undefined)
    : followLogLines({
        client: { followLogs },
        deploymentId,
        onLines: (lines) => lines.forEach((l) => sink.log(formatLogLine(l))),
        signal: logsStop.signal,
        ...(opts.retryMs === undefined ? {} : { retryMs: opts.retryMs }),
      }).catch((err: unknown) => sink.log(safe`(hook output unavailable: ${err instanceof Error ? err.message : String(err)})`));
  let view: DeploymentView;
  try {
    view = await watchDeployment({
      client,
      deploymentId,
      out: ctx.stderr,
      tty: ctx.stderrIsTTY,
      sink,
      ...(opts.intervalMs === undefined ? {} : { intervalMs: opts.intervalMs }),
      ...(opts.retryMs === undefined ? {} : { retryMs: opts.retryMs }),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    const timer = setTimeout(() => logsStop.abort(), LAST_LINES_MS);
    await logs;
    clearTimeout(timer);
  } finally {
    logsStop.abort();
    ctx.signal?.removeEventListener('abort', onAbort);
    sink.stop();
  }
  for (const line of formatOutcome(view)) writeLine(ctx.stderr, line);
  return view;
}

/** Follows the deployment; Ctrl-C stops watching (exit 130) and says the deployment carries on. */
export async function followUntilInterrupted(
  client: DeckhandClient,
  deploymentId: string,
  ctx: CliContext,
  opts: FollowOptions = {},
): Promise<DeploymentView> {
  const interrupt = ctx.signal === undefined ? interruptOnSignals() : undefined;
  const signal = ctx.signal ?? interrupt?.signal;
  try {
    return await followDeployment(client, deploymentId, signal === undefined ? ctx : { ...ctx, signal }, opts);
  } catch (err) {
    if (signal?.aborted) {
      writeLine(ctx.stderr, safe`stopped watching; deployment ${deploymentId} carries on (deckhand status ${deploymentId})`);
      throw signal.reason;
    }
    throw err;
  } finally {
    interrupt?.dispose();
  }
}
