/**
 * `npm run faults` (full: at least 200 agent kills, 50 coordinator kills, 100 connection
 * faults and 30 state rollbacks) and `npm run faults -- --quick` (a smaller run, under five minutes). Options:
 * `--seed N` replays a schedule, `--out DIR` keeps the diagnostics of violating runs.
 * Exits 1 when any invariant was violated.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport } from './report.ts';
import { runSuite, type SuiteOptions } from './suite.ts';

/** The full suite's shape; --quick scales it down. */
export function suiteOptions(quick: boolean, seed: number, outDir: string): SuiteOptions {
  return quick
    ? { seed, outDir, quotas: { agentKills: 40, coordinatorKills: 10, connectionFaults: 25 }, groups: 3, hostsPerGroup: 3, coordinatorGapMs: [3000, 7000], diskFullRuns: 1, corruptJournalRuns: 2, stateRollbackRuns: 4 }
    : { seed, outDir, quotas: { agentKills: 200, coordinatorKills: 50, connectionFaults: 100 }, groups: 4, hostsPerGroup: 3, coordinatorGapMs: [3000, 8000], diskFullRuns: 3, corruptJournalRuns: 3, stateRollbackRuns: 30 };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const seed = values.seed === undefined ? 20261122 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const outDir = values.out ?? path.join(tmpdir(), `dh-faults-report-${seed}`);
  const opts = suiteOptions(values.quick === true, seed, outDir);
  process.stdout.write(`fault suite: seed ${seed}, ${values.quick ? 'quick' : 'full'}, diagnostics in ${outDir}\n`);
  opts.onRun = (r, t) => {
    const faults = [...r.faults].map(([k, n]) => `${k}×${n}`).join(', ') || 'no run fault';
    const bad = r.violations.length > 0 ? `  ${r.violations.length} VIOLATIONS` : '';
    process.stdout.write(`${r.runId.padEnd(8)} ${r.status.padEnd(9)} ${faults}  [${t.agentKills}/${t.coordinatorKills}/${t.connectionFaults}]${bad}\n`);
  };
  const result = await runSuite(opts);
  process.stdout.write(`\n${formatReport(result)}\n`);
  return result.runs.some((r) => r.violations.length > 0) ? 1 : 0;
}

process.exitCode = await main();
