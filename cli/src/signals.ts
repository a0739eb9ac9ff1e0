/**
 * Ctrl-C for long-running commands: while installed, SIGINT and SIGTERM abort a signal instead
 * of killing the process, so the command can restore the terminal and stop its children.
 */
import { CliError } from './errors.ts';

/** An abort signal tied to SIGINT/SIGTERM; `dispose()` gives the signals back to Node. */
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/** Installs the handlers; the signal's reason is a CliError with exit code 130. */
export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new CliError('interrupted', { exitCode: 130 }));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
