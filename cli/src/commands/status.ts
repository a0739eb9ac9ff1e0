/**
 * `deckhand status DEPLOYMENT_ID [--failed] [--host H] [--watch] [--json]`.
 */
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { DeploymentView } from '../../../protocol/src/api.ts';
import { isTerminalDeploymentStatus } from '../../../protocol/src/status.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import type { DeckhandClient } from '../client.ts';
import { writeLine, type CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { filterTargets, formatStatus, type StatusFilter } from '../format/status.ts';
import { interruptOnSignals } from '../signals.ts';
import { isTransient } from '../watch/logs.ts';

const USAGE = `Usage: deckhand status DEPLOYMENT_ID [--failed] [--host H] [--watch]

Shows a deployment: its status, host counts (waiting-for-agent included), what the rollout
waits for (approval and who may give it, pause, bake, agents), every host's lifecycle events
with their status, duration and error or note (skipped traffic hooks say why, AfterFailure
shows its outcome, OutputsLeftOpen is a warning), then why each host failed or was skipped
and the log tail of each failed event.

Options:
  --failed     only failed hosts
  --host H     only this host (instance id or hostname)
  --watch      print the report again whenever it changes, until the deployment ends
  --interval D seconds between two reads with --watch (default 2)

${CONNECTION_HELP}`;

/** Prints the report whenever it changed, until the deployment is over; rides out a restart. */
async function watchStatus(client: DeckhandClient, id: string, filter: StatusFilter, ctx: CliContext, intervalMs: number): Promise<void> {
  const interrupt = ctx.signal === undefined ? interruptOnSignals() : undefined;
  const signal = ctx.signal ?? interrupt?.signal;
  let last = '';
  let failingSince: number | undefined;
  try {
    for (;;) {
      let view: DeploymentView | undefined;
      try {
        view = await client.getDeployment(id);
        failingSince = undefined;
      } catch (err) {
        failingSince ??= Date.now();
        if (!isTransient(err) || Date.now() - failingSince > 600_000) throw err;
      }
      if (view !== undefined) {
        const report = formatStatus(filterTargets(view, filter));
        if (report !== last) writeLine(ctx.stdout, `${last === '' ? '' : '\n'}${report}`);
        last = report;
        if (isTerminalDeploymentStatus(view.status)) return;
      }
      await delay(intervalMs, undefined, signal ? { signal } : {});
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    interrupt?.dispose();
  }
}

export const statusCommand: Command = {
  name: 'status',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, failed: { type: 'boolean', default: false }, host: { type: 'string' }, watch: { type: 'boolean', default: false }, interval: { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length !== 1) throw new UsageError('status takes exactly one DEPLOYMENT_ID', USAGE);
    if (values.watch && values.json) throw new UsageError('--watch prints reports for people; it cannot be combined with --json', USAGE);
    const interval = values.interval === undefined ? 2 : Number(values.interval);
    if (!(interval > 0 && interval <= 3600)) throw new UsageError(`--interval expects seconds between 0 and 3600, got ${JSON.stringify(values.interval)}`, USAGE);
    const filter: StatusFilter = { failedOnly: values.failed, ...(values.host === undefined ? {} : { host: values.host }) };
    const client = connect(values, ctx);
    const id = positionals[0] as string;
    if (values.watch) {
      await watchStatus(client, id, filter, ctx, interval * 1000);
      return 0;
    }
    const view = await client.getDeployment(id);
    const shown = filterTargets(view, filter);
    if (values.host !== undefined && shown.targets.length === 0 && !values.failed) {
      throw new UsageError(`--host: ${values.host} is not a host of deployment ${id}`, USAGE);
    }
    emit(ctx, values.json, shown, formatStatus(shown));
    return 0;
  },
};
