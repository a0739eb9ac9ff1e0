/**
 * What a command needs from the outside world, passed in so tests can capture output and
 * point the client at a server of their own.
 */
import type { Writable } from 'node:stream';

/** The environment of one CLI invocation. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** Results only: one JSON object under `--json`, otherwise ids and tables. */
  stdout: Writable;
  /** Progress, logs and errors. */
  stderr: Writable;
  /** True when stderr is a terminal: live progress bars instead of plain lines. */
  stderrIsTTY: boolean;
  /** Wall time, for "last seen 3s ago". */
  now(): Date;
  /** Resolves when the user asks to stop (Ctrl-C); used by long-running commands. */
  signal?: AbortSignal;
}

/** Writes `text` and a newline to `stream`. */
export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/** Writes exactly one JSON object and a newline to `stream`. */
export function writeJson(stream: Writable, value: object): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
