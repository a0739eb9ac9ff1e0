/**
 * Mocha root hooks (loaded through .mocharc's `require`): after the whole run, says how many
 * tests were pending because a system tool was missing, and which, so a green run on a bare
 * machine is not mistaken for a full one.
 */
import { pendingSummary } from './requirements.ts';

export const mochaHooks = {
  afterAll(): void {
    const summary = pendingSummary();
    if (summary.size === 0) return;
    const total = [...summary.values()].reduce((a, b) => a + b, 0);
    const lines = [...summary].map(([what, n]) => `    ${n} need ${what}`);
    process.stdout.write(`\n  ${total} tests pending for a missing tool:\n${lines.join('\n')}\n`);
  },
};
