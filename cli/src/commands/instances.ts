/**
 * `deckhand instances [--json]`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatInstances } from '../format/instances.ts';

const USAGE = `Usage: deckhand instances

Lists registered hosts: hostname, instance id, tags, connection, last seen, agent version, OS.
With --json prints {"instances": [...]}.

${CONNECTION_HELP}`;

export const instancesCommand: Command = {
  name: 'instances',
  summary: 'list registered hosts',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, USAGE);
    const instances = await connect(values, ctx).listInstances();
    emit(ctx, values.json, { instances }, formatInstances(instances, ctx.now()));
    return 0;
  },
};
