/**
 * Watching a deployment to its end and reporting the outcome, as `deploy --wait` and the demo
 * both do.
 */
import type { DeploymentView } from '../../../protocol/src/api.ts';
import type { DeckhandClient } from '../client.ts';
import { writeLine, type CliContext } from '../context.ts';
import { safe } from '../format/sanitize.ts';
import { formatFailures } from '../format/status.ts';
import { durationMs, formatDuration } from '../format/time.ts';
import { watchDeployment } from './watch.ts';

/** The closing lines of a watched deployment: its status and time, then any failures. */
export function formatOutcome(view: DeploymentView): string[] {
  const took = formatDuration(durationMs(view.startTime ?? view.createTime, view.completeTime));
  const lines = [safe`deployment ${view.deploymentId} ${view.status}${took ? ` in ${took}` : ''}`];
  if (view.errorInformation) lines.push(safe`  ${view.errorInformation.code}: ${view.errorInformation.message}`);
  return [...lines, ...formatFailures(view)];
}

/** Options of {@link followDeployment}. */
export interface FollowOptions {
  /** @default 300 */
  intervalMs?: number;
}

/** Shows live progress on stderr until the deployment ends, prints the outcome, returns the final view. */
export async function followDeployment(
  client: Pick<DeckhandClient, 'getDeployment'>,
  deploymentId: string,
  ctx: CliContext,
  opts: FollowOptions = {},
): Promise<DeploymentView> {
  const view = await watchDeployment({
    client,
    deploymentId,
    out: ctx.stderr,
    tty: ctx.stderrIsTTY,
    ...(opts.intervalMs === undefined ? {} : { intervalMs: opts.intervalMs }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
  for (const line of formatOutcome(view)) writeLine(ctx.stderr, line);
  return view;
}
