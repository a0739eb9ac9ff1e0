/**
 * Entry point of the `deckhand` binary (bin/deckhand.js imports this file).
 */
import { runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
  now: () => new Date(),
});
