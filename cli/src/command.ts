/**
 * The shape of a CLI command and the helpers every command shares.
 */
import { resolveConnection, type ConnectionValues } from './args.ts';
import { DeckhandClient } from './client.ts';
import { writeJson, writeLine, type CliContext } from './context.ts';

/** One `deckhand <name>` command. */
export interface Command {
  name: string;
  usage: string;
  /** Runs the command; resolves to the exit code. Throws CliError/ApiError on failure. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/** A client for the connection given by flags and environment. */
export function connect(values: ConnectionValues, ctx: CliContext): DeckhandClient {
  return new DeckhandClient(resolveConnection(values, ctx.env));
}

/** Prints a command's result: `value` as one JSON object under `--json`, else the human `text`. */
export function emit(ctx: CliContext, json: boolean, value: object, text: string): void {
  if (json) writeJson(ctx.stdout, value);
  else writeLine(ctx.stdout, text);
}

/** Prints the usage text on stdout (for --help) and returns exit code 0. */
export function showHelp(ctx: CliContext, usage: string): number {
  writeLine(ctx.stdout, usage);
  return 0;
}
