/**
 * The `deckhand` command line: picks the command, runs it, and turns any failure into one
 * clear line on stderr (plus one JSON object on stdout under --json) and an exit code.
 */
import { writeJson, writeLine, type CliContext } from './context.ts';
import { errorJson, exitCodeOf, formatError, UsageError } from './errors.ts';
import { COMMANDS } from './commands/index.ts';
import { DECKHAND_VERSION } from '../../common/src/version.ts';

export { COMMANDS };

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
    "Run 'deckhand <command> --help' for a command's options, 'deckhand --version' for the version.",
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
  if (name === '--version' || name === '-V' || name === 'version') {
    writeLine(ctx.stdout, DECKHAND_VERSION);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    writeLine(ctx.stderr, `error: unknown command ${JSON.stringify(name)}`);
    writeLine(ctx.stderr, mainUsage());
    return 2;
  }
  try {
    return await (await entry.load()).run(rest, ctx);
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
