/**
 * `deckhand applications create NAME`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, subcommand } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const USAGE = `Usage: deckhand applications create NAME

Creates an application and prints its id.

${CONNECTION_HELP}`;

export const applicationsCommand: Command = {
  name: 'applications',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [name, ...rest] = subcommand(positionals, 'create', USAGE);
    if (name === undefined || rest.length > 0) throw new UsageError('applications create takes exactly one NAME', USAGE);
    const app = await connect(values, ctx).createApplication(name);
    emit(ctx, values.json, app, app.applicationId);
    return 0;
  },
};
