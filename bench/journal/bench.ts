/**
 * Journal throughput: lifecycle events journaled per second with the agent's shipped settings
 * (WAL, synchronous=FULL, one IMMEDIATE transaction per transition), and the fsyncs they cost,
 * counted by strace when it is installed, otherwise derived from the number of commits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { figure, type Figures } from '../lib/figures.ts';
import { median } from '../lib/stats.ts';

const execFileP = promisify(execFile);
const WORKER = path.join(import.meta.dirname, 'worker.ts');

interface WorkerResult {
  events: number;
  commits: number;
  ms: number;
}

async function runWorker(deployments: number, prefix: string[] = []): Promise<WorkerResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-journal-'));
  try {
    const [cmd, ...args] = [...prefix, process.execPath, '--import', 'tsx', WORKER, dir, String(deployments)];
    const { stdout } = await execFileP(cmd as string, args);
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as WorkerResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** fsync + fdatasync calls of one worker run under `strace -c -f`, or undefined without strace. */
async function countFsyncs(deployments: number): Promise<{ syncs: number; result: WorkerResult } | undefined> {
  const hasStrace = await execFileP('sh', ['-c', 'command -v strace']).then(() => true, () => false);
  if (!hasStrace) return undefined;
  const summary = path.join(mkdtempSync(path.join(tmpdir(), 'dh-bench-strace-')), 'summary.txt');
  try {
    const result = await runWorker(deployments, ['strace', '-f', '-c', '-e', 'trace=fsync,fdatasync', '-o', summary]);
    let syncs = 0;
    for (const m of readFileSync(summary, 'utf8').matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)\s*$/gm)) {
      syncs += Number(m[1]);
    }
    return { syncs, result };
  } finally {
    rmSync(path.dirname(summary), { recursive: true, force: true });
  }
}

/** Runs the journal benchmark `runs` times with `deployments` deployments each; figures go into `out`. */
export async function runJournalBench(deployments: number, runs: number, out: Figures): Promise<void> {
  const results: WorkerResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await runWorker(deployments));
  const perSecond = results.map((r) => r.events / (r.ms / 1000));
  const first = results[0] as WorkerResult;
  out['journal_events_per_s'] = figure(median(perSecond), 'events/s', `${first.events} events (${deployments} deployments × 15) per run, median of ${runs}; WAL, synchronous=FULL, journal file in ${tmpdir()}`);
  const counted = await countFsyncs(deployments);
  if (counted) {
    out['journal_fsyncs_per_event'] = figure(counted.syncs / counted.result.events, 'fsyncs', `strace -c -f: ${counted.syncs} fsync+fdatasync for ${counted.result.events} events, ${counted.result.commits} commits`);
  } else {
    out['journal_fsyncs_per_event'] = figure(first.commits / first.events, 'fsyncs', 'derived: one WAL fsync per commit (strace not installed)');
  }
}
