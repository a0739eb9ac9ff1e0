/**
 * The suite's summary table: runs, faults injected by kind, terminal states, the error codes of
 * failed events, violations by
 * invariant, then each violation with its run and seed, and the closing count line.
 */
import type { SuiteResult } from './suite.ts';

function add(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function section(title: string, rows: Map<string, number>): string[] {
  const width = Math.max(title.length, ...[...rows.keys()].map((k) => k.length));
  const lines = [`${title.padEnd(width)}  count`, `${'-'.repeat(width)}  -----`];
  for (const [k, n] of [...rows].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`${k.padEnd(width)}  ${String(n).padStart(5)}`);
  return lines;
}

const FAMILIES: [keyof SuiteResult['totals'], string][] = [
  ['agentKills', 'agent kills'],
  ['installKills', '  of them inside Install'],
  ['coordinatorKills', 'coordinator kills'],
  ['connectionFaults', 'connection faults'],
  ['stateRollbacks', 'state rollbacks'],
];

/** Each fault family's total against its quota (the table below splits them by kind). */
function quotaLines(result: SuiteResult): string[] {
  const width = Math.max(...FAMILIES.map(([, name]) => name.length));
  const lines = [`${'totals'.padEnd(width)}   made  quota`];
  for (const [key, name] of FAMILIES) {
    const made = result.totals[key];
    const quota = result.quotas[key];
    lines.push(`${name.padEnd(width)}  ${String(made).padStart(5)}  ${String(quota).padStart(5)}${made < quota ? '  NOT MET' : ''}`);
  }
  return lines;
}

/** The printable report; its last line is `faults: <runs> runs, <violations> violations`. */
export function formatReport(result: SuiteResult): string {
  const faults = new Map<string, number>();
  const states = new Map<string, number>();
  const invariants = new Map<string, number>();
  const codes = new Map<string, number>();
  let violations = 0;
  for (const run of result.runs) {
    for (const [kind, n] of run.faults) add(faults, kind, n);
    add(states, run.status);
    for (const code of run.errorCodes) add(codes, code);
    for (const v of run.violations) add(invariants, v.invariant);
    violations += run.violations.length;
  }
  if (result.nodes > 1) add(faults, `kill -9 of the coordinator driving a deployment (of ${result.nodes})`, result.driverKills);
  else add(faults, 'coordinator kill -9', result.coordinatorKills);
  const lines = [
    `runs: ${result.runs.length} in ${(result.elapsedMs / 1000).toFixed(0)} s`,
    ...quotaLines(result),
    '',
    ...section('fault injected', faults),
    '',
    ...section('terminal state', states),
    '',
    ...section('failed event error code', codes.size > 0 ? codes : new Map([['(none)', 0]])),
    '',
    ...section('violated invariant', invariants.size > 0 ? invariants : new Map([['(none)', 0]])),
  ];
  for (const run of result.runs) {
    for (const v of run.violations) lines.push(`  ${run.runId} seed ${run.seed} ${run.deploymentId} [${v.invariant}] ${v.host ?? ''} ${v.detail}`);
  }
  lines.push('', `faults: ${result.runs.length} runs, ${violations} violations`);
  return lines.join('\n');
}
