/**
 * The CLI's own failures. API errors keep the coordinator's code and field; usage errors carry
 * the command's usage text and exit 2; everything else the CLI reports exits 1.
 */
import { DeckhandError, type ErrorCode } from '../../protocol/src/errors.ts';

/** A failure the CLI explains in one sentence, without a Deckhand error code. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, opts: { exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** The coordinator could not be reached at all (refused, unknown host, reset). */
export class UnreachableError extends CliError {
  readonly url: string;

  constructor(url: string, detail: string, cause: unknown) {
    super(`cannot reach the coordinator at ${url} (is it running?)${detail}`, { cause });
    this.name = 'UnreachableError';
    this.url = url;
  }
}

/** Bad command-line input: printed with the command's usage, exit code 2. */
export class UsageError extends CliError {
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
    this.usage = usage;
  }
}

/** An error body returned by the coordinator's HTTP API. */
export class ApiError extends DeckhandError {
  readonly status: number;
  readonly field: string | undefined;

  constructor(status: number, code: ErrorCode, message: string, field?: string) {
    super(code, message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
  }
}

/** The one line printed on stderr for a failure: `error: CODE: message (field: f)`. */
export function formatError(err: unknown): string {
  if (err instanceof ApiError && err.field !== undefined) {
    return `error: ${err.code}: ${err.message} (field: ${err.field})`;
  }
  if (err instanceof DeckhandError) return `error: ${err.code}: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/** The JSON printed on stdout for a failure when `--json` was given. */
export function errorJson(err: unknown): { error: { code: string; message: string; field?: string } } {
  if (err instanceof ApiError && err.field !== undefined) {
    return { error: { code: err.code, message: err.message, field: err.field } };
  }
  if (err instanceof DeckhandError) return { error: { code: err.code, message: err.message } };
  if (err instanceof UsageError) return { error: { code: 'USAGE', message: err.message } };
  const message = err instanceof Error ? err.message : String(err);
  return { error: { code: 'CLI_ERROR', message } };
}

/** The process exit code for a failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
