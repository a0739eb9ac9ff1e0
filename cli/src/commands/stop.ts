/**
 * `deckhand stop DEPLOYMENT_ID [--no-rollback]`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const USAGE = `Usage: deckhand stop DEPLOYMENT_ID [--no-rollback]

Stops a queued or running deployment. Hosts not yet started are skipped; running hosts are
told to abort, and their agent kills the running hook. The deployment ends Stopped
(MANUAL_STOP). If the group rolls back on DEPLOYMENT_STOP_ON_REQUEST, a rollback starts,
unless --no-rollback is given. Prints Pending while hosts are still aborting, else Succeeded.

Options:
  --no-rollback   do not start the automatic rollback for this stop

${CONNECTION_HELP}`;

export const stopCommand: Command = {
  name: 'stop',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, 'no-rollback': { type: 'boolean', default: false } } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length !== 1) throw new UsageError('stop takes exactly one DEPLOYMENT_ID', USAGE);
    const req = values['no-rollback'] ? { autoRollbackEnabled: false } : {};
    const result = await connect(values, ctx).stopDeployment(positionals[0] as string, req);
    emit(ctx, values.json, result, `${result.status}: ${result.statusMessage}`);
    return 0;
  },
};
