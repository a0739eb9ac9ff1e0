/**
 * Mocha root hooks (loaded through .mocharc's `require`): before the run, rebuilds the compiled
 * binaries when a source is newer than them; after the whole run, says how many
 * tests were pending because a system tool was missing, and which, so a green run on a bare
 * machine is not mistaken for a full one; and stops the throwaway PostgreSQL if a test started it.
 */
import { buildIfStale } from '../../scripts/build.ts';
import { stopSharedPostgres } from './postgres.ts';
import { pendingSummary } from './requirements.ts';

export const mochaHooks = {
  /** The e2e tests spawn bin/*.js, which run dist/: rebuild it first when a source changed. */
  async beforeAll(): Promise<void> {
    if (await buildIfStale()) process.stdout.write('  (rebuilt dist/ from the sources)\n');
  },
  async afterAll(): Promise<void> {
    // The PostgreSQL some store tests started (if any) goes with the run.
    await stopSharedPostgres();
    const summary = pendingSummary();
    if (summary.size === 0) return;
    const total = [...summary.values()].reduce((a, b) => a + b, 0);
    const lines = [...summary].map(([what, n]) => `    ${n} need ${what}`);
    process.stdout.write(`\n  ${total} tests pending for a missing tool:\n${lines.join('\n')}\n`);
  },
};
