/**
 * `npm run faults` (full: at least 200 agent kills, 20 of them inside Install, 50 coordinator
 * kills, 100 connection faults and 30 state rollbacks) and `npm run faults -- --quick` (a smaller run, under five minutes). Options:
 * `--seed N` replays a schedule, `--out DIR` keeps the diagnostics of violating runs,
 * `--nodes 3` runs three coordinators on one PostgreSQL store (clusterSuiteOptions).
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
    ? { seed, outDir, quotas: { agentKills: 40, installKills: 4, coordinatorKills: 10, connectionFaults: 25, stateRollbacks: 5 }, groups: 3, hostsPerGroup: 3, coordinatorGapMs: [3000, 7000], diskFullRuns: 1, agentDiskFullRuns: 1, corruptJournalRuns: 2, stateRollbackRuns: 4, storeRuns: 2 }
    : { seed, outDir, quotas: { agentKills: 200, installKills: 20, coordinatorKills: 50, connectionFaults: 100, stateRollbacks: 30 }, groups: 4, hostsPerGroup: 3, coordinatorGapMs: [3000, 8000], diskFullRuns: 3, agentDiskFullRuns: 4, corruptJournalRuns: 3, stateRollbackRuns: 30, storeRuns: 4 };
}

/**
 * The multi-coordinator mode (`--nodes 3`): agents spread over the coordinators, each kill -9
 * taking the coordinator that drives a running deployment (at least 30 in the full run).
 */
export function clusterSuiteOptions(quick: boolean, seed: number, outDir: string, nodes: number): SuiteOptions {
  // The host scenarios need a SQLite coordinator of their own; state rollbacks restore the shared PostgreSQL store (pg_dump, pg_restore).
  const none = { diskFullRuns: 0, agentDiskFullRuns: 0, corruptJournalRuns: 0, storeRuns: 0 };
  return quick
    ? { seed, outDir, nodes, quotas: { agentKills: 15, installKills: 2, coordinatorKills: 8, connectionFaults: 10, stateRollbacks: 2 }, groups: 3, hostsPerGroup: 3, coordinatorGapMs: [3000, 6000], stateRollbackRuns: 2, ...none }
    : { seed, outDir, nodes, quotas: { agentKills: 60, installKills: 8, coordinatorKills: 30, connectionFaults: 40, stateRollbacks: 10 }, groups: 4, hostsPerGroup: 3, coordinatorGapMs: [3000, 7000], stateRollbackRuns: 10, ...none };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string' }, nodes: { type: 'string' } },
    strict: true,
  });
  const seed = values.seed === undefined ? 20261122 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const outDir = values.out ?? path.join(tmpdir(), `dh-faults-report-${seed}`);
  const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
  if (!Number.isSafeInteger(nodes) || nodes < 1) throw new Error(`--nodes must be a positive integer, got "${values.nodes}"`);
  const opts = nodes === 1 ? suiteOptions(values.quick === true, seed, outDir) : clusterSuiteOptions(values.quick === true, seed, outDir, nodes);
  process.stdout.write(`fault suite: seed ${seed}, ${values.quick ? 'quick' : 'full'}, ${nodes === 1 ? 'one coordinator on SQLite' : `${nodes} coordinators on PostgreSQL`}, diagnostics in ${outDir}\n`);
  opts.onRun = (r, t) => {
    const faults = [...r.faults].map(([k, n]) => `${k}×${n}`).join(', ') || 'no run fault';
    const bad = r.violations.length > 0 ? `  ${r.violations.length} VIOLATIONS` : '';
    process.stdout.write(`${r.runId.padEnd(8)} ${r.status.padEnd(9)} ${faults}  [kills ${t.agentKills} (in Install ${t.installKills}), coordinator ${t.coordinatorKills}, links ${t.connectionFaults}]${bad}\n`);
  };
  const result = await runSuite(opts);
  process.stdout.write(`\n${formatReport(result)}\n`);
  return result.runs.some((r) => r.violations.length > 0) ? 1 : 0;
}

process.exitCode = await main();
