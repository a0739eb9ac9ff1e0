/**
 * `deckhand status DEPLOYMENT_ID [--json]`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatStatus } from '../format/status.ts';

const USAGE = `Usage: deckhand status DEPLOYMENT_ID

Shows a deployment: its status, and every host's lifecycle events with their status,
duration and error, then the log tail of each failed event.

${CONNECTION_HELP}`;

export const statusCommand: Command = {
  name: 'status',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length !== 1) throw new UsageError('status takes exactly one DEPLOYMENT_ID', USAGE);
    const view = await connect(values, ctx).getDeployment(positionals[0] as string);
    emit(ctx, values.json, view, formatStatus(view));
    return 0;
  },
};
