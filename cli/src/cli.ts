/**
 * The `deckhand` command line: picks the command, runs it, and turns any failure into one
 * clear line on stderr (plus one JSON object on stdout under --json) and an exit code.
 */
import type { Command } from './command.ts';
import { writeJson, writeLine, type CliContext } from './context.ts';
import { errorJson, exitCodeOf, formatError, UsageError } from './errors.ts';
import { applicationsCommand } from './commands/applications.ts';
import { demoCommand } from './commands/demo.ts';
import { deployCommand } from './commands/deploy.ts';
import { groupsCommand } from './commands/groups.ts';
import { instancesCommand } from './commands/instances.ts';
import { pushCommand } from './commands/push.ts';
import { statusCommand } from './commands/status.ts';
import { tokensCommand } from './commands/tokens.ts';
import { stopCommand } from './commands/stop.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { configsCommand } from './commands/configs.ts';
import { approveCommand, pauseCommand, resumeCommand } from './commands/rollout.ts';

/** Every command, in the order `deckhand --help` lists them. */
export const COMMANDS: readonly Command[] = [
  pushCommand,
  deployCommand,
  statusCommand,
  stopCommand,
  pauseCommand,
  resumeCommand,
  approveCommand,
  rollbackCommand,
  instancesCommand,
  groupsCommand,
  configsCommand,
  tokensCommand,
  applicationsCommand,
  demoCommand,
];

/** The top-level usage text. */
export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: deckhand <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'deckhand <command> --help' for a command's options.",
    'The coordinator URL and admin token come from --url/--token or DECKHAND_URL/DECKHAND_TOKEN.',
  ].join('\n');
}

/** Runs `deckhand` with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? ctx.stderr : ctx.stdout, mainUsage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    writeLine(ctx.stderr, `error: unknown command ${JSON.stringify(name)}`);
    writeLine(ctx.stderr, mainUsage());
    return 2;
  }
  try {
    return await command.run(rest, ctx);
  } catch (err) {
    return report(err, rest.includes('--json'), ctx);
  }
}

function report(err: unknown, json: boolean, ctx: CliContext): number {
  if (json) writeJson(ctx.stdout, errorJson(err));
  writeLine(ctx.stderr, formatError(err));
  if (err instanceof UsageError) writeLine(ctx.stderr, `\n${err.usage}`);
  return exitCodeOf(err);
}
