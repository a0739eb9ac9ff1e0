/**
 * `deckhand logs DEPLOYMENT_ID [--instance H] [--event E] [--follow] [--json]`.
 */
import { parseArgs } from 'node:util';
import type { LogLineView } from '../../../protocol/src/logs.ts';
import { LIFECYCLE_EVENT_NAME_PATTERN } from '../../../protocol/src/schemas.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseOrUsage } from '../args.ts';
import { connect, showHelp, type Command } from '../command.ts';
import type { DeckhandClient, LogFilter } from '../client.ts';
import { writeLine, type CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatCuts, formatExpired, formatLogLine } from '../format/logs.ts';
import { safe } from '../format/sanitize.ts';
import { interruptOnSignals } from '../signals.ts';
import { followLogLines } from '../watch/logs.ts';

const USAGE = `Usage: deckhand logs DEPLOYMENT_ID [--instance H] [--event E] [--follow] [--json]

Prints the hook output of a deployment, every line the coordinator keeps, as
"host event | text" ("!" instead of "|" for stderr), oldest first.

Options:
  --instance H        only this host (instance id or hostname)
  --event E           only this lifecycle event, e.g. AfterInstall
  --follow            go on printing new lines as they arrive, until the deployment ends;
                      rides out a coordinator restart for up to --wait-timeout
  --wait-timeout D    how long --follow keeps trying while the coordinator cannot be reached (default 10m)
  --json              one JSON object per line (cursor, instanceId, hostname, lifecycleEvent,
                      seq, at, stream, text); notes about lines not kept go to stderr

${CONNECTION_HELP}`;

/** Parsed `logs` arguments. */
interface LogsArgs {
  deploymentId: string;
  filter: LogFilter;
  follow: boolean;
  json: boolean;
  waitMs: number;
}

function parseLogsArgs(argv: string[]) {
  const { values, positionals } = parseOrUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...CONNECTION_OPTIONS, instance: { type: 'string' }, event: { type: 'string' }, follow: { type: 'boolean', default: false }, 'wait-timeout': { type: 'string' } },
    }),
  );
  if (values.help) return { help: true as const, values };
  if (positionals.length !== 1) throw new UsageError('logs takes exactly one DEPLOYMENT_ID', USAGE);
  if (values.event !== undefined && !LIFECYCLE_EVENT_NAME_PATTERN.test(values.event)) {
    throw new UsageError(`--event expects a lifecycle event name such as AfterInstall, got ${JSON.stringify(values.event)}`, USAGE);
  }
  const filter: LogFilter = {};
  if (values.instance !== undefined) filter.instance = values.instance;
  if (values.event !== undefined) filter.event = values.event;
  const waitMs = values['wait-timeout'] === undefined ? 600_000 : parseDurationSeconds(values['wait-timeout'], '--wait-timeout', USAGE) * 1000;
  const args: LogsArgs = { deploymentId: positionals[0] as string, filter, follow: values.follow, json: values.json, waitMs };
  return { help: false as const, values, args };
}

function printer(ctx: CliContext, json: boolean): (lines: LogLineView[]) => void {
  return (lines) => {
    for (const line of lines) writeLine(ctx.stdout, json ? JSON.stringify(line) : formatLogLine(line));
  };
}

/** Prints every stored line, page by page; the notes about what is not there go to stderr. */
async function printAll(client: DeckhandClient, args: LogsArgs, ctx: CliContext): Promise<void> {
  const print = printer(ctx, args.json);
  let after = 0;
  for (;;) {
    const page = await client.getLogs(args.deploymentId, { ...args.filter, after, limit: 1000 });
    print(page.lines);
    after = page.nextAfter;
    if (page.more) continue;
    for (const note of formatCuts(page.cut, page.retention)) writeLine(ctx.stderr, note);
    if (page.expiredAt !== undefined) writeLine(ctx.stderr, formatExpired(page.expiredAt, page.retention));
    return;
  }
}

export const logsCommand: Command = {
  name: 'logs',
  usage: USAGE,
  async run(argv, ctx) {
    const parsed = parseLogsArgs(argv);
    if (parsed.help) return showHelp(ctx, USAGE);
    const { args } = parsed;
    const client = connect(parsed.values, ctx);
    if (!args.follow) {
      await printAll(client, args, ctx);
      return 0;
    }
    const interrupt = ctx.signal === undefined ? interruptOnSignals() : undefined;
    const signal = ctx.signal ?? interrupt?.signal;
    try {
      const status = await followLogLines({
        client,
        deploymentId: args.deploymentId,
        filter: args.filter,
        onLines: printer(ctx, args.json),
        onCut: (cut) => formatCuts(cut).forEach((note) => writeLine(ctx.stderr, note)),
        retryMs: args.waitMs,
        ...(signal === undefined ? {} : { signal }),
      });
      if (signal?.aborted) throw signal.reason;
      if (status !== undefined) writeLine(ctx.stderr, safe`deployment ${args.deploymentId} ${status}`);
      return 0;
    } finally {
      interrupt?.dispose();
    }
  },
};
