/**
 * `deckhand demo [--keep] [--agents N]`.
 */
import { parseArgs } from 'node:util';
import { parseOrUsage, parsePositiveInt } from '../args.ts';
import { showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { runDemo } from '../demo/run.ts';

const USAGE = `Usage: deckhand demo [--keep] [--agents N]

Starts a coordinator and N agents (separate processes) on 127.0.0.1 in a temporary folder,
pushes the sample revision in cli/demo-bundle, deploys it with CodeDeployDefault.HalfAtATime,
shows the progress live and ends with a summary. Exits 0 when the deployment succeeded.

Options:
  --agents N    how many agents to start (default 3)
  --keep        leave everything running after the summary, until Ctrl-C
  -h, --help    show this help`;

/** Parses demo's flags; `'help'` for --help. */
export function parseDemoArgs(argv: string[]): { keep: boolean; agents: number } | 'help' {
  const { values, positionals } = parseOrUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        keep: { type: 'boolean', default: false },
        agents: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, USAGE);
  const agents = values.agents === undefined ? 3 : parsePositiveInt(values.agents, '--agents', USAGE);
  if (agents > 20) throw new UsageError('--agents is at most 20 for the demo', USAGE);
  return { keep: values.keep, agents };
}

export const demoCommand: Command = {
  name: 'demo',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseDemoArgs(argv);
    if (args === 'help') return showHelp(ctx, USAGE);
    return runDemo(args, ctx);
  },
};
